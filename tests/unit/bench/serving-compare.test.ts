// The agents bench's comparison with llama.cpp: each side at its best thread count, ours / theirs with its round
// spread, the printed table, and llama-batched-bench's output read into tokens per second.
import { describe, expect, it } from 'vitest';
import { parseBatchedBench } from '../../../bench/lib/llama-serving';
import {
  compare,
  comparisonTable,
  threadsTable,
  type ServingSample,
  type Side,
} from '../../../bench/lib/serving-compare';

const sample = (side: Side, threads: number, agents: number, round: number, tps: number): ServingSample => ({
  side,
  threads,
  agents,
  round,
  tps,
  tokens: agents * 128,
  tokensPerDecode: side === 'server' ? agents : null,
});

describe('ours against llama.cpp', () => {
  const samples = [
    // ours is faster at 1 thread, llama-server at 2
    ...[100, 110, 90].map((tps, round) => sample('ours', 1, 2, round, tps)),
    ...[60, 70, 65].map((tps, round) => sample('ours', 2, 2, round, tps)),
    ...[150, 140, 160].map((tps, round) => sample('server', 1, 2, round, tps)),
    ...[200, 220, 180].map((tps, round) => sample('server', 2, 2, round, tps)),
    ...[250, 250, 250].map((tps, round) => sample('batched', 2, 2, round, tps)),
    // the host on node-llama-cpp, side by side
    ...[40, 50, 45].map((tps, round) => sample('node', 1, 2, round, tps)),
    // llama-server with ours' slots and flags
    ...[125, 110, 120].map((tps, round) => sample('slots', 2, 2, round, tps)),
  ];

  it('compares each side at its best thread count, with the spread of the per-round ratio', () => {
    const [row] = compare(samples, [2]);
    expect(row!.ours).toMatchObject({ threads: 1, tps: 100, range: [90, 110], byThreads: { 1: 100, 2: 65 } });
    expect(row!.server).toMatchObject({ threads: 2, tps: 200, tokensPerDecode: 2 });
    expect(row!.vsServer).toBeCloseTo(0.5);
    // round by round: 100/200, 110/220, 90/180
    expect(row!.vsServerRange).toEqual([0.5, 0.5]);
    expect(row!.vsBatched).toBeCloseTo(0.4);
    expect(row!.vsBatchedRange![0]).toBeCloseTo(0.36);
    expect(row!.vsBatchedRange![1]).toBeCloseTo(0.44);
    // node-llama-cpp's host against the same llama-server rounds: 40/200, 50/220, 45/180
    expect(row!.node).toMatchObject({ threads: 1, tps: 45 });
    expect(row!.nodeVsServer).toBeCloseTo(0.225);
    expect(row!.nodeVsServerRange![0]).toBeCloseTo(0.2);
    expect(row!.nodeVsServerRange![1]).toBeCloseTo(0.25);
    // what the host itself costs: ours / the same slots, 100/125, 110/110, 90/120
    expect(row!.slots).toMatchObject({ threads: 2, tps: 120 });
    expect(row!.vsSlots).toBeCloseTo(100 / 120);
    expect(row!.vsSlotsRange).toEqual([0.75, 1]);
  });

  it('prints the ratio with its thread counts and leaves a side it did not measure blank', () => {
    const lines = comparisonTable(compare(samples, [2, 4]));
    expect(lines[0]).toContain('ours / server');
    expect(lines[2]).toMatch(
      /100\.0 \(1t\) \|\s+200\.0 \(2t\) \|\s+250\.0 \(2t\) \|\s+0\.50 \[0\.50-0\.50\] \|\s+0\.40 \[0\.36-0\.44\]/,
    );
    expect(lines[2]).toMatch(
      /120\.0 \(2t\) \|\s+0\.83 \[0\.75-1\.00\] \|\s+45\.0 \(1t\) \|\s+0\.23 \[0\.20-0\.25\] \|\s+2\.0 \/ -$/,
    );
    expect(lines[3]).toMatch(/^\s+4 \|\s+- \|/);
    expect(threadsTable(compare(samples, [2]))).toEqual([
      'ours           N=2: 1t 100.0, 2t 65.0',
      'node-llama-cpp N=2: 1t 45.0',
      'llama-server   N=2: 1t 150.0, 2t 200.0',
      "ours' slots    N=2: 2t 120.0",
      'batched-bench  N=2: 2t 250.0',
    ]);
  });
});

describe("llama-batched-bench's table", () => {
  it('reads generated tokens over the whole run and over the generation phase', () => {
    const output = `
main: n_kv_max = 4096, n_batch = 2048, n_ubatch = 512, flash_attn = -1, is_pp_shared = 0, is_tg_separate = 0, n_gpu_layers = -1, n_threads = 1, n_threads_batch = 1

|    PP |     TG |    B |   N_KV |   T_PP s | S_PP t/s |   T_TG s | S_TG t/s |      T s |    S t/s |
|-------|--------|------|--------|----------|----------|----------|----------|----------|----------|
|    12 |    128 |    4 |    560 |    0.050 |   960.00 |    1.950 |   262.56 |    2.000 |   280.00 |
`;
    expect(parseBatchedBench(output)).toEqual([
      {
        prompt: 12,
        generated: 128,
        sequences: 4,
        promptSeconds: 0.05,
        generateSeconds: 1.95,
        totalSeconds: 2,
        tps: 256,
        generateTps: 262.56,
      },
    ]);
    expect(parseBatchedBench('no table here')).toEqual([]);
  });
});
