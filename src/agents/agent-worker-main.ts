// A local agent's process: waits for its init message, then runs the agent loop until told to stop or out of steps.
import type { SupervisorToWorker, WorkerToSupervisor } from './worker-protocol';
import { HubClient } from '../shared/hub-client';
import { ChatClient } from './inference/chat-client';
import { LocalAgent } from './local-agent';

function send(message: WorkerToSupervisor): void {
  process.send?.(message);
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`agent worker: ${name} is not set; the supervisor starts workers, not people`);
    process.exit(2);
  }
  return value;
}

if (!process.send) {
  console.error('agent worker: must be started by the swarm supervisor (it talks over an IPC channel)');
  process.exit(2);
}

const hubUrl = required('COLLAB_DESK_HUB');
const token = required('COLLAB_DESK_TOKEN');
// An agent thinking on the person's own server gets its endpoint in the init message, and no inference host env.
const inferenceUrl = process.env.OPENAI_BASE_URL;
const inferenceKey = process.env.OPENAI_API_KEY;
const agentId = required('COLLAB_DESK_AGENT');

// The supervisor going away (crash, kill -9) must not leave agents running without anyone watching them.
process.on('disconnect', () => process.exit(0));

let agent: LocalAgent | null = null;

/** How long one completion on a person's own server may take before the step fails (a stalled server, not a hang). */
const ENDPOINT_TIMEOUT_MS = 10 * 60_000;
/** An endpoint on this machine shares the GPU: while a benchmark holds it, the next completion waits (as on the host). */
let gpuHeld = false;
let gpuFreed: Array<() => void> = [];
function setGpuHeld(held: boolean): void {
  gpuHeld = held;
  if (held) return;
  const waiting = gpuFreed;
  gpuFreed = [];
  for (const resume of waiting) resume();
}
const gpuFree = (): Promise<void> =>
  gpuHeld ? new Promise<void>((resume) => gpuFreed.push(resume)) : Promise.resolve();

process.on('message', (raw) => {
  const message = raw as SupervisorToWorker;
  switch (message.type) {
    case 'init': {
      if (agent) return;
      const { type: _type, endpoint, gpuHeld: held, ...init } = message;
      setGpuHeld(held === true);
      const chat = endpoint ?? (inferenceUrl && inferenceKey ? { url: inferenceUrl, key: inferenceKey } : null);
      if (!chat) {
        console.error('agent worker: no inference endpoint (OPENAI_BASE_URL and OPENAI_API_KEY, or one in init)');
        process.exit(2);
      }
      agent = new LocalAgent({
        ...init,
        // The env names the agent (it carries the token that proves it); the message cannot speak for another.
        agentId,
        hub: new HubClient({ url: hubUrl, token }),
        chat: new ChatClient({
          url: chat.url,
          key: chat.key,
          agent: agentId,
          // The person's own server: a stalled one fails the step instead of hanging it; one on this machine waits
          // for the GPU while a benchmark holds it (the supervisor says when).
          ...(endpoint ? { timeoutMs: ENDPOINT_TIMEOUT_MS, beforeCompletion: gpuFree } : {}),
        }),
        report: send,
      });
      agent.run().then(
        (reason) => {
          send({ type: 'done', reason });
          // Let the IPC message flush before leaving.
          setTimeout(() => process.exit(0), 50);
        },
        (err: unknown) => {
          console.error(`agent worker: ${(err as Error).stack ?? String(err)}`);
          process.exit(1);
        },
      );
      return;
    }
    case 'pause':
      agent?.pause();
      return;
    case 'resume':
      agent?.resume();
      return;
    case 'stop':
      if (agent) agent.stop();
      else process.exit(0);
      return;
    case 'direction':
      agent?.setDirection(message.direction, message.reason);
      return;
    case 'gpu':
      setGpuHeld(message.held);
      return;
  }
});
