// Whose a shared path is: exact owner segments, the outermost one deciding, and refusals that say why.
import { describe, expect, it } from 'vitest';
import { HubError } from '../../../src/hub/hub-error';
import { pathOwner, requireOwnPath, segmentOwner } from '../../../src/hub/workspace-owner';

function refusal(fn: () => void): HubError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HubError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('the agent a path segment names', () => {
  it('is the exact id after the last "_", before any extension', () => {
    expect(segmentOwner('lever-map_bob')).toBe('bob');
    expect(segmentOwner('notes_bob.md')).toBe('bob');
    expect(segmentOwner('archive_bob.tar.gz')).toBe('bob');
    expect(segmentOwner('a_b_bob')).toBe('bob');
    expect(segmentOwner('x.y_b')).toBe('b');
  });

  it('never confuses an id with a longer one that starts the same: _b is not _bob, _bob is not _bob-2', () => {
    expect(segmentOwner('lever-map_bob')).not.toBe('b');
    expect(segmentOwner('notes_bob-2.md')).toBe('bob-2');
    expect(segmentOwner('notes_b.md')).toBe('b');
  });

  it('reads names in lower case, since the data folder may sit on a case-insensitive disk', () => {
    expect(segmentOwner('LEVER-MAP_BOB')).toBe('bob');
    expect(segmentOwner('Notes_Bob.MD')).toBe('bob');
  });

  it('names nobody when the tail is not an agent id', () => {
    for (const s of [
      'lever-map',
      'notes.md',
      'notes_',
      'notes_.md',
      'x_-bob',
      'x_bob-',
      'x_bob (1).md',
      `x_${'a'.repeat(41)}`,
    ])
      expect(segmentOwner(s), s).toBeNull();
  });
});

describe('the owner of a path', () => {
  it('is named by its outermost owner segment, whatever the names inside say', () => {
    expect(pathOwner(['lever-map_bob', 'x_b.json'])).toEqual({ owner: 'bob', segment: 'lever-map_bob' });
    expect(pathOwner(['experiments', 'run1_b.json'])).toEqual({ owner: 'b', segment: 'run1_b.json' });
    expect(pathOwner(['plain', 'names'])).toBeNull();
  });

  it('lets the owner write and refuses anyone else, naming the deciding segment', () => {
    expect(() => requireOwnPath(['lever-map_bob'], 'bob', 'dest_path', 'lever-map_bob')).not.toThrow();
    expect(() => requireOwnPath(['shared', 'notes_bob.md'], 'bob', 'dest_path', 'notes_bob.md')).not.toThrow();

    const intruder = refusal(() => requireOwnPath(['lever-map_bob', 'x_b.json'], 'b', 'dest_path', 'lever-map_b'));
    expect(intruder.code).toBe('INVALID_PATH');
    expect(intruder.message).toContain("is bob's");
    expect(intruder.message).toContain('"lever-map_bob"');
    expect(intruder.hint).toContain('lever-map_b');

    const nameless = refusal(() => requireOwnPath(['shared'], 'alice', 'dest_path', 'lever-map_alice'));
    expect(nameless.code).toBe('INVALID_PATH');
    expect(nameless.message).toContain('"_alice"');
    expect(nameless.hint).toContain('lever-map_alice');
  });

  it('takes an underscore-named folder for its owner, and the hint says how to name it instead', () => {
    const err = refusal(() => requireOwnPath(['kv_cache', 'notes_bob.md'], 'bob', 'dest_path', 'notes_bob.md'));
    expect(err.message).toContain('"kv_cache"');
    expect(err.hint).toContain('kv-cache');
  });
});
