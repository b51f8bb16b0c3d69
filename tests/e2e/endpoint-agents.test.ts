// Agents on a server the person runs, from the dashboard in a real Chromium: the spawn form's "Think on: an endpoint
// you run" offers the server's model names, shows the capability probe's report when it refuses, and the card says
// where the agent thinks and that its probe passed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { superviseBeside } from '../../src/agents/supervisor';
import type { SwarmStatus } from '../../src/shared/swarm';
import { startOpenAiStandin, type OpenAiStandin } from '../helpers/openai-standin';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { openDashboard, type DashboardSession } from './helpers/dashboard-browser';

const KEY = 'sk-standin-e2e-5c8d2b7a9f0e1346';

describe('the spawn form, thinking on an endpoint', () => {
  let hub: TestHub;
  let standin: OpenAiStandin;
  let session: DashboardSession;

  beforeAll(async () => {
    standin = await startOpenAiStandin({ models: { 'capable-model': 'capable', 'text-model': 'text-only' }, key: KEY });
    hub = await startTestHub();
    superviseBeside(hub.running, { agentModel: null, stepDelayMs: 0 });
    session = await openDashboard(hub.url, { token: hub.organizerToken, route: 'agents' });
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await hub?.stop(true);
    await standin?.close();
  }, 30_000);

  it("offers the server's models, shows the probe's report on a refusal, and the card says where the agent thinks", async () => {
    const { page } = session;
    await page.getByRole('button', { name: 'Spawn agents' }).click();
    const form = page.getByRole('form', { name: 'Spawn agents' });
    await form.getByRole('radio', { name: /an endpoint you run/ }).check();
    await form.getByLabel('Endpoint URL').fill(standin.url);
    await form.getByLabel('API key').fill(KEY);
    // Once the URL answers, its models are named and offered for the model field.
    await expect.poll(() => form.getByTestId('endpoint-offer').textContent()).toBe('It has: capable-model, text-model');
    expect(
      await form.locator('#spawn-endpoint-models option').evaluateAll((os) => os.map((o) => o.getAttribute('value'))),
    ).toEqual(['capable-model', 'text-model']);
    await form.getByLabel('Name prefix').fill('remote');
    await form.getByLabel('Max steps').fill('1');

    // A model that answers words instead of tool calls: refused, each check on its line, and the way past it offered.
    await form.getByLabel('Model name').fill('text-model');
    await form.getByRole('button', { name: /^Spawn agent/ }).click();
    const error = form.getByTestId('spawn-error');
    await expect.poll(() => error.textContent()).toContain('the capability probe failed on');
    expect(await error.innerText()).toContain('\n✗ tool call: the endpoint answered text instead of a tool call');
    await expect
      .poll(() => form.getByRole('checkbox', { name: /Start anyway, without the capability probe/ }).count())
      .toBe(1);

    await form.getByLabel('Model name').fill('capable-model');
    await form.getByRole('button', { name: /^Spawn agent/ }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toContain('remote-1 (probe passed 3/3)');

    const card = page.locator('[data-testid=agent-card][data-agent="remote-1"]');
    await expect
      .poll(() => card.getByTestId('agent-endpoint').textContent())
      .toBe(`thinks on ${standin.url} · capable-model`);
    expect(await card.getByTestId('agent-probe').textContent()).toBe('probe passed 3/3');
    expect(await card.getByTestId('agent-probe').getAttribute('title')).toContain(
      '✓ tool call: it called read_result with arguments that fit its schema',
    );
    // The key went from the form to the hub and on to the server, and nowhere the page keeps things.
    const stored = await page.evaluate(
      () =>
        JSON.stringify({ ...(globalThis as any).localStorage }) +
        JSON.stringify({ ...(globalThis as any).sessionStorage }),
    );
    expect(stored).not.toContain(KEY);
    const status = (await hub.call<SwarmStatus>('GET', '/v1/swarm', { token: hub.organizerToken })).text;
    expect(status).not.toContain(KEY);
    await session.screenshot('agent-on-endpoint');
    expect(session.pageErrors).toEqual([]);
  }, 60_000);
});
