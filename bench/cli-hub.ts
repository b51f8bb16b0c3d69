// What the bench scripts share to drive the built `collab-desk` command: run it, start a hub process, call its API.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Runs `collab-desk ARGS` to its end; rejects on a non-zero exit. */
export function runCli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/collab-desk.js', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`collab-desk ${args.join(' ')} exited ${code}`)),
    );
  });
}

/** Starts `collab-desk hub --data DIR --port 0 ...extra` and resolves with its URL once it listens. */
export function startHub(dataDir: string, extra: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/collab-desk.js', 'hub', '--data', dataDir, '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^hub listening on (http:\/\/\S+)$/.exec(line);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`hub exited early with code ${code}`)));
  });
}

/** One JSON call to the hub. */
export async function api<T>(
  url: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Resolves once the hub's job queue has nothing queued or running. */
export async function waitIdle(url: string): Promise<void> {
  for (;;) {
    const list = (await api<{ items: unknown[] }>(url, 'GET', '/v1/jobs?state=queued,running&limit=500')).body;
    if (list.items.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
