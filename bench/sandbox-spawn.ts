// What the sandbox costs an external agent's start: spawn-to-exit of the same command bare and under the real policy,
// interleaved start by start (A B B A ...) so a busy machine weighs on both alike. Part of `npm run bench:agents`.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectSandbox, sandboxedCommand, sandboxPolicy, type SandboxRequest } from '../src/platform/sandbox';
import { summarize } from '../src/shared/statistics';

export interface Figures {
  median: number;
  mean: number;
  /** 95% interval of the mean. */
  ci95: [number, number];
}

export interface SandboxSpawnFigures {
  kind: string | null;
  reason: string | null;
  command: string;
  starts: number;
  bare_ms: Figures | null;
  sandboxed_ms: Figures | null;
  /** Paired start by start (sandboxed minus the bare start beside it). */
  overhead_ms: Figures | null;
}

function timeStart(file: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { cwd, stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`${file} exited with ${code}`)),
    );
  });
}

const figures = (xs: number[]): Figures => {
  const s = summarize(xs);
  return { median: s.median, mean: s.mean, ci95: [s.ci95[0], s.ci95[1]] };
};

/** Starts `command` `starts` times bare and as many times sandboxed, in ABBA order; the overhead is paired start by start. */
export async function measureSandboxSpawn(
  starts: number,
  command = `${process.execPath} -e 0`,
): Promise<SandboxSpawnFigures> {
  const support = await detectSandbox();
  const empty = {
    kind: support.kind,
    reason: support.reason,
    command,
    starts,
    bare_ms: null,
    sandboxed_ms: null,
    overhead_ms: null,
  };
  if (!support.kind) return empty;
  const root = mkdtempSync(join(tmpdir(), 'collab-desk-sandbox-bench-'));
  try {
    // The layout an external agent meets: a data folder with its scratch folder and its prompt.
    const dataDir = join(root, 'data');
    const scratch = join(dataDir, 'scratch', 'bench-1');
    mkdirSync(scratch, { recursive: true });
    mkdirSync(join(dataDir, 'swarm', 'prompts'), { recursive: true });
    const prompt = join(dataDir, 'swarm', 'prompts', 'bench-1.md');
    writeFileSync(prompt, 'You are bench-1.\n');
    const request: SandboxRequest = { scratch, dataDir, inputs: [prompt], read: [], write: [] };
    const sandboxed = sandboxedCommand(support, sandboxPolicy(support.kind, request), request, command);
    const bare = sandboxedCommand(support, sandboxPolicy('none', request), request, command);
    // One of each first: page cache and the dynamic loader warm for both.
    await timeStart(bare.file, bare.args, scratch);
    await timeStart(sandboxed.file, sandboxed.args, scratch);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < starts; i++) {
      const sandboxFirst = i % 2 === 1;
      if (sandboxFirst) b.push(await timeStart(sandboxed.file, sandboxed.args, scratch));
      a.push(await timeStart(bare.file, bare.args, scratch));
      if (!sandboxFirst) b.push(await timeStart(sandboxed.file, sandboxed.args, scratch));
    }
    return {
      ...empty,
      bare_ms: figures(a),
      sandboxed_ms: figures(b),
      overhead_ms: figures(b.map((x, i) => x - a[i]!)),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
