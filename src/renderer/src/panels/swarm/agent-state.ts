// How each agent state reads (label, color) and which controls make sense in it.
import type { SwarmAction, SwarmAgentState } from '@shared/swarm';

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
  stopped: ['start'],
  backoff: ['start', 'stop'],
  exhausted: ['start'],
  failed: ['start'],
};

export const ACTION_LABEL: Record<SwarmAction, string> = {
  pause: 'Pause',
  resume: 'Resume',
  stop: 'Stop',
  start: 'Start',
};
export const ACTION_PENDING: Record<SwarmAction, string> = {
  pause: 'Pausing…',
  resume: 'Resuming…',
  stop: 'Stopping…',
  start: 'Starting…',
};

/** An agent whose process may still write to its trace. */
export const isAlive = (state: SwarmAgentState) => state !== 'stopped' && state !== 'exhausted' && state !== 'failed';
