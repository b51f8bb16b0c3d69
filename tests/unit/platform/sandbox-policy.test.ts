// The sandbox's rules as bubblewrap and sandbox-exec receive them: hidden first, grants after, the data folder hidden
// again over any grant, the agent's own folder last; grants the hub cannot honour refused with the fix.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bubblewrapArgs,
  checkGrants,
  sandboxPolicy,
  seatbeltProfile,
  type SandboxRequest,
} from '../../../src/platform/sandbox';

const root = mkdtempSync(join(tmpdir(), 'collab-desk-sandbox-policy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const home = join(root, 'home');
const dataDir = join(home, '.local', 'share', 'collab-desk');
const scratch = join(dataDir, 'scratch', 'ada-1');
const prompt = join(dataDir, 'swarm', 'prompts', 'ada-1.md');
const tokenFile = join(home, '.cache', 'huggingface', 'token');
mkdirSync(scratch, { recursive: true });
mkdirSync(join(home, '.cache', 'huggingface'), { recursive: true });
writeFileSync(tokenFile, 'hf_secret');
const storedTokens = join(home, '.cache', 'huggingface', 'stored_tokens');
writeFileSync(storedTokens, '[hf_other]');
// The organizer grants the whole home folder: the data folder inside it and the token file must stay hidden.
const request: SandboxRequest = { scratch, dataDir, inputs: [prompt], read: [home], write: [], home };
const env = { HOME: home };

/** Index of the first occurrence of a flag followed by its arguments. */
function at(args: string[], ...seq: string[]): number {
  for (let i = 0; i <= args.length - seq.length; i++) if (seq.every((s, j) => args[i + j] === s)) return i;
  return -1;
}

describe('bubblewrap', () => {
  const policy = sandboxPolicy('bubblewrap', request, env);
  const args = bubblewrapArgs(policy, request, 'my-agent --go');

  it("hides the home folder and /tmp, then mounts the grants, then hides the data folder again, then the agent's own folder", () => {
    const hideHome = at(args, '--tmpfs', home);
    const grant = at(args, '--ro-bind', home, home);
    const hideData = at(args, '--tmpfs', dataDir);
    const own = at(args, '--bind', scratch, scratch);
    const input = at(args, '--ro-bind', prompt, prompt);
    expect(hideHome).toBeGreaterThan(-1);
    expect(at(args, '--tmpfs', '/tmp')).toBeGreaterThan(-1);
    expect(grant).toBeGreaterThan(hideHome);
    expect(hideData).toBeGreaterThan(grant);
    expect(own).toBeGreaterThan(hideData);
    expect(input).toBeGreaterThan(hideData);
    expect(at(args, '--ro-bind', '/dev/null', tokenFile)).toBeGreaterThan(grant);
  });

  it('gives it its own PID namespace and no capabilities, keeps the network for loopback, and runs the command in its folder', () => {
    for (const flag of ['--unshare-pid', '--die-with-parent']) expect(args).toContain(flag);
    expect(at(args, '--cap-drop', 'ALL')).toBeGreaterThan(-1);
    expect(args).not.toContain('--unshare-net');
    expect(args).not.toContain('--unshare-all');
    expect(at(args, '--chdir', scratch)).toBeGreaterThan(-1);
    expect(args.at(-1)).toMatch(/my-agent --go$/);
  });

  it('says what it can read and write, and what is hidden', () => {
    expect(policy).toMatchObject({
      kind: 'bubblewrap',
      read: expect.arrayContaining([prompt, home]),
      write: expect.arrayContaining([scratch, expect.stringContaining('a private /tmp and an empty home folder')]),
    });
    expect(policy.hidden).toEqual(expect.arrayContaining([home, '/tmp', '/run', dataDir, tokenFile, storedTokens]));
    expect(policy.masked).toEqual(expect.arrayContaining([tokenFile, storedTokens]));
  });

  it("hides /run (the machine's sockets), and leaves only /tmp and the empty home writable", () => {
    expect(at(args, '--tmpfs', '/run')).toBeGreaterThan(-1);
    for (const ro of ['/run', dataDir])
      expect(at(args, '--remount-ro', ro), ro).toBeGreaterThan(at(args, '--bind', scratch, scratch));
    for (const rw of ['/tmp', home]) expect(at(args, '--remount-ro', rw), rw).toBe(-1);
  });

  it("hides a data folder reached through a symlink where it really is, and binds the agent's folder from there", () => {
    const real = join(root, 'srv', 'data');
    mkdirSync(join(real, 'scratch', 'bo-1'), { recursive: true });
    const link = join(root, 'data-link');
    symlinkSync(real, link);
    const req: SandboxRequest = {
      scratch: join(link, 'scratch', 'bo-1'),
      dataDir: link,
      inputs: [],
      read: [],
      write: [],
      home,
    };
    const linked = bubblewrapArgs(sandboxPolicy('bubblewrap', req, env), req, 'true');
    expect(at(linked, '--tmpfs', link)).toBeGreaterThan(-1);
    expect(at(linked, '--tmpfs', real)).toBeGreaterThan(-1);
    expect(at(linked, '--bind', join(real, 'scratch', 'bo-1'), join(link, 'scratch', 'bo-1'))).toBeGreaterThan(
      at(linked, '--tmpfs', real),
    );
  });

  it('mounts parents before children, so an empty home inside /home stays mounted', () => {
    const homes = args.flatMap((a, i) => (a === '--tmpfs' ? [args[i + 1]!] : []));
    const depth = (p: string) => p.split('/').filter(Boolean).length;
    const folders = homes.slice(0, homes.indexOf(dataDir));
    expect(folders.map(depth)).toEqual([...folders.map(depth)].sort((a, b) => a - b));
  });
});

describe('sandbox-exec (macOS)', () => {
  const policy = sandboxPolicy('sandbox-exec', request, env);
  const profile = seatbeltProfile(policy, request).split('\n');
  const line = (text: string) => profile.findIndex((l) => l === text);
  // The data folder is denied twice (with the hidden folders, and again over the grants): the later one decides.
  const lastLine = (text: string) => profile.findLastIndex((l) => l === text);

  it("denies writes and the hidden folders first, then allows the grants, then denies the data folder, then allows the agent's own folder", () => {
    const q = JSON.stringify;
    expect(profile.slice(0, 3)).toEqual(['(version 1)', '(allow default)', '(deny file-write*)']);
    const denyHome = line(`(deny file-read* file-write* (subpath ${q(home)}))`);
    const grant = line(`(allow file-read* (subpath ${q(home)}))`);
    const denyData = lastLine(`(deny file-read* file-write* (subpath ${q(dataDir)}))`);
    const own = line(`(allow file-read* file-write* (subpath ${q(scratch)}))`);
    expect(denyHome).toBeGreaterThan(-1);
    expect(grant).toBeGreaterThan(denyHome);
    expect(denyData).toBeGreaterThan(grant);
    expect(own).toBeGreaterThan(denyData);
    expect(line(`(deny file-read* (literal ${q(tokenFile)}))`)).toBeGreaterThan(grant);
    expect(profile).toContain('(deny process-info* (target others))');
  });
});

describe('grants', () => {
  it('are refused when relative, missing, the whole filesystem, or inside the data folder (also through a link)', () => {
    const link = join(root, 'link-to-data');
    symlinkSync(dataDir, link);
    expect(() => checkGrants(['tools'], dataDir, 'read')).toThrow(/not an absolute path/);
    expect(() => checkGrants([join(root, 'nope')], dataDir, 'read')).toThrow(/does not exist/);
    expect(() => checkGrants(['/'], dataDir, 'write')).toThrow(/whole filesystem/);
    expect(() => checkGrants([scratch], dataDir, 'read')).toThrow(/inside the hub's data folder/);
    expect(() => checkGrants([link], dataDir, 'read')).toThrow(/inside the hub's data folder/);
    expect(checkGrants([home], dataDir, 'read')).toEqual([home]);
  });

  it('without a sandbox the policy says plainly that everything is reachable', () => {
    const bare = sandboxPolicy('none', request, env);
    expect(bare).toMatchObject({ kind: 'none', hidden: [] });
    expect(bare.read[0]).toContain('the organizer token');
  });
});
