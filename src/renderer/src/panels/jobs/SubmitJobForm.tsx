// The organizer's form over a run configuration: the pack's models, each lever's settings with their bounds, POST /v1/jobs.
import { useMemo, useState } from 'react';
import type { ChallengeInfo, JobInfo } from '@shared/challenge';
import { leverById, leversOf } from '@shared/levers';
import type { RunConfig } from '@shared/run-config';
import { errorText } from '../../connection/hub-api';
import { routeHref } from '../../router';
import { useJobs, type SubmitDraft } from '../../stores/jobs-store';
import { onFormEscape } from '../../components/form-escape';
import {
  baselineConfig,
  CONFIG_FIELDS,
  FIELD_GROUPS,
  SCHEMA_DEFAULTS,
  type ConfigField,
  type ConfigKey,
} from './run-config-fields';

type Values = Partial<Record<ConfigKey, string>>;

/** "3 to 10 repeats (more while the 95% interval is wider than ±3%)", or a fixed count from a pack without a noise target. */
function repeatsText(gate: ChallengeInfo['gate']): string {
  const max = typeof gate.max_repeats === 'number' ? gate.max_repeats : gate.repeats;
  if (max <= gate.repeats || typeof gate.noise_target !== 'number') return `${gate.repeats} repeats`;
  return `${gate.repeats} to ${max} repeats (more while the 95% interval is wider than ±${Number((gate.noise_target * 100).toFixed(1))}%)`;
}

/** A new form: the pack's example job. */
function freshDraft(challenge: ChallengeInfo): SubmitDraft {
  return {
    pack: challenge.id,
    values: Object.fromEntries(Object.entries(challenge.example_job.config).map(([k, v]) => [k, String(v)])),
    method: challenge.example_job.method === 'what you tried' ? '' : challenge.example_job.method,
    description: '',
  };
}

/** Only what the person set: the hub fills the pack's defaults and the schema's for the rest. */
function configOf(values: Values): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(values) as Array<[ConfigKey, string | undefined]>) {
    const text = raw?.trim();
    if (!text) continue;
    const field = CONFIG_FIELDS[key];
    config[key] = field && (field.type === 'integer' || field.type === 'number') ? Number(text) : text;
  }
  return config;
}

function FieldInput({
  field,
  value,
  packDefault,
  models,
  onChange,
}: {
  field: ConfigField;
  value: string;
  packDefault: unknown;
  models: ChallengeInfo['models'];
  onChange: (value: string) => void;
}) {
  const id = `job-field-${field.key}`;
  const fallback = packDefault ?? field.default;
  const fallbackText = fallback === undefined ? 'llama.cpp default' : `default ${String(fallback)}`;
  let input: React.ReactNode;
  if (field.key === 'target' || field.key === 'draft') {
    const role = field.key === 'target' ? 'target' : 'draft';
    const names = Object.entries(models)
      .filter(([, m]) => m.role === role)
      .map(([name]) => name);
    input = (
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} required={field.key === 'target'}>
        <option value="">{field.key === 'draft' ? '— no draft model —' : '— choose —'}</option>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
            {models[n]?.description ? ` — ${models[n].description}` : ''}
          </option>
        ))}
      </select>
    );
  } else if (field.type === 'enum') {
    input = (
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{fallbackText}</option>
        {field.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else {
    const numeric = field.type === 'integer' || field.type === 'number';
    input = (
      <input
        id={id}
        type={numeric ? 'number' : 'text'}
        inputMode={numeric ? 'decimal' : undefined}
        min={field.min}
        max={field.max}
        step={field.type === 'integer' ? 1 : field.type === 'number' ? 'any' : undefined}
        value={value}
        placeholder={fallbackText}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  const bounds = field.min !== undefined && field.max !== undefined ? ` (${field.min}–${field.max})` : '';
  return (
    <div className="field job-field">
      <label htmlFor={id}>{field.key}</label>
      {input}
      {(field.description || bounds) && (
        <span className="muted job-help">
          {field.description}
          {bounds}
        </span>
      )}
    </div>
  );
}

export function SubmitJobForm({ challenge, onClose }: { challenge: ChallengeInfo; onClose: () => void }) {
  const submit = useJobs((s) => s.submit);
  // What the person typed lives in the store: closing the form and opening it again gives it back.
  const stored = useJobs((s) => s.submitDraft);
  const fresh = useMemo(() => freshDraft(challenge), [challenge]);
  const ownDraft = (d: SubmitDraft | null) => (d?.pack === challenge.id ? d : null);
  const draft = ownDraft(stored) ?? fresh;
  const [reopened] = useState(() => ownDraft(useJobs.getState().submitDraft) !== null);
  const edit = (patch: (old: SubmitDraft) => Partial<SubmitDraft>) => {
    const { submitDraft, setSubmitDraft } = useJobs.getState();
    const old = ownDraft(submitDraft) ?? fresh;
    setSubmitDraft({ ...old, ...patch(old) });
  };
  const values = draft.values as Values;
  const { method, description } = draft;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [queued, setQueued] = useState<JobInfo | null>(null);
  const config = useMemo(() => configOf(values), [values]);
  const levers = useMemo(
    () =>
      leversOf(
        { ...SCHEMA_DEFAULTS, ...(challenge.defaults as Partial<RunConfig>), ...config } as Partial<RunConfig>,
        baselineConfig(challenge),
      ),
    [config, challenge],
  );
  const body = {
    config,
    ...(method.trim() ? { method: method.trim() } : {}),
    ...(description.trim() ? { description: description.trim() } : {}),
  };

  const onSubmit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setQueued(null);
    try {
      setQueued(await submit(body));
    } catch (err) {
      // The form stays as it was: fix the one setting and send again.
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="card submit-job"
      aria-label="Submit a job"
      onSubmit={(e) => void onSubmit(e)}
      onKeyDown={(e) => onFormEscape(e, onClose)}
    >
      <div className="panel-header">
        <h2>Submit a job to {challenge.title}</h2>
        <button type="button" className="btn btn-small btn-quiet" onClick={onClose} aria-label="Close the form">
          ✕
        </button>
      </div>
      {reopened && ownDraft(stored) !== null && (
        <p className="muted" data-testid="submit-kept">
          Kept from before.{' '}
          <button
            type="button"
            className="btn btn-small btn-quiet"
            onClick={() => useJobs.getState().setSubmitDraft(null)}
          >
            Start again from the example job
          </button>
        </p>
      )}
      <p className="muted">
        Settings left empty take the pack's defaults. The pack fixes the measurement: {challenge.gate.tokens} tokens per
        prompt, {repeatsText(challenge.gate)}, {challenge.gate.warmup} warm-up, over {challenge.prompts.public.length}{' '}
        public and {challenge.prompts.private_count} private prompts; each repeat measures the plain target beside the
        configuration, so the speedup is paired.
      </p>
      <div className="row submit-job-meta">
        <div className="field grow">
          <label htmlFor="job-method">Method</label>
          <input
            id="job-method"
            value={method}
            onChange={(e) => edit(() => ({ method: e.target.value }))}
            placeholder="what you tried, e.g. draft-q8 with n_max 8"
            maxLength={200}
          />
        </div>
        <div className="field grow">
          <label htmlFor="job-description">Why</label>
          <input
            id="job-description"
            value={description}
            onChange={(e) => edit(() => ({ description: e.target.value }))}
            placeholder="what you expect and why"
            maxLength={2000}
          />
        </div>
      </div>
      {FIELD_GROUPS.map((group) => (
        <fieldset key={group.title} className="job-group">
          <legend>{group.title[0]!.toUpperCase() + group.title.slice(1)}</legend>
          {group.hint && <p className="muted job-help">{group.hint}</p>}
          <div className="job-fields">
            {group.keys.map((key) => (
              <FieldInput
                key={key}
                field={CONFIG_FIELDS[key]}
                value={values[key] ?? ''}
                packDefault={challenge.defaults[key]}
                models={challenge.models}
                onChange={(v) => edit((old) => ({ values: { ...old.values, [key]: v } }))}
              />
            ))}
          </div>
        </fieldset>
      ))}
      <div className="row submit-job-foot">
        <span className="grow">
          {levers.length ? (
            <>
              Works{' '}
              {levers.map((id) => (
                <span key={id} className="badge lever-chip">
                  {leverById(id)?.title ?? id}
                </span>
              ))}
            </>
          ) : (
            <span className="muted">The baseline configuration: no lever moved.</span>
          )}
        </span>
        <details className="request-preview">
          <summary>Request</summary>
          <pre className="mono">{JSON.stringify(body, null, 2)}</pre>
        </details>
        <button className="btn btn-primary" disabled={busy}>
          {busy ? 'Submitting…' : 'Submit job'}
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert" data-testid="submit-error">
          {error}
        </p>
      )}
      {queued && (
        <p className="notice submit-ok" role="status">
          Queued <a href={routeHref('jobs', queued.id)}>{queued.id}</a>
          {queued.queue_position != null ? ` (#${queued.queue_position + 1} in the queue)` : ''}.
        </p>
      )}
    </form>
  );
}
