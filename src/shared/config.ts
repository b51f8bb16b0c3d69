// The hub's configuration: what the challenge scores, the limits it enforces; schema + defaults, one definition.
import { Type, type Static } from 'typebox';

const Positive = (def: number, description: string) => Type.Number({ exclusiveMinimum: 0, default: def, description });

export const HubConfigSchema = Type.Object(
  {
    title: Type.String({
      minLength: 1,
      maxLength: 200,
      default: 'Collab Desk',
      description: 'Name of this collaboration',
    }),
    goal: Type.String({
      maxLength: 4000,
      default:
        'Make gemma-4-E4B decode faster (tokens/s, batch 1, greedy) with llama.cpp speculative decoding, ' +
        'without losing quality: perplexity under the cap and output identical to the plain model.',
      description: 'One paragraph every agent reads first',
    }),
    org: Type.String({
      pattern: '^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$',
      default: 'local',
      description: 'The organization this collab answers as (a public collab: its Hugging Face org)',
    }),
    collab_slug: Type.String({
      pattern: '^(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)?$',
      default: '',
      description: "The collab's short name in bucket names (<org>/<slug>-<agent>); empty: derived from the title",
    }),
    strict_identity: Type.Boolean({
      default: false,
      description:
        'Require a bearer token on every write, even on loopback (where writes without one are accepted as the public collab accepts them)',
    }),
    organizer: Type.String({
      pattern: '^[a-z0-9](?:[a-z0-9-]{0,32}[a-z0-9])?$',
      default: 'organizer',
      description: 'The person, posting as human-<organizer>',
    }),
    results: Type.Object(
      {
        score_field: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,63}$', default: 'tps' }),
        score_unit: Type.String({
          minLength: 1,
          maxLength: 64,
          default: 'tokens/s',
          description: 'The unit of the score, for people and agents reading it',
        }),
        order: Type.Union([Type.Literal('desc'), Type.Literal('asc')], {
          default: 'desc',
          description: 'desc: higher is better',
        }),
        required: Type.Array(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,63}$' }), {
          default: ['tps', 'ppl', 'method', 'status', 'description'],
          maxItems: 32,
        }),
        guardrail_field: Type.Union([Type.String({ pattern: '^[a-z_][a-z0-9_]{0,63}$' }), Type.Null()], {
          default: 'ppl',
        }),
        guardrail_max: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], {
          default: null,
          description: 'Results whose guardrail exceeds this are left off the leaderboard (null: no cap yet)',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    limits: Type.Object(
      {
        raw_messages_per_minute: Positive(5, 'Messages posted with a JSON body, per agent'),
        raw_messages_per_hour: Positive(30, 'Messages posted with a JSON body, per agent'),
        writes_burst: Positive(20, 'Source-based writes (messages, results, syncs) allowed at once, per agent'),
        writes_per_minute: Positive(60, 'Source-based writes refilled per minute, per agent'),
        scratch_writes_per_minute: Positive(600, 'Scratch file uploads and deletes per agent'),
        registrations_per_minute: Positive(10, 'Registrations per client address'),
        registrations_per_window: Positive(
          100,
          'New agents registered without the organizer token, all clients together, per registration window',
        ),
        registrations_window_hours: Positive(1, 'The registration window, in hours'),
        json_body_bytes: Positive(1024 * 1024, 'Largest JSON request body'),
        message_body_bytes: Positive(64 * 1024, 'Largest message or result text'),
        scratch_file_bytes: Positive(2 * 1024 ** 3, 'Largest single scratch file'),
        scratch_quota_bytes: Positive(20 * 1024 ** 3, 'Most bytes one agent keeps in its scratch folder'),
        scratch_total_bytes: Positive(100 * 1024 ** 3, 'Most bytes all scratch folders together hold'),
        sync_bytes: Positive(5 * 1000 ** 3, 'Most bytes one artifacts/shared-resources sync copies'),
        sync_files: Positive(10_000, 'Most files one sync copies'),
        inbox_recipients: Positive(10, 'Most inboxes one message is copied into'),
        channel_creations_per_hour: Positive(10, 'Channels one agent may create per hour'),
        longpoll_max_wait_s: Positive(55, 'The ceiling every /v1/updates wait= is clamped to, in seconds'),
        longpoll_waiters_per_owner: Positive(
          4,
          "Parked /v1/updates requests per handle; a newer one evicts the handle's oldest",
        ),
        longpoll_waiters_total: Positive(
          1024,
          'Parked /v1/updates requests hub-wide; past it a wait is a paced plain poll',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    jobs: Type.Object(
      {
        per_agent: Positive(10, 'Benchmark jobs one agent may submit per quota window'),
        per_hub: Positive(100, 'Benchmark jobs all agents together may submit per quota window'),
        window_hours: Positive(24, 'The quota window: a rolling period, in hours'),
        queued_per_agent: Positive(3, 'Jobs one agent may have waiting in the queue at once'),
        verify: Type.Boolean({ default: true, description: 'Re-run every claim of a new best on the private prompts' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type HubConfig = Static<typeof HubConfigSchema>;
export type ResultsConfig = HubConfig['results'];
export type HubLimits = HubConfig['limits'];
export type JobsConfig = HubConfig['jobs'];
