// How each agent state reads (label, color) and which controls make sense in it.
import { isSettled, type SwarmAction, type SwarmAgentState } from '@shared/swarm';

export const STATE_LABEL: Record<SwarmAgentState, string> = {
  starting: 'starting',
  running: 'running',
  paused: 'paused',
  stopping: 'stopping',
  stopped: 'stopped',
  backoff: 'restarting',
  exhausted: 'budget spent',
  failed: 'failed',
};

/** The CSS tone of the state's dot: good, warn, bad, paused or idle. */
export const STATE_TONE: Record<SwarmAgentState, string> = {
  starting: 'warn',
  running: 'good',
  paused: 'paused',
  stopping: 'warn',
  stopped: 'idle',
  backoff: 'warn',
  exhausted: 'warn',
  failed: 'bad',
};

export const ACTIONS_IN: Record<SwarmAgentState, SwarmAction[]> = {
  starting: ['pause', 'stop'],
  running: ['pause', 'stop'],
  paused: ['resume', 'stop'],
  stopping: [],
  stopped: ['start', 'remove'],
  backoff: ['start', 'stop'],
  exhausted: ['start', 'remove'],
  failed: ['start', 'remove'],
};

export const ACTION_LABEL: Record<SwarmAction, string> = {
  pause: 'Pause',
  resume: 'Resume',
  stop: 'Stop',
  start: 'Start',
  remove: 'Remove',
};
export const ACTION_PENDING: Record<SwarmAction, string> = {
  pause: 'Pausing…',
  resume: 'Resuming…',
  stop: 'Stopping…',
  start: 'Starting…',
  remove: 'Removing…',
};

/** An agent whose process may still write to its trace. */
export const isAlive = (state: SwarmAgentState) => !isSettled(state);

/** How long the current action has gone on, as the card says it after the action: "12 s", "2 min", "1 h 05 min". */
export function actionElapsed(since: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  if (Number.isNaN(s)) return '';
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
