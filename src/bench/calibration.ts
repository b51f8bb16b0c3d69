// Calibration: the baseline's own greedy completions of a pack's calibration prompts become its perplexity references.
import type { PackReference } from '../shared/challenge';
import { BenchError } from './bench-error';
import { generateTexts, type BenchInput, type BenchOptions } from './engine';

/**
 * References written by the plain target itself, so every config's perplexity is measured on text the baseline
 * finds natural: a config that reproduces the baseline scores the baseline's PPL, and a lossy one scores worse.
 * Speculation is switched off whatever `config` says: references are the baseline's, not a submission's.
 */
export async function calibrateReferences(
  config: BenchInput['config'],
  prompts: string[],
  tokens: number,
  options: BenchOptions = {},
): Promise<PackReference[]> {
  if (prompts.length === 0) throw new BenchError('INVALID_CONFIG', 'calibration needs at least one prompt');
  const { draft: _draft, ...target } = config;
  const texts = await generateTexts({ ...target, spec_type: 'none' }, prompts, tokens, options);
  return texts.map((reference, i) => {
    // A reference must hold text to score (and a pack refuses an empty one); whitespace alone tokenizes to nothing useful.
    if (reference.trim() === '') {
      throw new BenchError(
        'INVALID_CONFIG',
        `calibration prompt ${i + 1} of ${prompts.length}: the baseline's ${tokens}-token greedy completion is empty; raise calibration.tokens or change the prompt`,
      );
    }
    return { prompt: prompts[i]!, reference };
  });
}
