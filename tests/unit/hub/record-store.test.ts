// The record's schema and settings: migrations run forward once, a newer record is refused, pragmas hold.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadHubConfig } from '../../../src/hub/hub-config';
import { MIGRATIONS } from '../../../src/hub/store/migrations';
import { migrate, openDatabase } from '../../../src/hub/store/database';
import { pathSegments } from '../../../src/hub/workspace';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'collab-desk-unit-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the record', () => {
  it('opens in WAL mode with full sync and foreign keys, at the newest schema version', () => {
    const db = openDatabase(join(tempDir(), 'hub.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    db.close();
  });

  it('applies only migrations newer than the file, each once', () => {
    const db = new Database(join(tempDir(), 'm.db'));
    const steps = [
      { version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'two', sql: 'CREATE TABLE b (y INTEGER);' },
    ];
    expect(migrate(db, steps.slice(0, 1))).toBe(1);
    expect(migrate(db, steps)).toBe(2);
    expect(migrate(db, steps)).toBe(2);
    db.close();
  });

  it('suspends an agent an older record registered as "verifier", the handle verdicts are now posted as', () => {
    const file = join(tempDir(), 'v6.db');
    const old = openDatabase(
      file,
      MIGRATIONS.filter((m) => m.version <= 6),
    );
    const insert = old.prepare(
      `INSERT INTO agents (agent_id, filename, model, harness, token_hash, registered_at, updated_at)
       VALUES (?, ?, 'm', 'h', ?, 1, 1)`,
    );
    insert.run('verifier', 'verifier.md', 'hash-1');
    insert.run('ana', 'ana.md', 'hash-2');
    old.close();

    const db = openDatabase(file);
    expect(db.prepare('SELECT agent_id, status FROM agents ORDER BY agent_id').all()).toEqual([
      { agent_id: 'ana', status: 'active' },
      { agent_id: 'verifier', status: 'suspended' },
    ]);
    db.close();
  });

  it('turns each taskforce of an older record into a channel: its messages, an inbox copy and who posted stay', () => {
    const file = join(tempDir(), 'v3.db');
    const old = openDatabase(
      file,
      MIGRATIONS.filter((m) => m.version <= 3),
    );
    old
      .prepare(
        `INSERT INTO taskforces (name, creator, via, readme_frontmatter, readme_body, created_at, updated_at)
         VALUES ('draft-depth', 'ana', 'raw', '{"taskforce":"draft-depth","creator":"ana"}', 'Which K?', 1000, 1000)`,
      )
      .run();
    old
      .prepare(
        `INSERT INTO messages (filename, agent, ts, type, via, channel, frontmatter, body)
         VALUES ('20260101-000000-000_ben.md', 'ben', 2000, 'note', 'raw', 'draft-depth', '{"channel":"draft-depth"}', 'K=6 @ana')`,
      )
      .run();
    old
      .prepare(`INSERT INTO inbox (handle, filename, reason) VALUES ('ana', '20260101-000000-000_ben.md', 'mention')`)
      .run();
    old.close();

    const db = openDatabase(file);
    const channel = db.prepare('SELECT * FROM channels').get() as Record<string, unknown>;
    expect(channel).toMatchObject({ name: 'draft-depth', creator: 'ana', theme_body: 'Which K?', updated_at: null });
    expect(JSON.parse(channel.theme_frontmatter as string)).toEqual({ channel: 'draft-depth', creator: 'ana' });
    expect(db.prepare('SELECT handle, via FROM channel_members ORDER BY handle').all()).toEqual([
      { handle: 'ana', via: 'raw' },
      { handle: 'ben', via: 'auto' },
    ]);
    expect(db.prepare('SELECT channel FROM messages').get()).toEqual({ channel: 'draft-depth' });
    expect(db.prepare('SELECT COUNT(*) AS n FROM inbox').get()).toEqual({ n: 1 });
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });

  it('gives an older record the sync outbox, empty, taking only the five outbox states', () => {
    const file = join(tempDir(), 'v7.db');
    openDatabase(
      file,
      MIGRATIONS.filter((m) => m.version <= 7),
    ).close();

    const db = openDatabase(file);
    expect(db.prepare('SELECT COUNT(*) AS n FROM sync_outbox').get()).toEqual({ n: 0 });
    const insert = db.prepare(
      `INSERT INTO sync_outbox (id, collab, agent, result, state, plan, created_at, updated_at)
       VALUES (?, 'org/c', 'ana', 'r.md', ?, '{}', 1, 1)`,
    );
    for (const state of ['queued', 'sending', 'sent', 'failed', 'cancelled']) insert.run(`ob-${state}`, state);
    expect(() => insert.run('ob-x', 'lost')).toThrow(/CHECK constraint/);
    expect(db.prepare('SELECT steps, attempts, error, bytes FROM sync_outbox WHERE id = ?').get('ob-queued')).toEqual({
      steps: '[]',
      attempts: 0,
      error: null,
      bytes: 0,
    });
    db.close();
  });

  it('refuses a record written by a newer build instead of guessing', () => {
    const file = join(tempDir(), 'new.db');
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    expect(() => openDatabase(file)).toThrow(/schema version 999, newer than this build knows/);
  });
});

describe('config.json', () => {
  it('writes the defaults on first start and names each invalid setting', () => {
    const file = join(tempDir(), 'config.json');
    expect(loadHubConfig(file).results.score_field).toBe('tps');
    writeFileSync(file, JSON.stringify({ limits: { inbox_recipients: -1 }, results: { order: 'sideways' } }));
    expect(() => loadHubConfig(file)).toThrow(/invalid settings:\n.*\/results\/order|\/limits\/inbox_recipients/);
    writeFileSync(file, '{ not json');
    expect(() => loadHubConfig(file)).toThrow(/is not valid JSON/);
  });
});

describe('workspace paths', () => {
  it.each(['a.txt', 'notes/plan.md', 'deep/er/file-1_x.bin'])('accepts %s', (p) =>
    expect(pathSegments(p)).toEqual(p.split('/')),
  );
  it.each([
    '',
    '/etc/passwd',
    'C:/x',
    '../x',
    'a/../b',
    'a/./b',
    '.env',
    'a/.git/config',
    'a//b',
    'a\\b',
    'a\u0001b',
    'x'.repeat(256),
  ])('refuses %j', (p) => {
    expect(() => pathSegments(p)).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }));
  });
});
