// Why speculative decoding paid or not on this machine, in words a user can act on, from the run's own costs.
import type { SpeculationCosts } from './challenge';

const f = (x: number, digits = 2) => x.toFixed(digits);

/**
 * The speedup the costs allow: a step makes `tokens_per_step` tokens and costs one verify batch plus the drafting.
 * It is what the measured paired speedup should be near; a reader sees which term made it small.
 */
export function speedupBound(c: SpeculationCosts): number {
  const cost = c.verify_step_cost + c.draft_token_cost * c.drafted_per_step;
  return cost > 0 ? c.tokens_per_step / cost : Number.NaN;
}

/**
 * One paragraph on what a speculative job measured: the verify batch's cost in plain decode steps, the draft's, the
 * acceptance, and so why it ran at `speedup`. On a CPU decoding is compute-bound, so a batch of K+1 tokens costs
 * several steps and speculation rarely pays; on a GPU decode is memory-bound and a verify batch costs about one.
 */
export function explainSpeculation(c: SpeculationCosts, speedup: number, backend: string): string {
  const onCpu = backend === 'cpu';
  const batch = Math.round(c.drafted_per_step + 1);
  const parts = [
    `In this run one plain decode step took ${f(c.plain_step_s * 1000)} ms.`,
    `A verify batch (about ${batch} tokens) cost ${f(c.verify_step_cost)} plain steps and each drafted token ${f(c.draft_token_cost)};`,
    `${c.acceptance === null ? 'no draft was accepted' : `${f(c.acceptance * 100, 0)}% of drafted tokens were accepted`}, so a step made ${f(c.tokens_per_step)} tokens.`,
    `That allows about x${f(speedupBound(c))}; the paired measurement gave x${f(speedup)}.`,
  ];
  if (speedup < 1) {
    parts.push(
      onCpu
        ? 'On a CPU decoding is compute-bound: checking several tokens at once costs nearly as much as decoding them one by one, so speculation rarely pays here. It pays where a verify batch costs about one decode step: on a GPU, where decoding is memory-bound.'
        : `Speculation pays when a step makes more tokens than it costs: raise the acceptance (a better-matched draft) or lower the draft's cost (a smaller draft, fewer drafted tokens).`,
    );
  }
  return parts.join(' ');
}
