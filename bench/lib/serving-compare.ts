// Ours against llama.cpp serving the same agents: per-round samples reduced to each side's best thread count, the
// ratios at each agent count and their spread, and the table the agents bench prints.
import { median } from '../../src/shared/statistics';

/**
 * ours: the host on llama-server (what agents use); node: the host on node-llama-cpp (its fallback); server:
 * llama-server -np N; slots: llama-server run as the host runs it (its slot count and flags), N requests at once.
 */
export type Side = 'ours' | 'node' | 'server' | 'slots' | 'batched';

/** One measurement: N agents' completions at once on one side with one thread count, in one round. */
export interface ServingSample {
  side: Side;
  threads: number;
  agents: number;
  round: number;
  /** Completion tokens over the wall time of the whole batch of requests (prompt processing included). */
  tps: number;
  /** Completion tokens generated, all requests together. */
  tokens: number;
  /** Tokens per llama_decode while generating, where the side exposes it (llama-server's /metrics; batched-bench: N). */
  tokensPerDecode: number | null;
}

export interface SideFigure {
  threads: number;
  /** Median over rounds of aggregate tok/s. */
  tps: number;
  /** Lowest and highest round. */
  range: [number, number];
  /** Completion tokens per round (median), to show both sides generated the same amount. */
  tokens: number;
  tokensPerDecode: number | null;
  /** Median tok/s at every thread count tried, so the choice can be seen. */
  byThreads: Record<number, number>;
}

export interface Comparison {
  agents: number;
  ours: SideFigure | null;
  node: SideFigure | null;
  server: SideFigure | null;
  slots: SideFigure | null;
  batched: SideFigure | null;
  /** ours / llama-server and ours / batched-bench: median tok/s at each side's best thread count. */
  vsServer: number | null;
  vsBatched: number | null;
  /** The same ratio taken round by round (each side at its best thread count): lowest and highest. */
  vsServerRange: [number, number] | null;
  vsBatchedRange: [number, number] | null;
  /** The host on node-llama-cpp / llama-server, and its round-by-round range. */
  nodeVsServer: number | null;
  nodeVsServerRange: [number, number] | null;
  /** ours / llama-server run with ours' slots and flags: what the host itself costs. */
  vsSlots: number | null;
  vsSlotsRange: [number, number] | null;
}

/** A side at one agent count: the thread count with the highest median tok/s, and its figures. */
export function bestThreads(samples: ServingSample[], side: Side, agents: number): SideFigure | null {
  const mine = samples.filter((s) => s.side === side && s.agents === agents);
  if (mine.length === 0) return null;
  const byThreads: Record<number, number> = {};
  for (const t of [...new Set(mine.map((s) => s.threads))].sort((a, b) => a - b))
    byThreads[t] = median(mine.filter((s) => s.threads === t).map((s) => s.tps));
  const threads = Number(Object.entries(byThreads).sort((a, b) => b[1] - a[1])[0]![0]);
  const at = mine.filter((s) => s.threads === threads);
  const perDecode = at.map((s) => s.tokensPerDecode).filter((x): x is number => x !== null);
  return {
    threads,
    tps: byThreads[threads]!,
    range: [Math.min(...at.map((s) => s.tps)), Math.max(...at.map((s) => s.tps))],
    tokens: median(at.map((s) => s.tokens)),
    tokensPerDecode: perDecode.length ? median(perDecode) : null,
    byThreads,
  };
}

function roundRatios(
  samples: ServingSample[],
  agents: number,
  ours: SideFigure,
  theirs: SideFigure,
  side: Side,
  mine: Side = 'ours',
) {
  const pick = (s: Side, threads: number) =>
    new Map(
      samples.filter((x) => x.side === s && x.agents === agents && x.threads === threads).map((x) => [x.round, x.tps]),
    );
  const a = pick(mine, ours.threads);
  const b = pick(side, theirs.threads);
  const ratios = [...a].filter(([round]) => b.has(round)).map(([round, tps]) => tps / b.get(round)!);
  return ratios.length ? ([Math.min(...ratios), Math.max(...ratios)] as [number, number]) : null;
}

export function compare(samples: ServingSample[], agentCounts: number[]): Comparison[] {
  return agentCounts.map((agents) => {
    const ours = bestThreads(samples, 'ours', agents);
    const node = bestThreads(samples, 'node', agents);
    const server = bestThreads(samples, 'server', agents);
    const slots = bestThreads(samples, 'slots', agents);
    const batched = bestThreads(samples, 'batched', agents);
    return {
      agents,
      ours,
      node,
      server,
      slots,
      batched,
      vsServer: ours && server ? ours.tps / server.tps : null,
      vsBatched: ours && batched ? ours.tps / batched.tps : null,
      vsServerRange: ours && server ? roundRatios(samples, agents, ours, server, 'server') : null,
      vsBatchedRange: ours && batched ? roundRatios(samples, agents, ours, batched, 'batched') : null,
      nodeVsServer: node && server ? node.tps / server.tps : null,
      nodeVsServerRange: node && server ? roundRatios(samples, agents, node, server, 'server', 'node') : null,
      vsSlots: ours && slots ? ours.tps / slots.tps : null,
      vsSlotsRange: ours && slots ? roundRatios(samples, agents, ours, slots, 'slots') : null,
    };
  });
}

const f = (n: number | null | undefined, digits = 1): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);

function cell(x: SideFigure | null): string {
  return x ? `${f(x.tps)} (${x.threads}t)` : '-';
}

function ratioCell(r: number | null, range: [number, number] | null): string {
  return r === null ? '-' : `${f(r, 2)}${range ? ` [${f(range[0], 2)}-${f(range[1], 2)}]` : ''}`;
}

/** The comparison table: each side's median aggregate tok/s at its best thread count, and ours over theirs. */
export function comparisonTable(rows: Comparison[]): string[] {
  const header = [
    'agents',
    'ours tok/s',
    'llama-server tok/s',
    'batched-bench tok/s',
    'ours / server [rounds]',
    'ours / batched [rounds]',
    "llama-server, ours' slots tok/s",
    'ours / same slots [rounds]',
    'node-llama-cpp host tok/s',
    'node-llama-cpp / server [rounds]',
    'tokens per decode (server / batched)',
  ];
  const lines = rows.map((r) => [
    String(r.agents),
    cell(r.ours),
    cell(r.server),
    cell(r.batched),
    ratioCell(r.vsServer, r.vsServerRange),
    ratioCell(r.vsBatched, r.vsBatchedRange),
    cell(r.slots),
    ratioCell(r.vsSlots, r.vsSlotsRange),
    cell(r.node),
    ratioCell(r.nodeVsServer, r.nodeVsServerRange),
    [r.server, r.batched].map((x) => f(x?.tokensPerDecode)).join(' / '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join(' | ');
  return [row(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(row)];
}

/** Each side's median tok/s at every thread count tried, one line per side and agent count. */
export function threadsTable(rows: Comparison[]): string[] {
  const names: Record<Side, string> = {
    ours: 'ours',
    node: 'node-llama-cpp',
    server: 'llama-server',
    slots: "ours' slots",
    batched: 'batched-bench',
  };
  const out: string[] = [];
  for (const side of ['ours', 'node', 'server', 'slots', 'batched'] as const) {
    const parts = rows
      .filter((r) => r[side])
      .map((r) => {
        const by = r[side]!.byThreads;
        return `N=${r.agents}: ${Object.entries(by)
          .map(([t, tps]) => `${t}t ${f(tps)}`)
          .join(', ')}`;
      });
    if (parts.length) out.push(`${names[side].padEnd(14)} ${parts.join(' | ')}`);
  }
  return out;
}
