// Reading a result's frontmatter the way the leaderboard does: its score, interval, guardrail, refs and stamp time.
import type { RecordItem, VerificationState } from '@shared/api';
import { parseStampedFilename } from '@shared/ids';
import type { MeasurementQuality } from '@shared/challenge';
import { interval, measurementOf, num, obj, text } from '../../facts';
import { formatNumber } from '../../format';

/** The hub's scoring rules a view needs to read a result (from GET /v1/leaderboard). */
export interface Scoring {
  score_field: string;
  order: 'asc' | 'desc';
  guardrail_field: string | null;
  guardrail_max: number | null;
}

/** One result as the chart and the lists read it. */
export interface ResultPoint {
  filename: string;
  agent: string;
  score: number;
  ci: [number, number] | null;
  guardrail: number | null;
  status: string;
  method: string;
  verification: VerificationState;
  /** Stamp time in ms (the filename's, to the millisecond; the frontmatter's timestamp has minutes only). */
  time: number;
  refs: string[];
  /** How far its measurement can be trusted; null for results no job measured (or older ones). */
  measurement: MeasurementQuality | null;
  /** The hardware class it was measured on; null when it does not say. */
  hardware: string | null;
  /** The paired speedup over plain decoding, with its interval. */
  speedup: number | null;
  speedup_ci: [number, number] | null;
}

export function intervalOf(fm: Record<string, unknown>, scoreField: string): [number, number] | null {
  return interval(fm[`${scoreField}_ci`]);
}

/** Results cite earlier work in `refs`: a list, or (as public clients write it) one comma/space-separated string. */
export function refsOf(fm: Record<string, unknown>): string[] {
  const raw = fm.refs;
  const tokens = Array.isArray(raw)
    ? raw.filter((r): r is string => typeof r === 'string')
    : typeof raw === 'string'
      ? raw.split(/[\s,]+/)
      : [];
  return [...new Set(tokens.map((t) => t.trim()).filter((t) => t.endsWith('.md')))];
}

export function timeOf(filename: string, fm?: Record<string, unknown>): number {
  const stamped = parseStampedFilename(filename);
  if (stamped) return stamped.ms;
  const ts = typeof fm?.timestamp === 'string' ? Date.parse(fm.timestamp.replace(' UTC', 'Z').replace(' ', 'T')) : NaN;
  return Number.isNaN(ts) ? 0 : ts;
}

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/** Null when the record carries no usable score (it cannot be placed on the chart). */
export function pointOf(item: RecordItem, scoring: Scoring): ResultPoint | null {
  const fm = obj(item.frontmatter);
  if (!fm) return null;
  const score = num(fm[scoring.score_field]);
  if (score === null) return null;
  return {
    filename: item.filename,
    agent: typeof fm.agent === 'string' ? fm.agent : (parseStampedFilename(item.filename)?.author ?? '?'),
    score,
    ci: intervalOf(fm, scoring.score_field),
    guardrail: scoring.guardrail_field ? num(fm[scoring.guardrail_field]) : null,
    status: typeof fm.status === 'string' ? fm.status : 'agent-run',
    method: typeof fm.method === 'string' ? fm.method : '',
    verification: item.verification ?? 'pending',
    time: timeOf(item.filename, fm),
    refs: refsOf(fm),
    measurement: measurementOf(fm.measurement),
    hardware: text(fm.hardware),
    // Only a paired speedup: an older result's `speedup` (a ratio to a baseline run apart) carries no plain_tps.
    speedup: pairedSpeedup(fm),
    speedup_ci: interval(fm.speedup_ci),
  };
}

/**
 * The paired speedup a job measured (tps over its own plain target in the same run), or null. Only the hub's own jobs
 * publish `via: job` (the hub stamps `via` on every result), so a hand-written `speedup` never reads as measured.
 */
export function pairedSpeedup(fm: Record<string, unknown>): number | null {
  return fm.via === 'job' && ('plain_tps' in fm || 'speedup_ci' in fm) ? num(fm.speedup) : null;
}

/** Whether `a` beats `b` in the score's direction. */
export function better(a: number, b: number, order: 'asc' | 'desc'): boolean {
  return order === 'desc' ? a > b : a < b;
}

export function overCap(guardrail: number | null, cap: number | null): boolean {
  return guardrail !== null && cap !== null && guardrail > cap;
}

/** What decides whether a result is ranked, besides the result itself. */
export interface RankContext {
  cap: number | null;
  /** The verification states the ranking shows. */
  states: readonly string[];
  /** The hardware class ranked (null: all). */
  hardware: string | null;
}

/**
 * Why a result is not on the ranked table, as the key the hub counts it under in `meta.excluded` (see
 * EXCLUDED_REASONS); null when it is rankable. 'baseline' is the reference row, not a reason.
 */
export function unrankedReason(p: ResultPoint, ctx: RankContext): string | null {
  if (p.status === 'baseline') return 'baseline';
  if (p.status === 'negative') return 'status_negative';
  if (p.status !== 'agent-run') return `status_${p.status}`;
  // In the hub's order, so each result is counted under the reason the hub counts it under.
  if (ctx.hardware !== null && p.hardware !== ctx.hardware) return 'hardware_other';
  if (p.measurement === 'noisy' || p.measurement === 'disturbed') return `measurement_${p.measurement}`;
  if (!ctx.states.includes(p.verification)) return `verification_${p.verification}`;
  if (overCap(p.guardrail, ctx.cap)) return 'guardrail_exceeded';
  return null;
}

/** Each reason a result is not ranked, in words (the keys of the hub's `meta.excluded` and of unrankedReason). */
export const EXCLUDED_REASONS: Record<string, { short: string; long: string }> = {
  status_negative: {
    short: 'slower than plain decoding',
    long: 'negative results: slower than plain decoding on the machine that measured them',
  },
  guardrail_exceeded: {
    short: 'over the cap',
    long: 'over the perplexity cap: the output drifted too far from the plain model',
  },
  verification_invalid: {
    short: 'marked invalid',
    long: 'marked invalid: a re-run on the private prompts (or the organizer) refuted them',
  },
  verification_pending: {
    short: 'pending',
    long: 'pending: not re-run on the private prompts yet, and the filter hides pending results',
  },
  verification_valid: { short: 'verified (filtered out)', long: 'verified, but the filter hides verified results' },
  verification_unverified: {
    short: 'unverified',
    long: 'published by hand: no job of this hub measured it; publish through a job to be measured, ranked and verified',
  },
  measurement_noisy: {
    short: 'noisy measurement',
    long: "noisy: the 95% interval stayed wider than the pack's noise target, or reached zero; re-submit to re-measure",
  },
  measurement_disturbed: {
    short: 'disturbed measurement',
    long: 'disturbed: other processes used the machine while it ran; re-submit when the machine is quiet',
  },
  hardware_other: {
    short: 'other hardware',
    long: 'measured on other hardware than the class ranked here: choose its class to see it ranked with its peers',
  },
};

/** A reason in words, also for keys this dashboard does not know (a newer hub's). */
export function reasonText(key: string, form: 'short' | 'long' = 'short'): string {
  const known = Object.hasOwn(EXCLUDED_REASONS, key) ? EXCLUDED_REASONS[key] : undefined;
  return known ? known[form] : key.replace(/_/g, ' ');
}

/** "TPS" for the usual field, else the field's own name. */
export function scoreLabel(field: string): string {
  return field.length <= 4 ? field.toUpperCase() : field.replace(/_/g, ' ');
}

export function formatScore(value: number): string {
  return formatNumber(value, Math.abs(value) >= 100 ? 1 : 2);
}

export function formatInterval(ci: [number, number]): string {
  return `${formatScore(ci[0])} – ${formatScore(ci[1])}`;
}

/** "+12.3%" relative to `reference`, signed. */
export function formatPercentChange(value: number, reference: number): string {
  if (reference === 0) return '';
  const pct = ((value - reference) / Math.abs(reference)) * 100;
  return `${pct >= 0 ? '+' : '−'}${formatNumber(Math.abs(pct), 1)}%`;
}

export function formatSpeedup(x: number): string {
  return `×${x.toFixed(x >= 10 ? 1 : 2)}`;
}

/** The verification states that earn a place: a refuted (invalid) or hand-published (unverified) result never does. */
export const RANKED_STATES: readonly string[] = ['valid', 'pending'];

/**
 * Each ranked row's place among the ranked rows only: a board that also lists invalid or unverified results (the
 * filters ask for them) shows those without a number, and never counts them in "of N".
 */
export function rankedPlaces(rows: readonly { filename: string; verification: string }[]): {
  places: Map<string, number>;
  of: number;
} {
  const places = new Map<string, number>();
  for (const row of rows) if (RANKED_STATES.includes(row.verification)) places.set(row.filename, places.size + 1);
  return { places, of: places.size };
}
