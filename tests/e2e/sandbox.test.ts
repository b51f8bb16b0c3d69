// External agents' sandbox in a real Chromium against real hubs and supervisors: the spawn form grants folders and
// says what the machine offers, the card shows the confinement, and a machine without a sandbox spawns only at the
// organizer's explicit risk; Settings keeps the grants as agent defaults.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { superviseBeside } from '../../src/agents/supervisor';
import { detectSandbox } from '../../src/platform/sandbox';
import type { SwarmStatus } from '../../src/shared/swarm';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { openDashboard, type DashboardSession } from './helpers/dashboard-browser';

/** An external agent that needs no model: ticks until stopped. */
const TICKER = `
let n = 0;
setInterval(() => console.log('tick ' + ++n), 300);
process.on('SIGTERM', () => process.exit(0));
`;

const support = await detectSandbox();
const root = mkdtempSync(join(tmpdir(), 'collab-desk-e2e-sandbox-'));
// Under /tmp, which the sandbox hides: the agent runs only if the form's "Can read" grant reaches the hub.
const bin = join(root, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'ticker.mjs'), TICKER);
const tickerCommand = `'${process.execPath}' '${join(bin, 'ticker.mjs')}'`;
const cache = join(root, 'cache');
mkdirSync(cache);

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function swarmAgent(hub: TestHub, id: string) {
  return (await hub.call<SwarmStatus>('GET', '/v1/swarm', { token: hub.organizerToken })).body.agents.find(
    (a) => a.agent_id === id,
  );
}

describe.skipIf(support.kind !== 'bubblewrap')('a machine with bubblewrap', () => {
  let hub: TestHub;
  let session: DashboardSession;

  beforeAll(async () => {
    hub = await startTestHub({}, join(root, 'boxed-data'));
    superviseBeside(hub.running, { agentModel: null });
    session = await openDashboard(hub.url, { token: hub.organizerToken, route: 'agents' });
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await hub?.stop();
  }, 30_000);

  it('the form grants a folder to read; a refused grant keeps the form; the agent runs and its card shows its sandbox and the grant', async () => {
    const { page } = session;
    await page.getByRole('button', { name: 'Spawn agents' }).click();
    const form = page.getByRole('form', { name: 'Spawn agents' });
    await form.getByRole('radio', { name: /External/ }).check();
    const offer = form.getByTestId('sandbox-offer');
    await expect.poll(() => offer.getAttribute('data-kind')).toBe('bubblewrap');
    expect(await offer.textContent()).toMatch(/^Runs in bubblewrap: sees only its scratch folder/);
    expect(await form.getByRole('checkbox').count()).toBe(0);

    await form.getByLabel('Command', { exact: true }).fill(tickerCommand);
    await form.getByLabel('Name prefix').fill('boxed');
    // A relative path: the hub refuses it, and says how to name it; nothing typed is lost.
    await form.getByLabel('Can read', { exact: true }).fill('bin');
    await form.getByRole('button', { name: /^Spawn agent/ }).click();
    await expect
      .poll(() => form.getByTestId('spawn-error').textContent())
      .toMatch(/the read grant "bin" is not an absolute path.* — sandbox\.read and sandbox\.write take absolute paths/);
    expect(await form.getByLabel('Command', { exact: true }).inputValue()).toBe(tickerCommand);
    expect(await form.getByLabel('Name prefix').inputValue()).toBe('boxed');
    expect(await form.getByLabel('Can read', { exact: true }).inputValue()).toBe('bin');

    // Blank lines and spaces around a path are typing.
    await form.getByLabel('Can read', { exact: true }).fill(`  ${bin}  \n\n`);
    await form.getByRole('button', { name: /^Spawn agent/ }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toContain('boxed-1');
    expect((await swarmAgent(hub, 'boxed-1'))?.sandbox).toMatchObject({
      kind: 'bubblewrap',
      read: expect.arrayContaining([bin]),
    });

    const card = page.locator('[data-testid=agent-card][data-agent="boxed-1"]');
    await expect.poll(() => card.getAttribute('data-state')).toBe('running');
    // It reads its script through the grant: its output reaches the card.
    await expect.poll(() => card.locator('.agent-last').textContent(), { timeout: 10_000 }).toMatch(/tick \d+/);
    const badge = card.getByTestId('agent-sandbox');
    expect(await badge.textContent()).toBe('sandboxed · bubblewrap');
    expect(await badge.getAttribute('data-sandbox')).toBe('bubblewrap');

    const policy = card.getByTestId('agent-sandbox-policy');
    expect(await policy.getByTestId('sandbox-read').isVisible()).toBe(false);
    await policy.locator('summary').click();
    expect(await policy.getByTestId('sandbox-read').locator('li').allTextContents()).toContain(bin);
    expect(await policy.getByTestId('sandbox-write').textContent()).toContain(join(hub.dataDir, 'scratch', 'boxed-1'));
    expect(await policy.getByTestId('sandbox-hidden').locator('li').allTextContents()).toContain(hub.dataDir);
    expect(await policy.getByTestId('sandbox-processes').textContent()).toContain('its own PID namespace');
    await session.screenshot('agent-sandboxed');
    expect(session.pageErrors).toEqual([]);
  }, 45_000);
});

describe('a machine where no sandbox starts', () => {
  let hub: TestHub;
  let session: DashboardSession;

  beforeAll(async () => {
    hub = await startTestHub({}, join(root, 'open-data'));
    // A bwrap that does not exist, on Linux rules whatever this machine is: the supervisor finds no sandbox.
    superviseBeside(hub.running, {
      agentModel: null,
      sandbox: () => detectSandbox({ ...process.env, COLLAB_DESK_BWRAP: '/nonexistent/bwrap' }, 'linux'),
    });
    session = await openDashboard(hub.url, { token: hub.organizerToken, route: 'settings' });
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await hub?.stop();
  }, 30_000);

  it('Settings saves "Can read" and "Can write" as the agent defaults\' sandbox', async () => {
    const { page } = session;
    const defaults = page.getByTestId('agent-defaults');
    await defaults.getByLabel('Kind').selectOption('external');
    await defaults.getByLabel('Command').fill(tickerCommand);
    await defaults.getByLabel('Can read', { exact: true }).fill(`${bin}\n/usr/share`);
    await defaults.getByLabel('Can write', { exact: true }).fill(cache);
    await defaults.getByRole('button', { name: 'Save defaults' }).click();
    await expect.poll(() => defaults.getByRole('status').textContent()).toContain('Saved');
    expect((await hub.call('GET', '/v1/settings', { token: hub.organizerToken })).body.agent_defaults).toEqual({
      kind: 'external',
      command: tickerCommand,
      sandbox: { read: [bin, '/usr/share'], write: [cache] },
    });
    await page.reload();
    await defaults.getByLabel('Can read', { exact: true }).waitFor();
    expect(await defaults.getByLabel('Can read', { exact: true }).inputValue()).toBe(`${bin}\n/usr/share`);
    expect(await defaults.getByLabel('Can write', { exact: true }).inputValue()).toBe(cache);
    await session.screenshot('settings-agent-sandbox');
    expect(session.pageErrors).toEqual([]);
  });

  it('the spawn form shows why, keeps Spawn disabled until the risk is accepted, and the card then warns', async () => {
    const { page } = session;
    await page.goto(`${hub.url}/#/agents`);
    await page.getByRole('button', { name: 'Spawn agents' }).click();
    const form = page.getByRole('form', { name: 'Spawn agents' });
    // Filled in from the defaults saved above, grants included.
    await expect.poll(() => form.getByRole('radio', { name: /External/ }).isChecked()).toBe(true);
    expect(await form.getByLabel('Can read', { exact: true }).inputValue()).toBe(`${bin}\n/usr/share`);
    expect(await form.getByLabel('Can write', { exact: true }).inputValue()).toBe(cache);

    const offer = form.getByTestId('sandbox-offer');
    await expect.poll(() => offer.getAttribute('data-kind')).toBe('none');
    expect(await offer.textContent()).toContain('bubblewrap (bwrap) is not installed at /nonexistent/bwrap');
    const spawn = form.getByRole('button', { name: /^Spawn agent/ });
    const risk = form.getByRole('checkbox', {
      name: /^Run without a sandbox — it can read the organizer token, the held-out prompts and all your files$/,
    });
    expect(await spawn.isDisabled()).toBe(true);
    expect(await spawn.getAttribute('title')).toMatch(/Run without a sandbox/);

    await form.getByLabel('Name prefix').fill('open');
    await risk.check();
    expect(await spawn.isDisabled()).toBe(false);
    await spawn.click();
    await expect.poll(() => form.getByRole('status').textContent()).toContain('open-1');
    // Accepted for that spawn only: the next one asks again.
    expect(await risk.isChecked()).toBe(false);
    expect(await spawn.isDisabled()).toBe(true);
    expect((await swarmAgent(hub, 'open-1'))?.sandbox?.kind).toBe('none');

    const card = page.locator('[data-testid=agent-card][data-agent="open-1"]');
    await expect.poll(() => card.getAttribute('data-state')).toBe('running');
    await expect.poll(() => card.locator('.agent-last').textContent(), { timeout: 10_000 }).toMatch(/tick \d+/);
    const badge = card.getByTestId('agent-sandbox');
    expect(await badge.textContent()).toBe('NOT sandboxed (risk accepted)');
    expect(await badge.getAttribute('data-sandbox')).toBe('none');
    const policy = card.getByTestId('agent-sandbox-policy');
    await policy.locator('summary').click();
    expect(await policy.getByTestId('sandbox-read').textContent()).toContain('the organizer token');
    await session.screenshot('agent-unsandboxed');

    // Local agents have no shell to confine: the form asks nothing about a sandbox for them.
    await form.getByRole('radio', { name: /Local/ }).check();
    expect(await form.getByTestId('spawn-sandbox').count()).toBe(0);
    expect(await spawn.isDisabled()).toBe(false);
    expect(session.pageErrors).toEqual([]);
  }, 45_000);
});
