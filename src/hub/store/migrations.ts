// The record's schema history: numbered, forward-only migrations; a shipped migration is never edited.

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * Rebuilds a table others reference (SQLite cannot alter a CHECK): runs with foreign keys off, and the whole
   * record's references are checked before it commits.
   */
  rebuildsTables?: boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial record',
    sql: `
      CREATE TABLE agents (
        agent_id      TEXT PRIMARY KEY,
        filename      TEXT NOT NULL UNIQUE,
        model         TEXT NOT NULL,
        harness       TEXT NOT NULL,
        tools         TEXT NOT NULL DEFAULT '[]',
        bio           TEXT NOT NULL DEFAULT '',
        token_hash    TEXT NOT NULL UNIQUE,
        status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        registered_at INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      );

      CREATE TABLE taskforces (
        name               TEXT PRIMARY KEY,
        creator            TEXT NOT NULL,
        via                TEXT NOT NULL,
        readme_frontmatter TEXT NOT NULL,
        readme_body        TEXT NOT NULL,
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL
      );

      CREATE TABLE messages (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        filename    TEXT NOT NULL UNIQUE,
        agent       TEXT NOT NULL,
        ts          INTEGER NOT NULL,
        type        TEXT NOT NULL,
        via         TEXT NOT NULL,
        channel     TEXT REFERENCES taskforces(name),
        reply_to    TEXT REFERENCES messages(filename),
        thread      TEXT,
        broadcast   INTEGER NOT NULL DEFAULT 0,
        source_sha256 TEXT UNIQUE,
        frontmatter TEXT NOT NULL,
        body        TEXT NOT NULL
      );
      CREATE INDEX messages_agent ON messages(agent, filename);
      CREATE INDEX messages_channel ON messages(channel, filename) WHERE channel IS NOT NULL;
      CREATE INDEX messages_thread ON messages(thread, filename) WHERE thread IS NOT NULL;
      CREATE INDEX messages_broadcast ON messages(filename) WHERE broadcast = 1;

      CREATE TABLE inbox (
        handle   TEXT NOT NULL,
        filename TEXT NOT NULL REFERENCES messages(filename),
        reason   TEXT NOT NULL CHECK (reason IN ('mention', 'ref', 'reply')),
        PRIMARY KEY (handle, filename)
      ) WITHOUT ROWID;

      CREATE TABLE results (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        filename       TEXT NOT NULL UNIQUE,
        agent          TEXT NOT NULL,
        ts             INTEGER NOT NULL,
        via            TEXT NOT NULL,
        source_sha256  TEXT NOT NULL UNIQUE,
        score          REAL NOT NULL,
        guardrail      REAL,
        status         TEXT NOT NULL,
        method         TEXT NOT NULL,
        description    TEXT NOT NULL,
        frontmatter    TEXT NOT NULL,
        body           TEXT NOT NULL,
        verification   TEXT NOT NULL DEFAULT 'pending' CHECK (verification IN ('pending', 'valid', 'invalid')),
        verified_by    TEXT,
        verified_at    INTEGER,
        verdict_note   TEXT
      );
      CREATE INDEX results_agent ON results(agent, filename);
      CREATE INDEX results_rank ON results(status, verification, score);

      CREATE TABLE verdicts (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        filename  TEXT NOT NULL REFERENCES results(filename),
        verdict   TEXT NOT NULL CHECK (verdict IN ('pending', 'valid', 'invalid')),
        by        TEXT NOT NULL,
        authority TEXT NOT NULL CHECK (authority IN ('organizer', 'verifier')),
        note      TEXT NOT NULL DEFAULT '',
        ts        INTEGER NOT NULL
      );
      CREATE INDEX verdicts_result ON verdicts(filename, id);

      CREATE TABLE audit (
        id     INTEGER PRIMARY KEY AUTOINCREMENT,
        ts     INTEGER NOT NULL,
        actor  TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_actor ON audit(actor, id);
    `,
  },
  {
    version: 2,
    name: 'benchmark jobs, the quota ledger, score intervals',
    sql: `
      CREATE TABLE jobs (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        id           TEXT NOT NULL UNIQUE,
        agent        TEXT NOT NULL,
        kind         TEXT NOT NULL CHECK (kind IN ('bench', 'baseline', 'verify')),
        pack         TEXT NOT NULL,
        config       TEXT NOT NULL,
        method       TEXT NOT NULL DEFAULT '',
        description  TEXT NOT NULL DEFAULT '',
        state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        created_at   INTEGER NOT NULL,
        started_at   INTEGER,
        finished_at  INTEGER,
        progress     TEXT,
        error        TEXT,
        result       TEXT,
        verifies     TEXT REFERENCES results(filename)
      );
      CREATE INDEX jobs_state ON jobs(state, seq);
      CREATE INDEX jobs_agent ON jobs(agent, seq);

      -- One row per submitted job that counts against a quota; a job that never ran is refunded, not deleted.
      CREATE TABLE quota_ledger (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        agent    TEXT NOT NULL,
        job      TEXT NOT NULL UNIQUE REFERENCES jobs(id),
        ts       INTEGER NOT NULL,
        refunded INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX quota_agent ON quota_ledger(agent, ts);
      CREATE INDEX quota_ts ON quota_ledger(ts);

      ALTER TABLE results ADD COLUMN score_low REAL;
      ALTER TABLE results ADD COLUMN score_high REAL;
    `,
  },
  {
    version: 3,
    name: 'honest numbers: unverified results, paired speedups, hardware classes, measurement quality',
    rebuildsTables: true,
    sql: `
      CREATE TABLE results_v3 (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        filename       TEXT NOT NULL UNIQUE,
        agent          TEXT NOT NULL,
        ts             INTEGER NOT NULL,
        via            TEXT NOT NULL,
        source_sha256  TEXT NOT NULL UNIQUE,
        score          REAL NOT NULL,
        guardrail      REAL,
        status         TEXT NOT NULL,
        method         TEXT NOT NULL,
        description    TEXT NOT NULL,
        frontmatter    TEXT NOT NULL,
        body           TEXT NOT NULL,
        verification   TEXT NOT NULL DEFAULT 'pending' CHECK (verification IN ('pending', 'valid', 'invalid', 'unverified')),
        verified_by    TEXT,
        verified_at    INTEGER,
        verdict_note   TEXT,
        score_low      REAL,
        score_high     REAL,
        -- the paired speedup over the result's own plain target, measured in the same run (hub jobs only)
        speedup        REAL,
        speedup_low    REAL,
        speedup_high   REAL,
        plain_score    REAL,
        hardware       TEXT,
        measurement    TEXT CHECK (measurement IN ('clean', 'noisy', 'disturbed'))
      );
      INSERT INTO results_v3 (seq, filename, agent, ts, via, source_sha256, score, guardrail, status, method, description, frontmatter, body,
                              verification, verified_by, verified_at, verdict_note, score_low, score_high, hardware)
        SELECT seq, filename, agent, ts, via, source_sha256, score, guardrail, status, method, description, frontmatter, body,
               verification,
               verified_by, verified_at, verdict_note, score_low, score_high,
               CASE WHEN json_type(frontmatter, '$.hardware') = 'text' THEN json_extract(frontmatter, '$.hardware') END
        FROM results;
      DROP TABLE results;
      ALTER TABLE results_v3 RENAME TO results;
      CREATE INDEX results_agent ON results(agent, filename);
      CREATE INDEX results_rank ON results(status, verification, score);

      CREATE TABLE verdicts_v3 (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        filename  TEXT NOT NULL REFERENCES results(filename),
        verdict   TEXT NOT NULL CHECK (verdict IN ('pending', 'valid', 'invalid', 'unverified')),
        by        TEXT NOT NULL,
        authority TEXT NOT NULL CHECK (authority IN ('organizer', 'verifier')),
        note      TEXT NOT NULL DEFAULT '',
        ts        INTEGER NOT NULL
      );
      INSERT INTO verdicts_v3 SELECT id, filename, verdict, by, authority, note, ts FROM verdicts;
      DROP TABLE verdicts;
      ALTER TABLE verdicts_v3 RENAME TO verdicts;
      CREATE INDEX verdicts_result ON verdicts(filename, id);
    `,
  },
  {
    version: 4,
    name: 'channels apart from taskforces: channels, their members, taskforce notes',
    rebuildsTables: true,
    sql: `
      CREATE TABLE channels (
        name              TEXT PRIMARY KEY,
        creator           TEXT NOT NULL,
        via               TEXT NOT NULL,
        theme_frontmatter TEXT NOT NULL,
        theme_body        TEXT NOT NULL,
        created_at        INTEGER NOT NULL,
        updated_at        INTEGER
      );

      -- One row per subscription; unsubscribing deletes it (the public collab's member marker files).
      CREATE TABLE channel_members (
        channel       TEXT NOT NULL REFERENCES channels(name),
        handle        TEXT NOT NULL,
        via           TEXT NOT NULL,
        subscribed_at INTEGER NOT NULL,
        PRIMARY KEY (channel, handle)
      ) WITHOUT ROWID;
      CREATE INDEX channel_members_handle ON channel_members(handle, channel);

      -- Every taskforce was also a channel: it stays a channel of the same name, its README the theme, its creator
      -- and everyone who posted in it subscribed, and its messages stay where they are.
      INSERT INTO channels (name, creator, via, theme_frontmatter, theme_body, created_at, updated_at)
        SELECT name, creator, via,
               json_set(json_remove(readme_frontmatter, '$.taskforce'), '$.channel', name, '$.creator', creator),
               readme_body, created_at, CASE WHEN updated_at > created_at THEN updated_at END
        FROM taskforces;
      INSERT INTO channel_members (channel, handle, via, subscribed_at)
        SELECT name, creator, via, created_at FROM taskforces;
      INSERT OR IGNORE INTO channel_members (channel, handle, via, subscribed_at)
        SELECT channel, agent, 'auto', MIN(ts) FROM messages WHERE channel IS NOT NULL GROUP BY channel, agent;

      CREATE TABLE messages_v4 (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        filename    TEXT NOT NULL UNIQUE,
        agent       TEXT NOT NULL,
        ts          INTEGER NOT NULL,
        type        TEXT NOT NULL,
        via         TEXT NOT NULL,
        channel     TEXT REFERENCES channels(name),
        reply_to    TEXT REFERENCES messages(filename),
        thread      TEXT,
        broadcast   INTEGER NOT NULL DEFAULT 0,
        source_sha256 TEXT UNIQUE,
        frontmatter TEXT NOT NULL,
        body        TEXT NOT NULL
      );
      INSERT INTO messages_v4 SELECT seq, filename, agent, ts, type, via, channel, reply_to, thread, broadcast,
                                     source_sha256, frontmatter, body FROM messages;
      DROP TABLE messages;
      ALTER TABLE messages_v4 RENAME TO messages;
      CREATE INDEX messages_agent ON messages(agent, filename);
      CREATE INDEX messages_channel ON messages(channel, filename) WHERE channel IS NOT NULL;
      CREATE INDEX messages_board ON messages(filename) WHERE channel IS NULL;
      CREATE INDEX messages_thread ON messages(thread, filename) WHERE thread IS NOT NULL;
      CREATE INDEX messages_broadcast ON messages(filename) WHERE broadcast = 1;

      -- A taskforce's notes, as the public collab keeps them: stamped notes, and named .md files (named = 1, whose
      -- bytes live in central/taskforces/<name>/), never on the board and never in an inbox.
      CREATE TABLE taskforce_notes (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        taskforce     TEXT NOT NULL REFERENCES taskforces(name),
        filename      TEXT NOT NULL,
        agent         TEXT NOT NULL,
        ts            INTEGER NOT NULL,
        type          TEXT NOT NULL,
        via           TEXT NOT NULL,
        named         INTEGER NOT NULL DEFAULT 0,
        source_sha256 TEXT,
        frontmatter   TEXT NOT NULL,
        body          TEXT NOT NULL,
        UNIQUE (taskforce, filename)
      );
    `,
  },
  {
    version: 5,
    name: 'shared session traces (stats or full), one row per agent and session',
    sql: `
      -- Updatable, unlike results: a session shared as stats may be shared again as full, so the key is the session.
      CREATE TABLE traces (
        agent        TEXT NOT NULL,
        session_id   TEXT NOT NULL,
        share        TEXT NOT NULL CHECK (share IN ('stats', 'full')),
        completeness TEXT NOT NULL CHECK (completeness IN ('full', 'partial')),
        promoted_at  INTEGER NOT NULL,
        frontmatter  TEXT NOT NULL,
        body         TEXT NOT NULL,
        -- central paths of the native logs full shares copied; kept when the session is shared again
        log_files    TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (agent, session_id)
      );
      CREATE INDEX traces_promoted ON traces(promoted_at);
    `,
  },
  {
    version: 6,
    name: "a channel subscription's notify level (mentions or all), as the public membership marker keeps it",
    sql: `
      -- Joining is never a notification commitment, so the quiet level is the default, and every existing
      -- membership reads as it did on the public collab before levels existed: mentions.
      ALTER TABLE channel_members ADD COLUMN notify TEXT NOT NULL DEFAULT 'mentions'
        CHECK (notify IN ('mentions', 'all'));
    `,
  },
  {
    version: 7,
    name: "inbox copies by message; an agent registered as 'verifier' before the verifier took that handle is suspended",
    sql: `
      -- Waking long-poll waiters looks up who a new message was copied to: one index probe, not an inbox scan.
      CREATE INDEX inbox_filename ON inbox(filename);
      -- The verifier now posts verdicts as 'verifier' (the public verifier's way); an agent of that name from an
      -- older record could otherwise post look-alike verdicts. Suspended, it keeps its history and the organizer can
      -- see it; it can no longer write.
      UPDATE agents SET status = 'suspended' WHERE agent_id = 'verifier';
    `,
  },
  {
    version: 8,
    name: "the sync outbox: what the organizer published to a public collab, each step's progress, until it is sent",
    sql: `
      -- The sync service's durable queue (src/shared/sync-api.ts OutboxRow): a row is committed before the first
      -- attempt, so a publish the hub acknowledged survives a restart and is resumed, never sent twice from scratch.
      CREATE TABLE sync_outbox (
        id              TEXT PRIMARY KEY,
        collab          TEXT NOT NULL,
        agent           TEXT NOT NULL,
        result          TEXT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
        plan            TEXT NOT NULL,
        steps           TEXT NOT NULL DEFAULT '[]',
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        error           TEXT,
        public_filename TEXT,
        public_url      TEXT,
        bytes           INTEGER NOT NULL DEFAULT 0,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
      );
      -- What a restarted hub resumes: the few unfinished items, oldest first, without scanning everything sent.
      CREATE INDEX sync_outbox_unfinished ON sync_outbox(created_at) WHERE state IN ('queued', 'sending');
      CREATE INDEX sync_outbox_created ON sync_outbox(created_at);
    `,
  },
  {
    version: 9,
    name: 'public collab mirror',
    sql: `
      -- Public collabs this hub follows read-only: where to read them, how far each list was read (the upstream
      -- filename cursors), what their leaderboard and rules said, and how much room their copy may take.
      CREATE TABLE mirror_collabs (
        collab       TEXT PRIMARY KEY,
        api_url      TEXT NOT NULL,
        title        TEXT,
        central      TEXT NOT NULL,
        docs         TEXT,
        score_field  TEXT NOT NULL,
        score_order  TEXT NOT NULL CHECK (score_order IN ('asc', 'desc')),
        followed_at  INTEGER NOT NULL,
        cursors      TEXT NOT NULL DEFAULT '{}',
        caught_up_at INTEGER,
        checked_at   INTEGER,
        error        TEXT,
        leaderboard  TEXT,
        readme       TEXT,
        budget_bytes INTEGER NOT NULL,
        evicted      INTEGER NOT NULL DEFAULT 0
      );
      -- Their records, apart from this hub's own: the origin on every row, the upstream filename verbatim. Nothing
      -- here is ever written back, listed among local records or ranked with them.
      CREATE TABLE mirror_records (
        collab       TEXT NOT NULL REFERENCES mirror_collabs(collab) ON DELETE CASCADE,
        kind         TEXT NOT NULL CHECK (kind IN ('message', 'result', 'agent', 'channel')),
        filename     TEXT NOT NULL,
        frontmatter  TEXT NOT NULL,
        body         TEXT NOT NULL,
        verification TEXT,
        bytes        INTEGER NOT NULL,
        fetched_at   INTEGER NOT NULL,
        PRIMARY KEY (collab, kind, filename)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 10,
    name: "inbox copies carry their message's stamp; a channel's newest stamp by index: digests cost the same on any board",
    sql: `
      -- The digest's inbox (since=) was counted by looking every copy's message up for its time, and the inbox and
      -- /v1/updates counts by probing the board once per copy; with the stamp on the copy, each count is a range of
      -- one index. Copies made before this version take their message's stamp, so an upgraded record counts the same.
      CREATE TABLE inbox_v10 (
        handle   TEXT NOT NULL,
        filename TEXT NOT NULL REFERENCES messages(filename),
        reason   TEXT NOT NULL CHECK (reason IN ('mention', 'ref', 'reply')),
        ts       INTEGER NOT NULL,
        PRIMARY KEY (handle, filename)
      ) WITHOUT ROWID;
      INSERT INTO inbox_v10 (handle, filename, reason, ts)
        SELECT i.handle, i.filename, i.reason, m.ts FROM inbox i JOIN messages m ON m.filename = i.filename;
      DROP TABLE inbox;
      ALTER TABLE inbox_v10 RENAME TO inbox;
      CREATE INDEX inbox_filename ON inbox(filename);
      CREATE INDEX inbox_since ON inbox(handle, ts);
      -- Every digest lists the channels with their last activity, MAX(ts) of their messages: without (channel, ts)
      -- that read every message of every channel (11 ms for a 10k-message channel), with it one index probe.
      CREATE INDEX messages_channel_ts ON messages(channel, ts) WHERE channel IS NOT NULL;
    `,
  },
];
