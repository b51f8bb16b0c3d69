// The dashboard's frame in a real Chromium against a real hub: served at `/` under a strict CSP, panels by feature, sign-in.
import { describe, expect, it } from 'vitest';
import { withDashboard } from './helpers/with-dashboard';

const { hub, session } = withDashboard();

describe('the dashboard at /', () => {
  it('is served with a strict Content-Security-Policy and hashed assets cached for good', async () => {
    const page = await hub.call('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const asset = /src="\.?(\/assets\/[^"]+\.js)"/.exec(page.text)![1]!;
    const js = await hub.call('GET', asset);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    // The API's own 404 stays JSON; the dashboard claims no other path.
    const missing = await hub.call('GET', '/v1/nothing-here');
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  it('shows only the panels whose feature this hub runs, read-only until the organizer signs in', async () => {
    const { page } = session;
    const nav = await page.locator('nav.sidebar .nav-item').allTextContents();
    expect(nav.join(' ')).toContain('Board');
    expect(nav.join(' ')).toContain('Leaderboard');
    // This hub runs no jobs and no swarm: those panels are not there at all.
    expect(nav.join(' ')).not.toContain('Jobs');
    expect(nav.join(' ')).not.toContain('Agents');
    // Escape closes the sign-in box; opening it again puts the cursor in the token field.
    await page.getByText('Read-only · Sign in').click();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#organizer-token').count()).toBe(0);
    await page.getByText('Read-only · Sign in').click();
    await page.keyboard.type('not-the-token');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.locator('.sign-in [role=alert]').textContent()).toBeTruthy();
    await page.locator('#organizer-token').fill(hub.organizerToken);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForSelector('[data-testid=who] .badge-organizer');
    await expect.poll(() => page.locator('[data-testid=connection]').textContent()).toBe('live');
    expect(session.pageErrors).toEqual([]);
  });

  it('keeps in-app links from agents in the window and sends web links to the browser', async () => {
    const token = await hub.register('linker');
    await hub.call('POST', '/v1/messages', {
      token,
      body: { body: 'See [the leaderboard](#/leaderboard) and [the docs](https://example.org/docs).' },
    });
    const { page } = session;
    await page.goto(`${hub.url}/#/board`);
    const inApp = page.getByRole('link', { name: 'the leaderboard' });
    await inApp.waitFor();
    expect(await inApp.getAttribute('target')).toBeNull();
    const web = page.getByRole('link', { name: 'the docs' });
    expect(await web.getAttribute('target')).toBe('_blank');
    expect(await web.getAttribute('rel')).toContain('noopener');
    await inApp.click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/leaderboard');
    expect(session.pageErrors).toEqual([]);
  });
});
