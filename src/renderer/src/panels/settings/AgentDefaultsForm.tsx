// The values the Agents panel's spawn form starts from, saved on the hub (organizer); empty fields keep the hub's own defaults.
import { useEffect, useMemo, useState } from 'react';
import type { AgentDefaults } from '@shared/settings';
import { ROLES } from '@shared/swarm';
import { errorText } from '../../connection/hub-api';
import { grantsOf, grantsText, hasGrants, SandboxGrantFields, type GrantsText } from '../../components/SandboxGrants';
import { useModels } from '../../stores/models-store';
import { useIsOrganizer, useSession } from '../../stores/session-store';
import { useSettings } from '../../stores/settings-store';

type Fields = Record<
  'count' | 'kind' | 'command' | 'model' | 'role' | 'budget_tokens' | 'jobs_per_day' | 'max_steps',
  string
> &
  GrantsText;
const NUMBERS = ['count', 'budget_tokens', 'jobs_per_day', 'max_steps'] as const;

function toFields(d: AgentDefaults): Fields {
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  return {
    count: text(d.count),
    kind: text(d.kind),
    command: text(d.command),
    model: text(d.model),
    role: text(d.role),
    budget_tokens: text(d.budget_tokens),
    jobs_per_day: text(d.jobs_per_day),
    max_steps: text(d.max_steps),
    ...grantsText(d.sandbox),
  };
}

/**
 * The body to save: only what was filled in and shown (a command and sandbox grants for external agents, a model for
 * local ones); numbers as numbers (the hub says what is out of range).
 */
function toDefaults(f: Fields): AgentDefaults {
  const out: Record<string, unknown> = {};
  const shown = f.kind === 'external' ? (['kind', 'command', 'role'] as const) : (['kind', 'model', 'role'] as const);
  for (const key of shown) if (f[key].trim()) out[key] = f[key].trim();
  for (const key of NUMBERS) if (f[key].trim()) out[key] = Number(f[key]);
  const grants = grantsOf(f);
  if (f.kind === 'external' && hasGrants(grants)) out.sandbox = grants;
  return out as AgentDefaults;
}

export function AgentDefaultsForm({ saved }: { saved: AgentDefaults }) {
  const save = useSettings((s) => s.saveAgentDefaults);
  const canWrite = useIsOrganizer();
  const hasModels = useSession((s) => s.hub?.features.models === true);
  const installed = useModels((s) => s.info?.installed);
  const loadModels = useModels((s) => s.load);
  const [fields, setFields] = useState<Fields>(() => toFields(saved));
  const [status, setStatus] = useState<{ kind: 'saved' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const savedFields = useMemo(() => toFields(saved), [saved]);
  const dirty = JSON.stringify(fields) !== JSON.stringify(savedFields);

  // The model box suggests the GGUF files this machine has.
  useEffect(() => {
    if (hasModels && !installed) void loadModels();
  }, [hasModels, installed, loadModels]);

  const patch = (next: Partial<Fields>) => {
    setFields((f) => ({ ...f, ...next }));
    setStatus(null);
  };
  const set = (key: keyof Fields) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    patch({ [key]: e.target.value });
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!canWrite) return;
    setBusy(true);
    setStatus(null);
    try {
      const next = await save(toDefaults(fields));
      setFields(toFields(next));
      setStatus({ kind: 'saved', text: 'Saved: the spawn form starts from these.' });
    } catch (err) {
      setStatus({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  const external = fields.kind === 'external';
  return (
    <section className="card stack" aria-labelledby="agent-defaults-title">
      <h2 id="agent-defaults-title">Agent defaults</h2>
      <p className="muted settings-help">
        What the Agents panel's spawn form starts from. Leave a field empty to use the hub's own default.
      </p>
      {/* The hub's own refusal (message and hint) rather than the browser's bubble: one voice for every limit. */}
      <form className="settings-form" onSubmit={(e) => void submit(e)} data-testid="agent-defaults" noValidate>
        <div className="field">
          <label htmlFor="ad-kind">Kind</label>
          <select id="ad-kind" value={fields.kind} onChange={set('kind')}>
            <option value="">hub default (local)</option>
            <option value="local">local: thinks with the inference host</option>
            <option value="external">external: an agent command line</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="ad-count">Agents per spawn</label>
          <input
            id="ad-count"
            type="number"
            min={1}
            max={32}
            step={1}
            value={fields.count}
            onChange={set('count')}
            placeholder="1"
          />
        </div>
        <div className="field">
          <label htmlFor="ad-role">Role</label>
          <select id="ad-role" value={fields.role} onChange={set('role')}>
            <option value="">balanced by the supervisor</option>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        {external ? (
          <div className="field settings-wide">
            <label htmlFor="ad-command">Command</label>
            <input
              id="ad-command"
              value={fields.command}
              onChange={set('command')}
              placeholder="my-agent --prompt-file {prompt_file} --hub {hub}"
              spellCheck={false}
            />
          </div>
        ) : (
          <div className="field settings-wide">
            <label htmlFor="ad-model">Model (GGUF)</label>
            <input
              id="ad-model"
              list="ad-model-choices"
              value={fields.model}
              onChange={set('model')}
              placeholder="the hub's agent model"
              spellCheck={false}
            />
            <datalist id="ad-model-choices">
              {installed?.map((m) => (
                <option key={m.id} value={m.path}>
                  {m.name}
                </option>
              ))}
            </datalist>
          </div>
        )}
        {/* Where its command line and its settings live: the sandbox hides the home folders and /tmp otherwise. */}
        {external && (
          <div className="settings-wide">
            <SandboxGrantFields idPrefix="ad" value={fields} onChange={patch} />
          </div>
        )}
        <div className="field">
          <label htmlFor="ad-budget">Token budget</label>
          <input
            id="ad-budget"
            type="number"
            min={1}
            step={1000}
            value={fields.budget_tokens}
            onChange={set('budget_tokens')}
            placeholder="no limit"
          />
        </div>
        <div className="field">
          <label htmlFor="ad-jobs">Jobs per day</label>
          <input
            id="ad-jobs"
            type="number"
            min={0}
            max={1000}
            step={1}
            value={fields.jobs_per_day}
            onChange={set('jobs_per_day')}
            placeholder="hub quota"
          />
        </div>
        <div className="field">
          <label htmlFor="ad-steps">Max steps</label>
          <input
            id="ad-steps"
            type="number"
            min={1}
            step={1}
            value={fields.max_steps}
            onChange={set('max_steps')}
            placeholder="unbounded"
          />
        </div>
        <div className="row settings-form-actions">
          <button
            className="btn btn-primary"
            disabled={!canWrite || busy || !dirty}
            title={
              canWrite
                ? dirty
                  ? 'Save these defaults on the hub'
                  : 'Nothing changed'
                : 'sign in as organizer to change the agent defaults'
            }
          >
            {busy ? 'Saving…' : 'Save defaults'}
          </button>
          {dirty && (
            <button
              type="button"
              className="btn btn-quiet"
              onClick={() => {
                setFields(savedFields);
                setStatus(null);
              }}
            >
              Undo changes
            </button>
          )}
          {status && (
            <span
              className={status.kind === 'error' ? 'error-text' : 'settings-note'}
              role={status.kind === 'error' ? 'alert' : 'status'}
            >
              {status.text}
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
