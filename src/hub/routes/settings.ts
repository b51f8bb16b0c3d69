// Settings routes: the data folder, the machine's compute and the agent defaults for everyone to read (the external command for the organizer); the organizer saves the defaults.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ModelLibrary } from '../../shared/models';
import { AgentDefaults, AgentDefaultsSaved, SettingsInfo, WelcomeSeen } from '../../shared/settings';
import { readAgentDefaults, writeAgentDefaults } from '../agent-defaults';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { callerOf, requireOrganizer } from '../identity';
import { describe } from './route-options';

/** When the first-start welcome was closed on this data folder; null when never (or its file does not read). */
function welcomeSeenAt(file: string): string | null {
  try {
    const seen = (JSON.parse(readFileSync(file, 'utf8')) as { seen_at?: unknown }).seen_at;
    return typeof seen === 'string' ? seen : null;
  } catch {
    return null;
  }
}

/** The defaults as readers other than the organizer see them: an external agent's command line may hold keys or private paths. */
function publicAgentDefaults(defaults: AgentDefaults): AgentDefaults {
  const shown = { ...defaults };
  // The command line may hold keys; the sandbox grants name the organizer's folders.
  delete shown.command;
  delete shown.sandbox;
  return shown;
}

export const settingsRoutes =
  (hub: HubContext, models: ModelLibrary | null, baseUrl: () => string): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/settings',
      describe(
        'Settings: the data folder, the llama.cpp backend and GPU, the agent defaults the spawn form starts from (their external command: organizer only)',
        'none',
        { 200: SettingsInfo },
      ),
      async (request): Promise<SettingsInfo> => {
        const organizer = callerOf(hub, request)?.kind === 'organizer';
        const defaults = readAgentDefaults(hub.layout.settings);
        return {
          data_dir: hub.layout.root,
          hub_url: baseUrl() || null,
          system: models ? await models.system() : null,
          agent_defaults: organizer ? defaults : publicAgentDefaults(defaults),
          welcome_seen_at: welcomeSeenAt(hub.layout.welcome),
        };
      },
    );

    app.put(
      '/v1/settings/welcome',
      describe(
        "Mark the desktop app's first-start welcome as read: it no longer opens by itself on this data folder",
        'organizer',
        { 200: WelcomeSeen },
      ),
      async (request): Promise<WelcomeSeen> => {
        requireOrganizer(hub, request);
        const seen = welcomeSeenAt(hub.layout.welcome);
        if (seen) return { welcome_seen_at: seen };
        const seen_at = new Date().toISOString();
        const temp = `${hub.layout.welcome}.tmp`;
        writeFileSync(temp, JSON.stringify({ seen_at }) + '\n');
        renameSync(temp, hub.layout.welcome);
        return { welcome_seen_at: seen_at };
      },
    );

    app.put(
      '/v1/settings/agent-defaults',
      {
        schema: { body: AgentDefaults },
        ...describe(
          'Save the agent defaults {count?, kind?, command?, model?, role?, budget_tokens?, jobs_per_day?, max_steps?} (replaces them whole)',
          'organizer',
          { 200: AgentDefaultsSaved },
        ),
      },
      async (request): Promise<AgentDefaultsSaved> => {
        const caller = requireOrganizer(hub, request);
        const defaults = request.body;
        // The spawn route would refuse these together; saving them would pre-fill a form that cannot be sent.
        if (defaults.kind === 'local' && defaults.command !== undefined) {
          throw new HubError(
            'INVALID_BODY',
            'body.command is for external agents, but body.kind is "local"',
            'leave command out for local agents, or set kind to "external"',
          );
        }
        if (defaults.kind === 'external' && defaults.command === undefined) {
          throw new HubError(
            'INVALID_BODY',
            'body.kind is "external" but there is no body.command',
            'give the command external agents run, e.g. "my-agent --prompt-file {prompt_file}"',
          );
        }
        writeAgentDefaults(hub.layout.settings, defaults);
        await hub.note({
          actor: caller.handle,
          action: 'settings.agent_defaults',
          target: 'agent_defaults',
          detail: { fields: Object.keys(defaults) },
        });
        return { agent_defaults: readAgentDefaults(hub.layout.settings) };
      },
    );
  };
