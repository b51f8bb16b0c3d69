// The demo's job lines name the levers an agent chose, not every llama.cpp flag the config carries by default.
import { describe, expect, it } from 'vitest';
import { configLine } from '../../../src/cli/demo-narration';

describe('configLine', () => {
  it("names the target, the speculation and what differs from the schema's and the pack's defaults", () => {
    const config = {
      target: 'target',
      spec_type: 'draft',
      draft: 'draft-q8',
      draft_n_max: 6,
      draft_n_min: 0,
      flash_attn: 'auto',
      ctx_size: 1024,
      cache_type_k: 'q8_0',
    };
    expect(configLine(config, { ctx_size: 1024 })).toBe('draft model draft-q8, target target, n_draft 6, K cache q8_0');
  });

  it('a plain config is its target; a verification without a config says so', () => {
    expect(configLine({ target: 'target', spec_type: 'none', ctx_size: 2048 })).toBe('plain target, context 2048');
    expect(configLine(null)).toBe('no runnable config');
  });

  it('stays one line however many levers move', () => {
    const config: Record<string, unknown> = { target: `target-${'x'.repeat(200)}` };
    const line = configLine(config);
    expect(line.length).toBeLessThanOrEqual(160);
    expect(line.endsWith('…')).toBe(true);
  });
});
