// The chart's arithmetic, kept apart from its drawing: linear scales, round value ticks, time ticks at human steps.

export interface Scale {
  (value: number): number;
  domain: [number, number];
}

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  const scale = ((v: number) => r0 + ((v - d0) / span) * (r1 - r0)) as Scale;
  scale.domain = domain;
  return scale;
}

/** About `count` ticks at 1, 2 or 5 times a power of ten, inside [lo, hi]. */
export function valueTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Widens [lo, hi] to round values with a little air, so points never sit on the frame. */
export function niceDomain(lo: number, hi: number): [number, number] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.1 || 1;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.08;
  const ticks = valueTicks(lo - pad, hi + pad);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : hi - lo;
  return [Math.floor((lo - pad) / step) * step, Math.ceil((hi + pad) / step) * step];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
];

export interface TimeTick {
  at: number;
  label: string;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Ticks at the first human step (1 s, 5 min, 1 h, 1 day…) giving at most `count`, labelled at that step's grain, local time. */
export function timeTicks(start: number, end: number, count = 6): TimeTick[] {
  const span = Math.max(end - start, 1);
  const step = TIME_STEPS.find((s) => span / s <= count) ?? Math.ceil(span / count / DAY) * DAY;
  // Steps of a day or more start at local midnight; shorter ones at round local clock times.
  const offset = new Date(start).getTimezoneOffset() * MINUTE;
  const first = Math.ceil((start - offset) / step) * step + offset;
  const ticks: TimeTick[] = [];
  for (let at = first; at <= end; at += step) {
    const d = new Date(at);
    const clock = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
    let label: string;
    if (step < SECOND)
      label = `${clock}:${pad2(d.getSeconds())}.${String(d.getMilliseconds())
        .padStart(3, '0')
        .slice(0, step < 10 ? 3 : step < 100 ? 2 : 1)}`;
    else if (step < MINUTE) label = `${clock}:${pad2(d.getSeconds())}`;
    else if (step < DAY) label = clock;
    else label = d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
    ticks.push({ at, label });
  }
  return ticks;
}

/** Short tick labels for values: 12k, 1.5k, 980, 0.25. */
export function compactNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}
