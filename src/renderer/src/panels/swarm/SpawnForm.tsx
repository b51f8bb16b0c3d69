// Spawning agents: local ones think with the inference host or a server the person runs, external ones are any command line in a sandbox; defaults from the hub's settings.
import { useEffect, useState } from 'react';
import type { AgentDefaults } from '@shared/settings';
import { ROLES, type AgentRole, type SpawnAgentsBody, type SwarmAgentStatus, type SwarmStatus } from '@shared/swarm';
import { LEVERS } from '@shared/levers';
import { HubClientError } from '@shared/hub-error';
import { errorText } from '../../connection/hub-api';
import { useSettings } from '../../stores/settings-store';
import { routeHref } from '../../router';
import { useSwarm, type SpawnDraft } from '../../stores/swarm-store';
import { swarmService } from '../../services/swarm';
import { onFormEscape } from '../../components/form-escape';
import { grantsOf, grantsText, SandboxGrantFields } from '../../components/SandboxGrants';

type FormValues = SpawnDraft;

const EMPTY: FormValues = {
  kind: 'local',
  thinks: 'host',
  endpoint: '',
  endpoint_model: '',
  count: '1',
  command: '',
  model: '',
  name: '',
  role: '',
  direction: '',
  budget_tokens: '',
  jobs_per_day: '',
  max_steps: '',
  read: '',
  write: '',
};

function fromDefaults(d: AgentDefaults): FormValues {
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  return {
    ...EMPTY,
    kind: d.kind ?? (d.command ? 'external' : 'local'),
    count: text(d.count ?? 1),
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
 * `acceptUnsandboxed`: the person checked the risk box on a machine where no sandbox starts. `endpoint`: the key of
 * the server local agents think on (never in the draft) and whether to start them past a failed probe.
 */
function bodyOf(
  v: FormValues,
  acceptUnsandboxed: boolean,
  endpoint: { apiKey: string; skipProbe: boolean },
): SpawnAgentsBody {
  const int = (s: string) => (s.trim() === '' ? undefined : Number(s));
  const body: SpawnAgentsBody = { kind: v.kind, count: int(v.count) ?? 1 };
  if (v.kind === 'external') {
    if (v.command.trim()) body.command = v.command.trim();
    // Sent even when both are empty: the hub fills saved defaults into whatever is left out, and the agent should get
    // exactly the grants the form shows (emptied fields mean none).
    body.sandbox = grantsOf(v);
    if (acceptUnsandboxed) body.accept_unsandboxed = true;
  }
  if (v.kind === 'local' && v.thinks === 'endpoint') {
    body.endpoint = (v.endpoint ?? '').trim();
    if (v.endpoint_model?.trim()) body.model = v.endpoint_model.trim();
    if (endpoint.apiKey.trim()) body.api_key = endpoint.apiKey.trim();
    if (endpoint.skipProbe) body.skip_probe = true;
  } else if (v.kind === 'local' && v.model.trim()) body.model = v.model.trim();
  if (v.name.trim()) body.name = v.name.trim();
  if (v.role) body.role = v.role as AgentRole;
  if (v.direction) body.direction = v.direction;
  const budget = int(v.budget_tokens);
  if (budget !== undefined) body.budget_tokens = budget;
  const jobs = int(v.jobs_per_day);
  if (jobs !== undefined) body.jobs_per_day = jobs;
  const steps = int(v.max_steps);
  if (steps !== undefined && v.kind === 'local') body.max_steps = steps;
  return body;
}

export function SpawnForm({ onClose }: { onClose: () => void }) {
  const spawn = useSwarm((s) => s.spawn);
  // What the person typed lives in the store: closing the form and opening it again gives it back.
  const draft = useSwarm((s) => s.spawnDraft);
  const [reopened] = useState(() => useSwarm.getState().spawnDraft !== null);
  const [defaults, setDefaults] = useState<FormValues | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [spawned, setSpawned] = useState<SwarmAgentStatus[] | null>(null);
  // Not part of the draft: running without a sandbox is accepted for one spawn, never carried over.
  const [acceptRisk, setAcceptRisk] = useState(false);
  // The endpoint's key stays in this form only: never in the draft the store keeps.
  const [apiKey, setApiKey] = useState('');
  const [probeFailed, setProbeFailed] = useState(false);
  const [skipProbe, setSkipProbe] = useState(false);
  const [offer, setOffer] = useState<{ models: string[] | null; problem: string | null } | null>(null);
  const machine = useSwarm((s) => s.sandbox);
  const values = draft ?? defaults ?? EMPTY;
  const set = (patch: Partial<FormValues>) => {
    const { spawnDraft, setSpawnDraft } = useSwarm.getState();
    setSpawnDraft({ ...(spawnDraft ?? defaults ?? EMPTY), ...patch });
  };

  // The Settings view keeps agent defaults on the hub (the hub also fills them into whatever is left out).
  useEffect(() => {
    let live = true;
    void useSettings
      .getState()
      .load()
      .then(() => {
        const { info, error } = useSettings.getState();
        const saved = error === null ? info?.agent_defaults : undefined;
        // Only an untouched form shows them: what the person already typed wins.
        if (live && saved && Object.keys(saved).length) setDefaults(fromDefaults(saved));
      });
    return () => {
      live = false;
    };
  }, []);

  // The supervisor tries the machine's sandbox when it starts: a status read before that knew nothing yet.
  useEffect(() => {
    if (useSwarm.getState().sandbox === null) void useSwarm.getState().load();
  }, []);

  // Once the URL answers, the names of its models are offered for the model field (asked a moment after typing stops).
  const onEndpoint = values.kind === 'local' && values.thinks === 'endpoint';
  const endpointUrl = (values.endpoint ?? '').trim();
  useEffect(() => {
    setOffer(null);
    if (!onEndpoint || !endpointUrl) return;
    let live = true;
    const timer = setTimeout(() => {
      swarmService.endpointModels({ endpoint: endpointUrl, ...(apiKey.trim() ? { api_key: apiKey.trim() } : {}) }).then(
        (r) => live && setOffer({ models: r.models, problem: r.problem }),
        (err: unknown) => live && setOffer({ models: null, problem: errorText(err) }),
      );
    }, 600);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [onEndpoint, endpointUrl, apiKey]);

  const onSubmit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSpawned(null);
    const unsandboxed = values.kind === 'external' && machine?.kind === null && acceptRisk;
    try {
      setSpawned(await spawn(bodyOf(values, unsandboxed, { apiKey, skipProbe: onEndpoint && skipProbe })));
      if (unsandboxed) setAcceptRisk(false);
      setProbeFailed(false);
      setSkipProbe(false);
    } catch (err) {
      setError(errorText(err));
      // The probe's report is the error; the way past it is offered only once it has failed.
      setProbeFailed(err instanceof HubClientError && err.code === 'PROBE_FAILED');
      // The hub found no sandbox the form did not know of: read why, so the reason and the risk box show.
      if (err instanceof HubClientError && err.code === 'SANDBOX_UNAVAILABLE') void useSwarm.getState().load();
    } finally {
      setBusy(false);
    }
  };

  const external = values.kind === 'external';
  const blocked = external && machine?.kind === null && !acceptRisk;
  return (
    <form
      className="card spawn-form"
      aria-label="Spawn agents"
      onSubmit={(e) => void onSubmit(e)}
      onKeyDown={(e) => onFormEscape(e, onClose)}
    >
      <div className="panel-header">
        <h2>Spawn agents</h2>
        <button type="button" className="btn btn-small btn-quiet" onClick={onClose} aria-label="Close the form">
          ✕
        </button>
      </div>
      {draft === null && defaults && <p className="muted">Filled in from the agent defaults in Settings.</p>}
      {draft !== null && reopened && (
        <p className="muted" data-testid="spawn-kept">
          Kept from before.{' '}
          <button
            type="button"
            className="btn btn-small btn-quiet"
            onClick={() => useSwarm.getState().setSpawnDraft(null)}
          >
            {defaults ? 'Start again from the defaults' : 'Clear the form'}
          </button>
        </p>
      )}
      <div className="row" role="radiogroup" aria-label="Kind of agent">
        <label className="agent-choice">
          <input type="radio" name="kind" value="local" checked={!external} onChange={() => set({ kind: 'local' })} />{' '}
          Local <span className="muted">— this app's agent loop, on this machine's model or a server you run</span>
        </label>
        <label className="agent-choice">
          <input
            type="radio"
            name="kind"
            value="external"
            checked={external}
            onChange={() => set({ kind: 'external' })}
          />{' '}
          External <span className="muted">— any agent command line</span>
        </label>
      </div>
      {external ? (
        <div className="field">
          <label htmlFor="spawn-command">Command</label>
          <textarea
            id="spawn-command"
            value={values.command}
            onChange={(e) => set({ command: e.target.value })}
            placeholder="my-agent --prompt-file {prompt_file}"
            rows={2}
            required
          />
          <span className="muted spawn-help">
            Run with <code>/bin/sh</code> in the agent's scratch folder. <code>{'{prompt_file}'}</code> is the file with
            its task (the hub's README and who it is; also on stdin), <code>{'{hub}'}</code> the hub's URL,{' '}
            <code>{'{agent}'}</code> its id. Its token is in <code>$COLLAB_DESK_TOKEN</code>, never in the command line.
          </span>
        </div>
      ) : (
        <>
          <div className="row" role="radiogroup" aria-label="Think on">
            <span className="muted">Think on:</span>
            <label className="agent-choice">
              <input
                type="radio"
                name="thinks"
                value="host"
                checked={!onEndpoint}
                onChange={() => set({ thinks: 'host' })}
              />{' '}
              this machine's model
            </label>
            <label className="agent-choice">
              <input
                type="radio"
                name="thinks"
                value="endpoint"
                checked={onEndpoint}
                onChange={() => set({ thinks: 'endpoint' })}
              />{' '}
              an endpoint you run <span className="muted">— Ollama, LM Studio, llama-server, Jan</span>
            </label>
          </div>
          {onEndpoint ? (
            <div className="spawn-fields">
              <div className="field">
                <label htmlFor="spawn-endpoint">Endpoint URL</label>
                <input
                  id="spawn-endpoint"
                  value={values.endpoint ?? ''}
                  onChange={(e) => set({ endpoint: e.target.value })}
                  placeholder="http://127.0.0.1:11434/v1"
                  required
                />
              </div>
              <div className="field">
                <label htmlFor="spawn-endpoint-model">Model name</label>
                <input
                  id="spawn-endpoint-model"
                  list="spawn-endpoint-models"
                  value={values.endpoint_model ?? ''}
                  onChange={(e) => set({ endpoint_model: e.target.value })}
                  placeholder="qwen3:8b"
                  required
                />
                <datalist id="spawn-endpoint-models">
                  {(offer?.models ?? []).map((m) => (
                    <option key={m} value={m} />
                  ))}
                </datalist>
              </div>
              <div className="field">
                <label htmlFor="spawn-endpoint-key">API key</label>
                <input
                  id="spawn-endpoint-key"
                  type="password"
                  autoComplete="off"
                  value={apiKey}
                  onChange={(e) => setApiKey(e.target.value)}
                  placeholder="if the server wants one"
                />
              </div>
              {offer && (
                <span className="muted spawn-help" data-testid="endpoint-offer">
                  {offer.models?.length
                    ? `It has: ${offer.models.slice(0, 12).join(', ')}${offer.models.length > 12 ? ', …' : ''}`
                    : (offer.problem ?? 'It lists no models: load or pull one first.')}
                </span>
              )}
            </div>
          ) : (
            <div className="field">
              <label htmlFor="spawn-model">Model</label>
              <input
                id="spawn-model"
                value={values.model}
                onChange={(e) => set({ model: e.target.value })}
                placeholder="the hub's agent model (leave empty), or a GGUF path on this machine"
              />
            </div>
          )}
        </>
      )}
      <div className="spawn-fields">
        <div className="field">
          <label htmlFor="spawn-count">Count</label>
          <input
            id="spawn-count"
            type="number"
            min={1}
            max={32}
            step={1}
            value={values.count}
            onChange={(e) => set({ count: e.target.value })}
            required
          />
        </div>
        <div className="field">
          <label htmlFor="spawn-name">Name prefix</label>
          <input
            id="spawn-name"
            value={values.name}
            onChange={(e) => set({ name: e.target.value })}
            placeholder={external ? 'external' : 'local'}
            pattern={'[a-z0-9][a-z0-9\\-]*'}
            maxLength={30}
            title="lowercase letters, digits and -; ids are <prefix>-<n>"
          />
        </div>
        <div className="field">
          <label htmlFor="spawn-role">Role</label>
          <select id="spawn-role" value={values.role} onChange={(e) => set({ role: e.target.value })}>
            <option value="">each a different one</option>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="spawn-direction">Direction</label>
          <select id="spawn-direction" value={values.direction} onChange={(e) => set({ direction: e.target.value })}>
            <option value="">balanced by the supervisor</option>
            {LEVERS.map((l) => (
              <option key={l.id} value={l.id}>
                {l.title}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="spawn-budget">Token budget</label>
          <input
            id="spawn-budget"
            type="number"
            min={1}
            step={1}
            value={values.budget_tokens}
            onChange={(e) => set({ budget_tokens: e.target.value })}
            placeholder="no limit"
          />
        </div>
        <div className="field">
          <label htmlFor="spawn-jobs">Jobs per day</label>
          <input
            id="spawn-jobs"
            type="number"
            min={0}
            max={1000}
            step={1}
            value={values.jobs_per_day}
            onChange={(e) => set({ jobs_per_day: e.target.value })}
            placeholder="10"
          />
        </div>
        {!external && (
          <div className="field">
            <label htmlFor="spawn-steps">Max steps</label>
            <input
              id="spawn-steps"
              type="number"
              min={1}
              max={100000}
              step={1}
              value={values.max_steps}
              onChange={(e) => set({ max_steps: e.target.value })}
              placeholder="run until stopped"
            />
          </div>
        )}
      </div>
      {external && (
        <fieldset className="spawn-sandbox" data-testid="spawn-sandbox">
          <legend>Sandbox</legend>
          <SandboxOffer machine={machine} />
          {machine?.kind === null && (
            <label className="spawn-risk">
              <input type="checkbox" checked={acceptRisk} onChange={(e) => setAcceptRisk(e.target.checked)} />
              Run without a sandbox — it can read the organizer token, the held-out prompts and all your files
            </label>
          )}
          <SandboxGrantFields idPrefix="spawn" value={values} onChange={set} />
        </fieldset>
      )}
      {onEndpoint && probeFailed && (
        <label className="spawn-risk">
          <input type="checkbox" checked={skipProbe} onChange={(e) => setSkipProbe(e.target.checked)} />
          Start anyway, without the capability probe — the agents may fail their tool calls
        </label>
      )}
      <div className="row">
        <button
          className="btn btn-primary"
          disabled={busy || blocked}
          title={
            blocked ? 'no sandbox starts on this machine: check "Run without a sandbox" to spawn anyway' : undefined
          }
        >
          {busy ? 'Spawning…' : `Spawn ${values.count && values.count !== '1' ? `${values.count} agents` : 'agent'}`}
        </button>
        {error && (
          // The probe's report is one check a line.
          <span className="error-text" role="alert" data-testid="spawn-error" style={{ whiteSpace: 'pre-line' }}>
            {error}
          </span>
        )}
        {spawned && (
          <span role="status" className="spawn-ok">
            Spawned{' '}
            {spawned.map((a, i) => (
              <span key={a.agent_id}>
                {i > 0 && ', '}
                <a href={routeHref('agents', a.agent_id)}>{a.agent_id}</a>
              </span>
            ))}
            {spawned[0]?.probe && ` (${spawned[0].probe.summary})`}.
          </span>
        )}
      </div>
    </form>
  );
}

const SANDBOX_NAME = { bubblewrap: 'bubblewrap', 'sandbox-exec': 'sandbox-exec (macOS)' } as const;

/** What this machine gives an external agent, said before it is spawned. */
function SandboxOffer({ machine }: { machine: SwarmStatus['sandbox'] }) {
  if (machine === null)
    return (
      <p className="muted" data-testid="sandbox-offer">
        Checking which sandbox this machine offers…
      </p>
    );
  if (machine.kind === null) {
    return (
      <div className="notice notice-error spawn-no-sandbox" data-testid="sandbox-offer" data-kind="none">
        <span>
          <strong>No sandbox can start on this machine.</strong> {machine.reason}
        </span>
      </div>
    );
  }
  return (
    <p className="spawn-sandbox-offer" data-testid="sandbox-offer" data-kind={machine.kind}>
      Runs in {SANDBOX_NAME[machine.kind]}: sees only its scratch folder, its task and the folders you grant below; the
      data folder (the organizer token, the held-out prompts, other agents' folders), the home folders and{' '}
      <code>/tmp</code> are hidden from it.
    </p>
  );
}
