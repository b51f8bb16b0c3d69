// The workspace's stores against a real hub: the tree (central, scratch, missing folders), where a route points, the preview by kind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../helpers/test-hub';
import { CENTRAL, locationKey, scratchRoot } from '../../../src/renderer/src/model/workspace-location';
import { useWorkspaceAgents } from '../../../src/renderer/src/stores/workspace-agents-store';
import { useWorkspacePreview } from '../../../src/renderer/src/stores/workspace-preview-store';
import { resolveLocation, useWorkspaceTree } from '../../../src/renderer/src/stores/workspace-tree-store';
import { routeFetchTo, signIn } from './hub-fetch';

let hub: TestHub;
let undoFetch: () => void;
const ALICE = scratchRoot('alice');

const tree = () => useWorkspaceTree.getState();
const folder = (root: string, path: string) => tree().folders[locationKey(root, path)];

beforeAll(async () => {
  hub = await startTestHub();
  const alice = await hub.register('alice');
  await hub.register('bob');
  const put = async (path: string, text: string) => {
    const res = await hub.call('PUT', `/v1/scratch/alice/${path}`, {
      token: alice,
      raw: text,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBeLessThan(300);
  };
  await put('notes/config.json', '{"draft": 4, "tps": 131.5}');
  await put('notes/readme.md', '# Draft depth\n\nFour pays off.');
  await hub.call('POST', '/v1/messages', { token: alice, body: { body: 'on the record' } });
  undoFetch = routeFetchTo(hub.url);
  signIn(hub.organizerToken);
});

afterAll(async () => {
  signIn(null);
  undoFetch();
  await hub.stop(true);
});

describe('workspace tree', () => {
  it('lists the agents with a scratch folder, sorted by id', async () => {
    await useWorkspaceAgents.getState().loadAgents();
    expect(useWorkspaceAgents.getState().agents?.map((a) => a.agent_id)).toEqual(['alice', 'bob']);
  });

  it('shows central with its record folders (the board, the results) among its folders', async () => {
    await tree().loadFolder(CENTRAL, '');
    const names = folder(CENTRAL, '')!.entries.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['message_board', 'results']));
    await tree().loadFolder(CENTRAL, 'message_board');
    const board = folder(CENTRAL, 'message_board')!;
    expect(board.total).toBe(1);
    expect(board.entries[0]).toMatchObject({ type: 'file', record: true });
  });

  it('opens the folders on the way to a file, and then knows the route points at that file', async () => {
    tree().open({ root: ALICE, path: 'notes/config.json' });
    expect(tree().expanded[locationKey(ALICE, 'notes')]).toBe(true);
    expect(resolveLocation(tree().folders, ALICE, 'notes/config.json')).toEqual({ state: 'loading' });
    await expect.poll(() => resolveLocation(tree().folders, ALICE, 'notes/config.json').state).toBe('file');
    expect(folder(ALICE, 'notes')!.entries.map((e) => e.name)).toEqual(['config.json', 'readme.md']);
  });

  it('says a folder that is not there is gone, not that the read failed', async () => {
    await tree().loadFolder(ALICE, 'nowhere');
    expect(folder(ALICE, 'nowhere')).toMatchObject({ status: 'failed', missing: true });
    await tree().loadFolder(ALICE, '');
    expect(resolveLocation(tree().folders, ALICE, 'nowhere/file.txt')).toEqual({
      state: 'gone',
      missingFolder: 'nowhere',
    });
  });

  it('says a folder that is a file now is a file, a JSON file included (its fields are no listing)', async () => {
    for (const name of ['notes/readme.md', 'notes/config.json']) {
      await tree().loadFolder(ALICE, name);
      expect(folder(ALICE, name)).toMatchObject({
        status: 'failed',
        missing: false,
        error: `${name} is a file now, not a folder — open its parent folder`,
      });
    }
  });
});

describe('workspace preview', () => {
  it('shows a JSON file parsed and a markdown file as markdown', async () => {
    await tree().loadFolder(ALICE, 'notes');
    const entry = (name: string) => folder(ALICE, 'notes')!.entries.find((e) => e.name === name)!;
    await useWorkspacePreview.getState().loadPreview(ALICE, 'notes/config.json', entry('config.json'));
    expect(useWorkspacePreview.getState().preview?.body).toMatchObject({
      kind: 'json',
      value: { draft: 4, tps: 131.5 },
      truncated: false,
    });
    await useWorkspacePreview.getState().loadPreview(ALICE, 'notes/readme.md', entry('readme.md'));
    expect(useWorkspacePreview.getState().preview?.body).toMatchObject({
      kind: 'markdown',
      text: '# Draft depth\n\nFour pays off.',
    });
  });

  it('shows a board post as its record, and says a file that went away is gone', async () => {
    await tree().loadFolder(CENTRAL, 'message_board');
    const post = folder(CENTRAL, 'message_board')!.entries[0]!;
    await useWorkspacePreview.getState().loadPreview(CENTRAL, post.path, post);
    const body = useWorkspacePreview.getState().preview?.body;
    expect(body?.kind).toBe('record');
    expect(body?.kind === 'record' && body.source).toContain('on the record');
    const ghost = { path: 'notes/ghost.txt', name: 'ghost.txt', type: 'file' as const, bytes: 3, modified: null };
    await useWorkspacePreview.getState().loadPreview(ALICE, ghost.path, ghost);
    expect(useWorkspacePreview.getState().preview).toMatchObject({ status: 'gone', body: null });
  });
});
