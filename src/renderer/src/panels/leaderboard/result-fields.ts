// Reading a result's frontmatter the way the leaderboard does: its score, interval, guardrail, refs and stamp time.
import type { RecordItem, VerificationState } from '../../../../shared/api';
import { parseStampedFilename } from '../../../../shared/ids';
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
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function intervalOf(fm: Record<string, unknown>, scoreField: string): [number, number] | null {
  const ci = fm[`${scoreField}_ci`];
  if (!Array.isArray(ci) || ci.length !== 2) return null;
  const [lo, hi] = ci.map(num);
  return lo !== null && lo !== undefined && hi !== null && hi !== undefined ? [lo, hi] : null;
}

/** Results cite earlier work in `refs`: a list, or (as public clients write it) one comma/space-separated string. */
export function refsOf(fm: Record<string, unknown>): string[] {
  const raw = fm.refs;
  const tokens = Array.isArray(raw) ? raw.filter((r): r is string => typeof r === 'string') : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
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
  const fm = item.frontmatter;
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
  };
}

/** Whether `a` beats `b` in the score's direction. */
export function better(a: number, b: number, order: 'asc' | 'desc'): boolean {
  return order === 'desc' ? a > b : a < b;
}

export function overCap(guardrail: number | null, cap: number | null): boolean {
  return guardrail !== null && cap !== null && guardrail > cap;
}

/** Why a result is not on the ranked table although its verification passes the filter; null when it is rankable. */
export function unrankedReason(p: ResultPoint, cap: number | null): string | null {
  if (p.status === 'baseline') return 'baseline';
  if (p.status === 'negative') return 'slower than the baseline';
  if (p.status !== 'agent-run') return p.status;
  if (overCap(p.guardrail, cap)) return 'over the cap';
  return null;
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
