// A local agent's process: waits for its init message, then runs the agent loop until told to stop or out of steps.
import type { SupervisorToWorker, WorkerToSupervisor } from './worker-protocol';
import { HubClient } from '../shared/hub-client';
import { GpuGate } from './gpu-gate';
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
/**
 * An endpoint on this machine shares the GPU: while a benchmark holds it, no completion starts, and one already running
 * gets a grace to finish before it is interrupted and asked again after (as on the host). The supervisor says when.
 */
const gpuGate = new GpuGate();
/** The supervisor's number of the GPU's current taking (null while it is free): a drain is reported for it alone. */
let gpuHold: number | null = null;
function gpuChanged(held: boolean, hold: number | null): void {
  if (!held) {
    gpuHold = null;
    gpuGate.release();
    return;
  }
  gpuHold = hold;
  void gpuGate.hold().then((interrupted) => {
    // Given back (or taken again) before it drained: that taking waits for nothing more.
    if (hold !== null && gpuHold === hold && gpuGate.isHeld) send({ type: 'gpu-drained', hold, interrupted });
  });
}

process.on('message', (raw) => {
  const message = raw as SupervisorToWorker;
  switch (message.type) {
    case 'init': {
      if (agent) return;
      const { type: _type, endpoint, gpuHeld: held, ...init } = message;
      // A new worker runs nothing yet: the supervisor counts it as drained without being told.
      if (held === true) gpuChanged(true, null);
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
          // The person's own server: a stalled one fails the step instead of hanging it; one on this machine gives
          // the GPU up while a benchmark holds it (the supervisor says when, and only for one on this machine).
          ...(endpoint ? { timeoutMs: ENDPOINT_TIMEOUT_MS, gate: gpuGate } : {}),
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
      gpuChanged(message.held, message.hold);
      return;
  }
});
