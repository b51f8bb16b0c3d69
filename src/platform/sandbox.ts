// Confines an external agent's command: bubblewrap on Linux, sandbox-exec on macOS; says what it may read, write and reach.
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import type { SandboxKind, SandboxPolicy } from '../shared/swarm';
import { hfTokenFile } from './hf-token';

const run = promisify(execFile);

/** What this machine offers: a sandbox that starts (tried once), or why there is none and how to get one. */
export interface SandboxSupport {
  kind: SandboxKind | null;
  /** The sandbox program (bwrap, sandbox-exec). */
  program: string | null;
  /** Why there is no sandbox, with the fix; null when there is one. */
  reason: string | null;
}

/** Where an agent's confinement is drawn: its own folder, the hub's folder to hide, and what the organizer grants. */
export interface SandboxRequest {
  /** The agent's scratch folder: writable, and the only visible part of the data folder. */
  scratch: string;
  /** The hub's data folder: the organizer token, the record, the held-out prompts, other agents' folders. */
  dataDir: string;
  /** Files the agent must read inside the data folder (its prompt file). */
  inputs: string[];
  /** Folders or files the organizer lets it read (where its CLI and its own config live). */
  read: string[];
  /** Folders the organizer lets it write. */
  write: string[];
  home?: string;
}

/**
 * The network stays shared: agents reach the hub and the inference endpoint on loopback, and most agent CLIs their own
 * model API. So do abstract-namespace sockets (an X server's, where it grants access by user): the README says so.
 */
const NETWORK =
  'shared with the machine: the hub and the inference endpoint on loopback, and whatever network the machine has';

/** Finds an executable on PATH (or an absolute path), as a shell would. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  const candidates = name.includes('/')
    ? [resolve(name)]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, name));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

let detected: Promise<SandboxSupport> | null = null;

/**
 * The sandbox this machine can run, tried for real once per process: bwrap may be installed and still refuse to start
 * (user namespaces disabled, or restricted by AppArmor as on Ubuntu 24.04). COLLAB_DESK_BWRAP names another bwrap
 * (or one that does not exist, to run as a machine without it).
 */
export function detectSandbox(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<SandboxSupport> {
  const own = env === process.env && platform === process.platform;
  if (own && detected) return detected;
  const found = probe(env, platform);
  // Only a sandbox that started is kept: a failed try (bwrap installed since, a probe timed out on a busy machine)
  // is tried again at the next spawn.
  if (own)
    detected = found.then((s) => {
      if (!s.kind) detected = null;
      return s;
    });
  return found;
}

async function probe(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<SandboxSupport> {
  if (platform === 'linux') {
    const program = findExecutable(env.COLLAB_DESK_BWRAP || 'bwrap', env.PATH ?? '');
    if (!program) {
      return {
        kind: null,
        program: null,
        reason: `bubblewrap (bwrap) is not installed${env.COLLAB_DESK_BWRAP ? ` at ${env.COLLAB_DESK_BWRAP}` : ''}: install it (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install bubblewrap)`,
      };
    }
    try {
      await run(
        program,
        [
          '--ro-bind',
          '/',
          '/',
          '--dev',
          '/dev',
          '--proc',
          '/proc',
          '--unshare-pid',
          '--cap-drop',
          'ALL',
          '--',
          '/bin/sh',
          '-c',
          'exit 0',
        ],
        { timeout: 10_000 },
      );
      return { kind: 'bubblewrap', program, reason: null };
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? (err as Error).message)
        .trim()
        .split('\n')[0];
      return {
        kind: null,
        program,
        reason: `bubblewrap is installed but cannot start a sandbox here (${stderr}): user namespaces are disabled or restricted; allow them (e.g. Ubuntu 24.04: an AppArmor profile for bwrap, or sysctl kernel.apparmor_restrict_unprivileged_userns=0)`,
      };
    }
  }
  if (platform === 'darwin') {
    const program = findExecutable('/usr/bin/sandbox-exec');
    return program
      ? { kind: 'sandbox-exec', program, reason: null }
      : { kind: null, program: null, reason: 'sandbox-exec is missing from /usr/bin' };
  }
  return {
    kind: null,
    program: null,
    reason: `no sandbox is available on ${platform} (Linux uses bubblewrap, macOS sandbox-exec)`,
  };
}

/** Whether `inner` is `outer` or inside it. */
export function isWithin(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Checks the organizer's grants: absolute, existing, and neither inside the data folder (it holds the organizer token
 * and the held-out prompts) nor the whole filesystem. Returns their real paths; throws a message saying what to fix.
 */
export function checkGrants(paths: string[], dataDir: string, what: 'read' | 'write'): string[] {
  const data = realOrSelf(dataDir);
  return paths.map((p) => {
    if (!isAbsolute(p))
      throw new Error(`the ${what} grant "${p}" is not an absolute path: name the folder in full, e.g. /opt/my-agent`);
    if (!existsSync(p)) throw new Error(`the ${what} grant ${p} does not exist`);
    const real = realpathSync(p);
    if (real === sep)
      throw new Error(`the ${what} grant ${p} is the whole filesystem: name the folders the agent needs`);
    if (isWithin(real, data))
      throw new Error(
        `the ${what} grant ${p} is inside the hub's data folder, which holds the organizer token and the held-out prompts: grant a folder outside it`,
      );
    return real;
  });
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** The Hugging Face token files a grant of the home folder must not re-expose (those that exist: a mask needs a file). */
function hfTokenFiles(home: string, env: NodeJS.ProcessEnv): string[] {
  const hfHome = dirname(hfTokenFile({ ...env, HF_TOKEN_PATH: undefined, HOME: home }));
  const files = [
    hfTokenFile(env),
    join(hfHome, 'token'),
    join(hfHome, 'stored_tokens'),
    join(home, '.cache', 'huggingface', 'token'),
    join(home, '.cache', 'huggingface', 'stored_tokens'),
    join(home, '.huggingface', 'token'),
  ];
  return unique(files.filter((f) => existsSync(f)).flatMap((f) => [f, realOrSelf(f)]));
}

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** A path and, where a symlink leads elsewhere, where it really is: a mount over the link alone would hide nothing. */
const bothPaths = (p: string): string[] => unique([resolve(p), realOrSelf(p)]);

/** Folders replaced by empty private ones that stay writable (a private /tmp, an empty home for the CLI's caches). */
function scratchSpaces(home: string): string[] {
  return unique(['/tmp', ...bothPaths(home)]);
}

/** The policy an agent runs under, as its card shows it; `kind: 'none'` when the organizer accepted running it bare. */
export function sandboxPolicy(
  kind: SandboxKind | 'none',
  req: SandboxRequest,
  env: NodeJS.ProcessEnv = process.env,
): SandboxPolicy {
  const home = req.home ?? homedir();
  if (kind === 'none') {
    return {
      kind,
      read: [
        'everything this user can read, including the data folder (the organizer token, the held-out prompts) and the home folder',
      ],
      write: ['everything this user can write'],
      hidden: [],
      masked: [],
      processes: "shared with the machine: other processes' environments are readable",
      network: NETWORK,
    };
  }
  // /run holds the machine's sockets (Docker, D-Bus, the user's session): connecting to one works on a read-only mount.
  const system = ['/home', '/root', '/tmp', '/var/tmp', '/run', '/media', '/mnt'].filter((p) => existsSync(p));
  const hidden = unique([...bothPaths(home), ...system.flatMap(bothPaths), ...bothPaths(req.dataDir)]);
  const masked = hfTokenFiles(home, env);
  return {
    kind,
    read: ['the system (read-only)', ...req.inputs, ...req.read],
    write: [
      req.scratch,
      ...req.write,
      kind === 'bubblewrap'
        ? 'a private /tmp and an empty home folder (in memory, gone when it stops)'
        : 'its temporary files, in its scratch folder ($TMPDIR)',
    ],
    hidden: [...hidden, ...masked],
    masked,
    processes:
      kind === 'bubblewrap'
        ? "its own PID namespace and /proc: the hub's and other agents' processes (and their environments) are invisible"
        : 'other processes cannot be inspected or signalled',
    network: NETWORK,
  };
}

/** The program and arguments that run `command` (a /bin/sh command line) in `cwd` under the policy. */
export function sandboxedCommand(
  support: SandboxSupport,
  policy: SandboxPolicy,
  req: SandboxRequest,
  command: string,
): { file: string; args: string[] } {
  if (policy.kind === 'none') return { file: '/bin/sh', args: ['-c', command] };
  if (!support.program || support.kind !== policy.kind) throw new Error(`no ${policy.kind} on this machine`);
  if (policy.kind === 'bubblewrap') return { file: support.program, args: bubblewrapArgs(policy, req, command) };
  return { file: support.program, args: ['-p', seatbeltProfile(policy, req), '/bin/sh', '-c', command] };
}

/**
 * bubblewrap, in order: the system read-only; the home folders, /tmp, /run, removable media and the data folder
 * replaced by empty private folders; the organizer's grants mounted back; the data folder hidden again (a grant may
 * contain it) and the Hugging Face token files masked; then the agent's scratch folder (writable) and its prompt
 * (read-only); last, every hidden folder but /tmp and the home folder made read-only. Symlinked folders are hidden
 * where they really are too. The network namespace stays shared (below).
 */
export function bubblewrapArgs(policy: SandboxPolicy, req: SandboxRequest, command: string): string[] {
  const data = bothPaths(req.dataDir);
  // Parents first: a tmpfs over /home mounted after the one over /home/me would hide it again.
  const depth = (p: string) => p.split('/').filter(Boolean).length;
  const folders = policy.hidden
    .filter((p) => !policy.masked.includes(p) && !data.includes(p))
    .sort((a, b) => depth(a) - depth(b));
  const writable = scratchSpaces(req.home ?? homedir());
  // Name lookups keep working where /etc/resolv.conf points into /run (systemd-resolved).
  const resolver = realOrSelf('/etc/resolv.conf');
  const dns = resolver.startsWith('/run/') ? [dirname(resolver)] : [];
  return [
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    ...folders.flatMap((p) => ['--tmpfs', p]),
    ...dns.flatMap((p) => ['--ro-bind', p, p]),
    ...req.read.flatMap((p) => ['--ro-bind', p, p]),
    ...req.write.flatMap((p) => ['--bind', p, p]),
    ...data.flatMap((p) => ['--tmpfs', p]),
    ...policy.masked.flatMap((p) => ['--ro-bind', '/dev/null', p]),
    '--bind',
    realOrSelf(req.scratch),
    req.scratch,
    ...req.inputs.flatMap((p) => ['--ro-bind', realOrSelf(p), p]),
    ...[...folders, ...data].filter((p) => !writable.includes(p)).flatMap((p) => ['--remount-ro', p]),
    '--chdir',
    req.scratch,
    '--setenv',
    'TMPDIR',
    '/tmp',
    // The shell waits for the agent on a stop: were it to die of the SIGTERM first, bubblewrap's init would end and
    // take the whole PID namespace (the agent mid-goodbye) with it. `exit` then passes on the agent's own status.
    '--',
    '/bin/sh',
    '-c',
    `trap 'exit' TERM\n${command}`,
  ];
}

/** sandbox-exec (Seatbelt): the last matching rule wins, so denials come before the grants that punch through them. */
export function seatbeltProfile(policy: SandboxPolicy, req: SandboxRequest): string {
  // Seatbelt matches real paths (/tmp is /private/tmp on macOS): every rule names where a path really is.
  const q = (p: string) => JSON.stringify(realOrSelf(p));
  const tokenFiles = policy.masked;
  const folders = policy.hidden.filter((p) => !tokenFiles.includes(p));
  return [
    '(version 1)',
    '(allow default)',
    '(deny file-write*)',
    ...folders.map((p) => `(deny file-read* file-write* (subpath ${q(p)}))`),
    ...req.read.map((p) => `(allow file-read* (subpath ${q(p)}))`),
    ...req.write.map((p) => `(allow file-read* file-write* (subpath ${q(p)}))`),
    `(deny file-read* file-write* (subpath ${q(resolve(req.dataDir))}))`,
    ...tokenFiles.map((p) => `(deny file-read* (literal ${q(p)}))`),
    `(allow file-read* file-write* (subpath ${q(req.scratch)}))`,
    ...req.inputs.map((p) => `(allow file-read* (literal ${q(p)}))`),
    '(allow file-write* (literal "/dev/null") (literal "/dev/tty"))',
    '(deny process-info* (target others))',
    '(deny signal (target others))',
  ].join('\n');
}

/**
 * The processes of a sandboxed agent's process group that are the agent's own, not bubblewrap's (Linux /proc).
 * A polite stop goes to these alone: bwrap dies of a SIGTERM at once and, with --die-with-parent, SIGKILLs everything
 * inside before the agent could finish its step or say goodbye.
 */
export function sandboxedProcesses(pgid: number): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so read after the last ')'
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const pgrp = Number(stat.slice(close + 2).split(' ')[2]);
      if (pgrp === pgid && comm !== 'bwrap') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
