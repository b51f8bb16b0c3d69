// Saved agent defaults under a spawn request: the request wins, and a default for the other kind never leaks in.
import { describe, expect, it } from 'vitest';
import { withAgentDefaults } from '../../../src/hub/agent-defaults';

describe('spawning over the saved agent defaults', () => {
  it('fills what the request leaves out and keeps what it says', () => {
    expect(withAgentDefaults({ count: 3, role: 'tuner', budget_tokens: 5000 }, { count: 1 })).toEqual({
      count: 1,
      role: 'tuner',
      budget_tokens: 5000,
    });
  });

  it('spawns external agents with the saved command when that is the default kind', () => {
    expect(withAgentDefaults({ kind: 'external', command: 'my-cli {prompt_file}', model: 'x.gguf' }, {})).toEqual({
      kind: 'external',
      command: 'my-cli {prompt_file}',
    });
  });

  it('takes a saved command without a kind as external agents, as the supervisor does', () => {
    expect(withAgentDefaults({ command: 'my-cli {prompt_file}' }, { count: 2 })).toEqual({
      command: 'my-cli {prompt_file}',
      count: 2,
    });
  });

  it('drops a saved command when the request asks for local agents, and a saved model for external ones', () => {
    expect(withAgentDefaults({ kind: 'external', command: 'my-cli' }, { kind: 'local' })).toEqual({ kind: 'local' });
    expect(withAgentDefaults({ model: '/m.gguf' }, { kind: 'external', command: 'c' })).toEqual({
      kind: 'external',
      command: 'c',
    });
  });
});
