// What the sync service may publish of a result: the result and its run bundle, with the private split's figures
// taken out, and refused whole when anything in it holds a held-out prompt, a reference on one, or a token.
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { InstalledPack } from '../shared/challenge';
import { HELD_OUT_FOLDER, parseHeldOutSet } from '../shared/held-out-set';
import type { PublishMaterial } from '../shared/sync-api';
import type { HubContext } from './hub-context';
import { HubError } from './hub-error';
import { refuseSecrets } from './secret-scan';
import type { JobRow } from './store/job-store';

type MaterialContext = Pick<HubContext, 'results' | 'jobs' | 'layout' | 'challenge' | 'traces'>;

/** Which trace to share with a result: POST /v1/sync/preview's `trace` and `trace_session`. */
export interface TraceChoice {
  share: 'stats' | 'full';
  session?: string;
}

/** The fields the hub stamped on a shared manifest: the public collab stamps its own (traces.py post_trace). */
const HUB_STAMPS = ['agent', 'promoted_at', 'via', 'share', 'completeness'] as const;

/** The native log a full share may publish, at most (the public cap on one copy is larger; a trace is not a dataset). */
const MAX_TRACE_LOG_BYTES = 64 * 1024 * 1024;

/** The figures a run reports per split; at the top level of output.json they are over every prompt, private included. */
const PAIRED_FIGURES = [
  'tps',
  'tps_ci',
  'tps_per_repeat',
  'plain_tps',
  'plain_tps_ci',
  'plain_tps_per_repeat',
  'speedup',
  'speedup_ci',
  'speedup_per_repeat',
] as const;

/** Frontmatter fields of the private split (tps_private, speedup_private_ci, ...), as job-results.ts writes them. */
const PRIVATE_FIELD = /(^|_)private(_|$)/;

/** The result body's table row of the private split's figures (job-results.ts), e.g. `| TPS (private prompts) | 91.2 |`. */
const PRIVATE_ROW = /^\|[^|\n]*private prompts[^|\n]*\|.*(\n|$)/gim;

/**
 * A held-out text shorter than this is matched only whole, as a word: a fragment of it would match ordinary prose.
 * Shorter than MIN_SECRET it is not looked for at all: a text of a few characters is no secret that a substring
 * search could keep, and it would refuse nearly every result.
 */
const WHOLE_ONLY = 20;
const MIN_SECRET = 8;
/** A long held-out text is also looked for in pieces, so quoting part of it is refused too. */
const PIECE = 64;
const MAX_PIECES = 32;

const HOLDS_PRIVATE_HINT =
  'remove it from the result before publishing: held-out prompts and their references never leave this machine';
const HOLDS_SECRET_HINT = 'remove it from the result (or from the job log) before publishing';

/**
 * Builds what POST /v1/sync/preview and /publish hand the sync service. A result measured by a hub job carries its
 * run bundle (config.json, output.json, provenance.json, log.txt); any other result, provenance.json alone. Refuses
 * (PRIVATE_CONTENT, SECRET_IN_FILE) naming the file, never what was found in it.
 */
export function publishMaterial(
  hub: MaterialContext,
  filename: string,
  message?: string,
  traceChoice?: TraceChoice,
): PublishMaterial {
  const row = hub.results.get(filename);
  if (!row)
    throw new HubError(
      'NOT_FOUND',
      `no result ${filename} on this hub`,
      'GET /v1/results lists the results; name one by its filename',
    );
  const paths = new PathRedactor(hub.layout.root);
  const withheld: string[] = [];
  const rawFrontmatter = JSON.parse(row.frontmatter) as Record<string, unknown>;

  const privateFields = Object.keys(rawFrontmatter).filter((k) => PRIVATE_FIELD.test(k));
  const frontmatter = paths.redact(
    Object.fromEntries(Object.entries(rawFrontmatter).filter(([k]) => !PRIVATE_FIELD.test(k))),
  ) as Record<string, unknown>;
  const publicBody = row.body.replace(PRIVATE_ROW, '');
  const body = paths.redact(publicBody) as string;
  if (privateFields.length > 0 || publicBody !== row.body)
    withheld.push(
      `the private split's figures of the result (${privateFields.join(', ') || 'its table row'}): only the public prompts' figures leave`,
    );

  const bundle: PublishMaterial['bundle'] = [];
  const jobId = typeof rawFrontmatter.job === 'string' ? rawFrontmatter.job : null;
  const job = row.via === 'job' && jobId ? hub.jobs.get(jobId) : undefined;
  if (job) {
    bundle.push(...jobBundle(hub, job, rawFrontmatter, paths, withheld));
  } else {
    if (row.via === 'job' && jobId) withheld.push(`the run bundle: job ${jobId} is no longer in this hub's record`);
    else
      withheld.push('config.json, output.json and log.txt: no hub job measured this result, so it has no run bundle');
    const provenance = provenanceFile(rawFrontmatter, paths);
    if (provenance) bundle.push(provenance);
    else withheld.push('provenance.json: the result names no provenance');
  }
  const trace = traceChoice ? traceMaterial(hub, row.agent, row.filename, traceChoice, paths, withheld) : undefined;
  if (paths.used) withheld.push('local paths: the data folder is written as <data>, the home folder as ~');

  refuseHeld(hub, [
    { label: "the result's body", text: body },
    { label: "the result's frontmatter", text: searchable(frontmatter) },
    ...bundle.map((f) => ({ label: `${f.path} of the run bundle`, text: searchable(f.content) })),
    // The board post goes out beside the result: the same rules.
    ...(message ? [{ label: 'the board message', text: message }] : []),
    ...(trace
      ? [
          {
            label: `the trace ${trace.session_id}'s manifest`,
            text: `${searchable(trace.frontmatter)}\n${trace.body}`,
          },
          ...(trace.log ? [{ label: `the trace ${trace.session_id}'s log`, text: searchable(trace.log.content) }] : []),
        ]
      : []),
  ]);

  return {
    result: {
      filename: row.filename,
      agent: row.agent,
      score: row.score,
      status: row.status,
      hardware: row.hardware,
      measurement: row.measurement,
      verification: row.verification,
      frontmatter,
      body,
      ts: row.ts,
    },
    bundle,
    withheld,
    ...(trace ? { trace } : {}),
  };
}

/**
 * The session trace shared with a result: one the agent shared on this hub (POST /v1/traces), by name or the one whose
 * result_ref names the result. Its manifest leaves without the hub's stamps; for `full`, with the log it names.
 */
function traceMaterial(
  hub: MaterialContext,
  agent: string,
  result: string,
  choice: TraceChoice,
  paths: PathRedactor,
  withheld: string[],
): NonNullable<PublishMaterial['trace']> {
  const mine = hub.traces.all().filter((t) => t.agent === agent);
  const named = choice.session
    ? mine.find((t) => t.session_id === choice.session)
    : mine.filter((t) => (JSON.parse(t.frontmatter) as Record<string, unknown>).result_ref === result).at(-1);
  if (!named) {
    const sessions = mine.map((t) => t.session_id);
    throw new HubError(
      'NOT_FOUND',
      choice.session
        ? `${agent} shared no session ${choice.session} on this hub`
        : `no session ${agent} shared names ${result} as its result_ref`,
      sessions.length > 0
        ? `name one with trace_session (--trace-session): ${sessions.slice(-10).join(', ')}`
        : `${agent} has shared no session trace here: share it first (the swarm's trace export, or POST /v1/traces as the agent), or publish without a trace`,
    );
  }
  const stamped = JSON.parse(named.frontmatter) as Record<string, unknown>;
  // A stats share names no log: the collab would list one it never received.
  const dropped: readonly string[] = choice.share === 'stats' ? [...HUB_STAMPS, 'native_log_file'] : HUB_STAMPS;
  const frontmatter = paths.redact(
    Object.fromEntries(Object.entries(stamped).filter(([k]) => !dropped.includes(k))),
  ) as Record<string, unknown>;
  const body = paths.redact(named.body) as string;
  let log: { name: string; content: string } | null = null;
  const logs = JSON.parse(named.log_files) as string[];
  if (choice.share === 'full') {
    const declared = typeof stamped.native_log_file === 'string' ? stamped.native_log_file.trim() : '';
    const central = logs.find((p) => p.split('/').at(-1) === declared);
    if (!declared || !central)
      throw new HubError(
        'NOT_FOUND',
        `the session ${named.session_id} was shared without its native log, so it cannot be shared in full`,
        'share it with stats, or share the session in full on this hub first (share: full)',
      );
    const file = join(hub.layout.central, central);
    const text = readText(file);
    if (text === null)
      throw new HubError(
        'NOT_FOUND',
        `the log of session ${named.session_id} is gone from this hub`,
        'share it with stats',
      );
    if (Buffer.byteLength(text) > MAX_TRACE_LOG_BYTES)
      throw new HubError(
        'SYNC_TOO_LARGE',
        `the log of session ${named.session_id} is ${Buffer.byteLength(text)} bytes, over ${MAX_TRACE_LOG_BYTES}`,
        'share it with stats',
      );
    log = { name: declared, content: paths.redact(text) as string };
  } else if (logs.length > 0) {
    withheld.push(`the native log of session ${named.session_id} (shared as stats: token and tool-call counts only)`);
  }
  return { session_id: named.session_id, share: choice.share, frontmatter, body, log };
}

/**
 * The board post of a publish that has no local result (a collab job's summary): the same checks publishMaterial
 * makes of a message, held-out prompts and their references, and tokens.
 */
export function checkMessage(hub: MaterialContext, message: string | undefined): void {
  if (message) refuseHeld(hub, [{ label: 'the board message', text: message }]);
}

/** Refuses (PRIVATE_CONTENT, SECRET_IN_FILE) the first text holding a held-out text or a secret, naming it only. */
function refuseHeld(hub: MaterialContext, checked: Array<{ label: string; text: string }>): void {
  const texts = heldOutTexts(hub);
  for (const { label, text } of checked) {
    if (holdsHeldOut(text, texts))
      throw new HubError(
        'PRIVATE_CONTENT',
        `${label} holds the text of a held-out prompt or of its reference; nothing was published`,
        HOLDS_PRIVATE_HINT,
      );
    refuseSecrets(text, label, HOLDS_SECRET_HINT);
  }
}

/** A hub job's bundle: its config, its figures (public split only), its provenance and its log. */
function jobBundle(
  hub: MaterialContext,
  job: JobRow,
  frontmatter: Record<string, unknown>,
  paths: PathRedactor,
  withheld: string[],
): PublishMaterial['bundle'] {
  const files: PublishMaterial['bundle'] = [];
  const folder = join(hub.layout.central, 'jobs', job.id);
  files.push({ path: 'config.json', content: json(paths.redact(JSON.parse(job.config))) });

  const output = readText(join(folder, 'output.json'));
  if (output === null) withheld.push(`output.json: job ${job.id} left none`);
  else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      parsed = null;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      withheld.push(`output.json: job ${job.id}'s is not a JSON object, so it is kept back whole`);
    else files.push({ path: 'output.json', content: json(paths.redact(publicOutput(parsed as RunOutput))) });
  }
  withheld.push(
    "the private split's figures (splits.private of output.json, and the figures over every prompt, which include it): output.json's tps, speedup and their intervals are the public split's",
  );

  const provenance = provenanceFile(frontmatter, paths);
  if (provenance) files.push(provenance);
  else withheld.push(`provenance.json: job ${job.id} reported no provenance`);

  const log = readText(join(folder, 'log.txt'));
  if (log === null) withheld.push(`log.txt: job ${job.id} has no log`);
  else files.push({ path: 'log.txt', content: paths.redact(log) as string });

  withheld.push("the held-out prompts, their references and the job's working files: they never leave this machine");
  return files;
}

type RunOutput = Record<string, unknown> & { splits?: { public?: Record<string, unknown> | null } };

/**
 * output.json as it may leave: the private split dropped, and the figures over all prompts (private ones included)
 * replaced by the public split's, so the private figure cannot be worked back out of the two. tps_stdev is over all
 * prompts and has no public counterpart, so it goes too.
 */
function publicOutput(out: RunOutput): Record<string, unknown> {
  const pub = out.splits?.public ?? null;
  const rest = Object.fromEntries(
    Object.entries(out).filter(
      ([k]) => k !== 'splits' && k !== 'tps_stdev' && !(PAIRED_FIGURES as readonly string[]).includes(k),
    ),
  );
  const figures = pub ? Object.fromEntries(PAIRED_FIGURES.filter((k) => k in pub).map((k) => [k, pub[k]])) : {};
  return { ...figures, ...rest, splits: { public: pub } };
}

function provenanceFile(
  frontmatter: Record<string, unknown>,
  paths: PathRedactor,
): { path: string; content: string } | null {
  const p = frontmatter.provenance;
  if (p === null || p === undefined || (typeof p === 'object' && Object.keys(p).length === 0)) return null;
  return { path: 'provenance.json', content: json(paths.redact(p)) };
}

const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Replaces this machine's paths (the data folder, then the home folder) in every string: a model path or a log line
 * would otherwise publish the person's user name.
 */
class PathRedactor {
  used = false;
  private readonly pairs: Array<{ from: RegExp; to: string }>;

  constructor(dataRoot: string) {
    // A whole path only: /home/ana is replaced in /home/ana/models, not in /home/anabel.
    const whole = (path: string) =>
      new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[\\\\/]|$|[^\\w.-])`, 'g');
    this.pairs = [
      [dataRoot, '<data>'],
      [homedir(), '~'],
    ]
      .filter(([from]) => from!.length > 3)
      .map(([from, to]) => ({ from: whole(from!), to: to! }));
  }

  redact(value: unknown): unknown {
    if (typeof value === 'string') {
      let out = value;
      for (const { from, to } of this.pairs) out = out.replace(from, to);
      if (out !== value) this.used = true;
      return out;
    }
    if (Array.isArray(value)) return value.map((v) => this.redact(v));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redact(v)]));
    return value;
  }
}

/** JSON's escapes undone (\n, \t, \", \\, \uXXXX), for text that holds JSON that would not parse whole. */
function unescapeJson(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|["\\/bfnrt])/g, (_, e: string) =>
    e.length === 5
      ? String.fromCharCode(parseInt(e.slice(1), 16))
      : (({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e),
  );
}

/**
 * The text to search: the file as it is, and for JSON every string in it decoded, since JSON escapes the line
 * breaks and quotes a prompt has. A session log is JSON Lines (one object per line, which does not parse whole):
 * each line is decoded on its own, and whatever still does not parse is searched with JSON's escapes undone too.
 */
function searchable(content: unknown): string {
  let value = content;
  if (typeof content === 'string') {
    try {
      value = JSON.parse(content);
    } catch {
      const decoded: unknown[] = [];
      for (const line of content.split('\n')) {
        if (!/^\s*[[{"]/.test(line)) continue;
        try {
          decoded.push(JSON.parse(line));
        } catch {
          // a line cut short, or not JSON: the unescaped text below covers it
        }
      }
      return [content, unescapeJson(content), decoded.length > 0 ? searchable(decoded) : ''].join('\n');
    }
  }
  const strings: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        strings.push(k);
        walk(x);
      }
  };
  walk(value);
  return [typeof content === 'string' ? content : JSON.stringify(content), ...strings].join('\n');
}

/** Case and runs of white space do not hide a prompt. */
const normalize = (text: string): string => text.replace(/\s+/g, ' ').trim().toLowerCase();

interface HeldOutTexts {
  /** Held-out prompts and the prompts and texts of their references, normalized. */
  secret: string[];
  /** The public prompts, normalized: a piece they share with a held-out one (a template's preamble) gives nothing away. */
  public: string[];
}

/**
 * Every held-out text on this machine: the installed pack's private prompts, and every set in the held-out folder
 * (the installed one, and any a replaced pack left), so a pack that no longer loads still has its prompts guarded.
 */
function heldOutTexts(hub: MaterialContext): HeldOutTexts {
  let pack: InstalledPack | null = null;
  try {
    pack = hub.challenge.get();
  } catch {
    // a pack that does not load: its held-out sets are still read from their folder below
  }
  const secret = new Set<string>();
  for (const p of pack?.prompts ?? []) if (p.split === 'private') secret.add(p.text);
  const folder = join(dirname(hub.layout.challengePack), HELD_OUT_FOLDER);
  let files: string[] = [];
  try {
    files = readdirSync(folder).filter((f) => f.endsWith('.json'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(folder, file), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      // A set that cannot be read cannot be checked against: refuse rather than publish unchecked.
      throw new HubError(
        'NO_CHALLENGE',
        `the held-out set ${HELD_OUT_FOLDER}/${file} cannot be read, so the result cannot be checked against it`,
        'run `collab-desk challenge init` again, then publish',
      );
    }
    const { set } = parseHeldOutSet(raw);
    if (!set) continue;
    for (const p of set.prompts) secret.add(p.text);
    for (const r of set.references) {
      secret.add(r.prompt);
      secret.add(r.reference);
    }
  }
  const publicTexts = (pack?.prompts ?? []).filter((p) => p.split === 'public').map((p) => normalize(p.text));
  return {
    secret: [...secret].map(normalize).filter((t) => t.length >= MIN_SECRET && !publicTexts.includes(t)),
    public: publicTexts,
  };
}

/** Whether `text` holds a held-out text whole (a short one as a word of its own) or a long one's piece. */
function holdsHeldOut(text: string, held: HeldOutTexts): boolean {
  if (held.secret.length === 0) return false;
  const haystack = normalize(text);
  for (const secret of held.secret) {
    if (secret.length < WHOLE_ONLY) {
      if (holdsWord(haystack, secret)) return true;
      continue;
    }
    if (haystack.includes(secret)) return true;
    for (const piece of pieces(secret))
      if (haystack.includes(piece) && !held.public.some((p) => p.includes(piece))) return true;
  }
  return false;
}

function holdsWord(haystack: string, word: string): boolean {
  const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
  for (let at = haystack.indexOf(word); at >= 0; at = haystack.indexOf(word, at + 1)) {
    if (!isWordChar(haystack[at - 1]) && !isWordChar(haystack[at + word.length])) return true;
  }
  return false;
}

/** Evenly spaced pieces of a long text: quoting a stretch longer than two strides of it always contains one. */
function pieces(secret: string): string[] {
  if (secret.length <= PIECE * 1.5) return [];
  const stride = Math.max(PIECE / 2, Math.ceil((secret.length - PIECE) / (MAX_PIECES - 1)));
  const out: string[] = [];
  for (let at = 0; at + PIECE <= secret.length; at += stride) out.push(secret.slice(at, at + PIECE));
  return out;
}
