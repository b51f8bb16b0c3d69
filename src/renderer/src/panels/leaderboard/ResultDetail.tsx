// One result in full (#/leaderboard/<filename>): headline figures, provenance, configuration, acceptance, repeats,
// lineage, the verdict and the write-up.
import { useEffect, useRef } from 'react';
import type { ResultRecord } from '@shared/api';
import { Markdown } from '../../components/Markdown';
import { ErrorNotice } from '../../components/Notice';
import { VerificationBadge } from '../../components/VerificationBadge';
import { MeasurementBadge } from '../../components/MeasurementBadge';
import {
  explainRun,
  interval,
  machineLines,
  machineOf,
  measurementOf,
  MEASUREMENT_EXPLAINED,
  num,
  numbers,
  obj,
  text,
} from '../../facts';
import { formatAgo, formatTime } from '../../format';
import { routeHref } from '../../router';
import { useLeaderboard } from '../../stores/leaderboard-store';
import { useIsOrganizer, useSession } from '../../stores/session-store';
import { AcceptanceBars } from './AcceptanceBars';
import { FieldTable, flattenFields, type FieldValue } from './FieldTable';
import { Lineage } from './Lineage';
import { TIE_TITLE } from './LeaderboardTable';
import {
  formatInterval,
  formatScore,
  formatSpeedup,
  isoOf,
  overCap,
  pairedSpeedup,
  pointOf,
  rankedPlaces,
  RANKED_STATES,
  reasonText,
  scoreLabel,
  type ResultPoint,
  type Scoring,
} from './result-fields';
import { RepeatsStrip } from './RepeatsStrip';
import { VerdictCard } from './VerdictCard';

/** The scoring rules: the leaderboard's (its cap may come from the challenge's baseline), else GET /v1's. */
function useScoring(): Scoring | null {
  const board = useLeaderboard((s) => s.board);
  const hub = useSession((s) => s.hub);
  if (board)
    return {
      score_field: board.score_field,
      order: board.order,
      guardrail_field: board.guardrail_field,
      guardrail_max: board.guardrail_max,
    };
  return (
    hub && {
      score_field: hub.score_field,
      order: hub.score_order,
      guardrail_field: hub.guardrail_field,
      guardrail_max: hub.guardrail_max,
    }
  );
}

function Stat({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-body">{children}</div>
    </div>
  );
}

function HeadlineStats({ result, point, scoring }: { result: ResultRecord; point: ResultPoint; scoring: Scoring }) {
  const board = useLeaderboard((s) => s.board);
  const fm = result.frontmatter;
  const label = scoreLabel(scoring.score_field);
  const row = board?.rows.find((r) => r.filename === result.filename);
  // A place only for a ranked result: the board may list invalid ones (its filter), and the verdict may be newer here.
  const ranked = rankedPlaces(board?.rows ?? []);
  const place = RANKED_STATES.includes(point.verification) ? ranked.places.get(result.filename) : undefined;
  const cap = num(fm[`${scoring.guardrail_field}_cap`]) ?? scoring.guardrail_max;
  const repeats = numbers(fm[`${scoring.score_field}_per_repeat`]);
  const repeatCount = num(fm.repeats) ?? repeats?.length ?? null;
  const acceptance = num(fm.acceptance);
  const perStep = num(fm.mean_accepted_per_step);
  const plain = num(fm.plain_tps);
  const plainCi = interval(fm.plain_tps_ci);
  const paired = pairedSpeedup(fm);
  const pairedCi = interval(fm.speedup_ci);
  // An older job's `speedup` divided its TPS by a baseline run measured apart: shown as that, never as paired. A
  // hand-published `speedup` is its author's claim.
  const apart = paired === null ? num(fm.speedup) : null;
  const claimed = fm.via !== 'job';
  const publicTps = num(fm.tps_public);
  const privateTps = num(fm.tps_private);
  const privateSpeedup = num(fm.speedup_private);
  return (
    <div className="stats">
      <Stat label={label} testId="detail-score">
        <span className="stat-value">{formatScore(point.score)}</span>
        {row?.tie && (
          <span className="badge badge-tie" title={TIE_TITLE}>
            ≈ tie
          </span>
        )}
        <div className="muted">
          {point.ci ? <>95% CI {formatInterval(point.ci)}</> : 'no interval reported'}
          {repeatCount !== null && <> · {repeatCount} repeats</>}
        </div>
        {(publicTps !== null || privateTps !== null) && (
          <div className="muted">
            public {publicTps === null ? '—' : formatScore(publicTps)} · private{' '}
            {privateTps === null ? '—' : formatScore(privateTps)}
          </div>
        )}
      </Stat>
      <Stat label="Plain decoding" testId="detail-plain">
        <span className="stat-value">{plain === null ? '—' : formatScore(plain)}</span>
        <div className="muted">
          {plain === null ? (
            'no plain target measured beside it'
          ) : (
            <>
              {label} of the plain target in the same run{plainCi && <> · 95% CI {formatInterval(plainCi)}</>}
            </>
          )}
        </div>
      </Stat>
      <Stat label="Speedup over plain decoding (paired)" testId="detail-speedup">
        <span className="stat-value">
          {paired !== null ? formatSpeedup(paired) : apart !== null ? formatSpeedup(apart) : '—'}
        </span>
        <div className="muted">
          {paired !== null ? (
            <>
              {pairedCi ? (
                <>
                  95% CI {formatSpeedup(pairedCi[0])} – {formatSpeedup(pairedCi[1])}
                </>
              ) : (
                'no interval reported'
              )}
              {privateSpeedup !== null && <> · private prompts {formatSpeedup(privateSpeedup)}</>}
            </>
          ) : apart !== null ? (
            claimed ? (
              'claimed by its author: no job of this hub measured it'
            ) : (
              'not paired: divided by a baseline run measured apart (an older result)'
            )
          ) : (
            'not measured: no job of this hub ran it beside its plain target'
          )}
        </div>
      </Stat>
      {scoring.guardrail_field && (
        <Stat label={scoring.guardrail_field.toUpperCase()} testId="detail-guardrail">
          <span className={overCap(point.guardrail, cap) ? 'stat-value guardrail-over' : 'stat-value'}>
            {point.guardrail === null ? '—' : formatScore(point.guardrail)}
          </span>
          <div className="muted">
            {cap === null ? (
              'no cap yet'
            ) : overCap(point.guardrail, cap) ? (
              <span className="reason-bad">over the cap of {formatScore(cap)}: not ranked</span>
            ) : (
              `cap ${formatScore(cap)}`
            )}
          </div>
        </Stat>
      )}
      {acceptance !== null && (
        <Stat label="Acceptance">
          <span className="stat-value">{(acceptance * 100).toFixed(1)}%</span>
          {perStep !== null && <div className="muted">{perStep.toFixed(2)} tokens per verify step</div>}
        </Stat>
      )}
      <Stat label="Rank" testId="detail-rank">
        <span className="stat-value">{place !== undefined ? `#${place}` : '—'}</span>
        <div className="muted">
          {place !== undefined
            ? `of ${ranked.of} on the board`
            : point.status === 'negative'
              ? `not ranked: ${reasonText('status_negative')}`
              : point.verification === 'unverified'
                ? 'not ranked: published by hand'
                : !RANKED_STATES.includes(point.verification)
                  ? `not ranked: ${reasonText(`verification_${point.verification}`)}`
                  : point.status === 'agent-run'
                    ? 'not on the current board'
                    : point.status}
        </div>
      </Stat>
    </div>
  );
}

/** Where and how it was measured: the hardware class, the measurement's quality and why, the machine's state. */
function MeasuredOnCard({ result }: { result: ResultRecord }) {
  const fm = result.frontmatter;
  const hardware = text(fm.hardware);
  const machine = machineOf(fm.machine);
  const quality = measurementOf(fm.measurement);
  const note = text(fm.measurement_note);
  if (!hardware && !machine && fm.measurement === undefined) return null;
  return (
    <div className="card measured-on" data-testid="measured-on">
      <h3>Measured on</h3>
      <dl className="facts">
        <div className="fact">
          <dt>Hardware</dt>
          <dd data-testid="detail-hardware">{hardware ?? <span className="muted">not reported</span>}</dd>
        </div>
        <div className="fact">
          <dt>Measurement</dt>
          <dd>
            {fm.measurement === undefined ? (
              <span className="muted">not judged</span>
            ) : (
              <MeasurementBadge quality={fm.measurement} note={note} />
            )}
            {(note || quality) && (
              <div className="muted" data-testid="measurement-note">
                {note ?? MEASUREMENT_EXPLAINED[quality!]}
              </div>
            )}
          </dd>
        </div>
        {machine &&
          machineLines(machine).map(([k, v]) => (
            <div key={k} className="fact">
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
    </div>
  );
}

/** Why speculation paid or not in this run, from its costs; on a negative result, why it was slower. */
function ExplanationCard({ result }: { result: ResultRecord }) {
  const fm = result.frontmatter;
  const explanation = explainRun(fm.costs, fm.speedup, fm.backend);
  if (!explanation) return null;
  const negative = fm.status === 'negative' || (num(fm.speedup) ?? 1) < 1;
  return (
    <div className="card explanation" data-testid="detail-explanation">
      <h3>{negative ? 'Why speculation did not pay here' : 'Where the time went'}</h3>
      <p>{explanation}</p>
    </div>
  );
}

function ProvenanceCard({ result, point }: { result: ResultRecord; point: ResultPoint }) {
  const agent = useLeaderboard((s) => s.agents[point.agent]);
  const loadAgent = useLeaderboard((s) => s.loadAgent);
  const jobsPanel = useSession((s) => s.hub?.features.jobs === true);
  useEffect(() => {
    void loadAgent(point.agent);
  }, [point.agent, loadAgent]);
  const fm = result.frontmatter;
  const prov = obj(fm.provenance);
  const llama = obj(prov?.llama);
  const backend = obj(prov?.backend);
  const models = obj(prov?.models);
  const devices = Array.isArray(backend?.devices)
    ? (backend.devices as unknown[]).map((d) => text(obj(d)?.name)).filter(Boolean)
    : [];
  const job = text(fm.job);
  const lines: Array<[string, React.ReactNode]> = [
    [
      'Agent',
      <>
        <strong>{point.agent}</strong>
        {agent && (
          <span className="muted">
            {' '}
            · {agent.model} · {agent.harness}
          </span>
        )}
      </>,
    ],
  ];
  if (job)
    lines.push([
      'Job',
      jobsPanel ? (
        <a className="mono" href={routeHref('jobs', job)}>
          {job}
        </a>
      ) : (
        <span className="mono">{job}</span>
      ),
    ]);
  if (text(fm.pack)) lines.push(['Challenge', <span className="mono">{String(fm.pack)}</span>]);
  const engine = text(prov?.engine) ?? text(fm.engine);
  if (engine) lines.push(['Engine', <span className="mono">{engine}</span>]);
  if (llama)
    lines.push([
      'llama.cpp',
      <span className="mono">
        {[text(llama.release), text(llama.build_info) ?? text(llama.commit)].filter(Boolean).join(' · ')}
      </span>,
    ]);
  const hw = [
    text(backend?.flavor) ?? text(fm.backend),
    devices.join(', '),
    text(prov?.cpu) && `${String(prov!.cpu)}${num(prov?.cores) ? ` (${String(prov!.cores)} cores)` : ''}`,
  ].filter(Boolean);
  if (hw.length) lines.push(['Backend', hw.join(' · ')]);
  if (models) {
    for (const [role, m] of Object.entries(models)) {
      const model = obj(m);
      const name = text(model?.path)?.split(/[\\/]/).pop() ?? role;
      const sha = text(model?.sha256);
      lines.push([
        `Model (${role})`,
        <span className="mono" title={sha ?? undefined}>
          {name}
          {text(model?.desc) && ` · ${String(model!.desc)}`}
          {sha && ` · ${sha.slice(0, 10)}`}
        </span>,
      ]);
    }
  }
  if (text(prov?.app_version))
    lines.push([
      'App',
      <span className="mono">{`collab-desk ${String(prov!.app_version)} · node ${String(prov!.node ?? '?')} · ${String(prov!.os ?? '')}`}</span>,
    ]);
  lines.push([
    'Published',
    <>
      {text(fm.via) ?? '—'}{' '}
      <span className="muted">
        ·{' '}
        <time dateTime={isoOf(point.time)} title={formatTime(isoOf(point.time))}>
          {formatAgo(isoOf(point.time))}
        </time>
      </span>
    </>,
  ]);
  return (
    <div className="card" data-testid="provenance">
      <h3>Provenance</h3>
      <dl className="facts">
        {lines.map(([k, v]) => (
          <div key={k} className="fact">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {!prov && (
        <p className="muted">Published by hand: no machine provenance recorded (a benchmark job records it).</p>
      )}
      {prov && (
        <details className="all-provenance">
          <summary>All provenance</summary>
          <FieldTable fields={flattenFields(prov)} />
        </details>
      )}
    </div>
  );
}

/** Frontmatter shown elsewhere on the page; the rest is listed as it is. */
function shownKeys(scoring: Scoring): Set<string> {
  const f = scoring.score_field;
  const g = scoring.guardrail_field;
  return new Set([
    f,
    `${f}_ci`,
    `${f}_per_repeat`,
    ...(g ? [g, `${g}_cap`] : []),
    'method',
    'status',
    'description',
    'agent',
    'timestamp',
    'via',
    'refs',
    'config',
    'provenance',
    'acceptance',
    'acceptance_per_position',
    'mean_accepted_per_step',
    'speedup',
    'baseline',
    'job',
    'pack',
    'engine',
    'plain_tps',
    'plain_tps_ci',
    'speedup_ci',
    'speedup_per_repeat',
    'speedup_private',
    'tps_public',
    'tps_private',
    'repeats',
    'measurement',
    'measurement_note',
    'hardware',
    'machine',
    'costs',
  ]);
}

function DetailBody({ result, scoring }: { result: ResultRecord; scoring: Scoring }) {
  const point = pointOf(result, scoring);
  const fm = obj(result.frontmatter) ?? {};
  if (!point) return <ErrorNotice error={`this result has no numeric ${scoring.score_field}`} />;
  const config = obj(fm.config);
  const acceptance = numbers(fm.acceptance_per_position);
  const repeats = numbers(fm[`${scoring.score_field}_per_repeat`]);
  const speedups = numbers(fm.speedup_per_repeat);
  const paired = pairedSpeedup(fm);
  const shown = shownKeys(scoring);
  const body = typeof result.body === 'string' ? result.body : '';
  // Job write-ups repeat the description under their heading: say it once.
  const description = text(fm.description) && !body.includes(String(fm.description)) ? String(fm.description) : null;
  const other = Object.entries(fm)
    .filter(([k]) => !shown.has(k))
    .flatMap(([k, v]) => flattenFields(v, k)) as Array<[string, FieldValue]>;
  return (
    <>
      <HeadlineStats result={result} point={point} scoring={scoring} />
      <div className="detail-grid">
        <div className="stack detail-main">
          {/* Why a run was slower comes first; where a faster run's time went, after its write-up. */}
          {fm.status === 'negative' && <ExplanationCard result={result} />}
          {(description || body.trim()) && (
            <div className="card">
              {description && <p className="detail-description">{description}</p>}
              {body.trim() && <Markdown text={body} className="detail-markdown" />}
            </div>
          )}
          {fm.status !== 'negative' && <ExplanationCard result={result} />}
          <div className="card" data-testid="config">
            <h3>Run configuration</h3>
            {config ? (
              <FieldTable fields={flattenFields(config)} testId="result-config" />
            ) : (
              <p className="muted">
                None recorded: the result carries no <code>config</code> (benchmark jobs write it).
              </p>
            )}
          </div>
          {(acceptance || repeats || speedups) && (
            <div className="card detail-figures">
              {acceptance && (
                <div>
                  <h3>Acceptance per draft position</h3>
                  <AcceptanceBars values={acceptance} />
                </div>
              )}
              {repeats && (
                <div>
                  <h3>Repeats</h3>
                  <RepeatsStrip values={repeats} score={point.score} ci={point.ci} />
                </div>
              )}
              {speedups && (
                <div>
                  <h3>Paired speedup per repeat</h3>
                  <RepeatsStrip
                    values={speedups}
                    score={paired ?? speedups[Math.floor(speedups.length / 2)]!}
                    ci={interval(fm.speedup_ci)}
                    format={formatSpeedup}
                    testId="speedup-repeats"
                  />
                </div>
              )}
            </div>
          )}
          {other.length > 0 && (
            <div className="card">
              <h3>Other figures</h3>
              <FieldTable fields={other} testId="other-fields" />
            </div>
          )}
        </div>
        <div className="stack detail-side">
          <VerdictCard filename={result.filename} verdict={result.verdict} state={result.verification} />
          <MeasuredOnCard result={result} />
          <div className="card">
            <Lineage root={point} scoring={scoring} />
          </div>
          <ProvenanceCard result={result} point={point} />
        </div>
      </div>
    </>
  );
}

export function ResultDetail({ filename }: { filename: string }) {
  const entry = useLeaderboard((s) => s.details[filename]);
  const loadDetail = useLeaderboard((s) => s.loadDetail);
  const scoring = useScoring();
  // Publishing to a public collab is the organizer's (the sync routes are), on a hub that runs the sync service.
  const isOrganizer = useIsOrganizer();
  const syncRuns = useSession((s) => s.hub?.features.sync === true);
  const canPublish = isOrganizer && syncRuns;
  const sectionRef = useRef<HTMLElement>(null);
  useEffect(() => {
    void loadDetail(filename, true);
  }, [filename, loadDetail]);
  // Opened from far down the table (or another result's lineage): start at the top.
  useEffect(() => {
    sectionRef.current?.closest('.content')?.scrollTo(0, 0);
  }, [filename]);
  const result = entry?.status === 'ready' ? entry.result : entry?.status === 'loading' ? entry.result : undefined;
  const fm = result ? obj(result.frontmatter) : null;
  return (
    <section ref={sectionRef} className="panel result-detail" data-testid="result-detail" data-filename={filename}>
      <a className="back-link" href={routeHref('leaderboard')} data-testid="back-to-leaderboard">
        ← Leaderboard
      </a>
      <header className="panel-header">
        <div>
          <h1 data-testid="detail-title">
            {fm ? (text(fm.agent) ?? '?') : 'Result'}
            {fm && text(fm.method) && <span className="muted detail-method"> — {String(fm.method)}</span>}
          </h1>
          <p className="muted mono detail-file">{filename}</p>
        </div>
        <div className="panel-actions">
          {fm && fm.measurement !== undefined && (
            <MeasurementBadge quality={fm.measurement} note={text(fm.measurement_note)} />
          )}
          {result && <VerificationBadge state={result.verdict?.state ?? result.verification} />}
          {fm && text(fm.status) && fm.status !== 'agent-run' && (
            <span className="badge" data-testid="status-badge">
              {String(fm.status)}
            </span>
          )}
          {result && canPublish && (
            <a className="btn btn-small" href={routeHref('sync', filename)} title="Publish it to a public collab">
              Publish…
            </a>
          )}
        </div>
      </header>
      {entry?.status === 'missing' && (
        <ErrorNotice error={`There is no result named ${filename}: it may be a message, or the link is mistyped.`} />
      )}
      {entry?.status === 'failed' && (
        <ErrorNotice error={entry.error} onRetry={() => void loadDetail(filename, true)} />
      )}
      {!result && (!entry || entry.status === 'loading') && <p className="muted loading">Loading the result…</p>}
      {result && scoring && <DetailBody result={result} scoring={scoring} />}
    </section>
  );
}
