// Free trials and the account bar (in the home bundle): a new account starts the Team
// plan's free trial from the dashboard (the seeded catalog offers 14 days with 200
// credits), sees the trial's banner on every page and its credits on `/credits`; with a
// team account too, the account switcher moves the session to the team account, which
// has no banner. On a phone the banner fits.

import assert from 'node:assert/strict';

import { browserTest, DESKTOP, hidden, visible } from '../lib/browser.mjs';
import { assertNoHorizontalScroll, onDashboard, signIn } from '../lib/pages.mjs';
import { freshUser, registerThroughApi } from '../lib/people.mjs';

/** A common phone. */
const PHONE_390 = { width: 390, height: 844 };

/** The text of the switcher's chosen account, once it is `name` (the page may reload). */
async function switcherShows(page, name) {
  await page.waitForFunction(
    (name) => document.getElementById('account-switch')?.selectedOptions[0]?.textContent === name,
    name,
    { timeout: 10_000 },
  );
}

browserTest('a free trial from the dashboard, and switching to a team account', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const team = `Trial Works ${user.username.slice(-6)}`;

  const page = await session.open('/sign-in', { viewport: DESKTOP, label: 'desktop' });
  await signIn(page, user.username, user.password);
  await onDashboard(page);

  // A new account may try Team; one account only, so no switcher, and no banner yet.
  const offer = page.getByRole('region', { name: 'Try Team free for 14 days' });
  await visible(offer.getByText('It comes with 200 credits.', { exact: false }));
  assert.equal(await page.getByRole('combobox', { name: 'Account' }).count(), 0);
  assert.equal(await page.getByText(/^Your free trial ends on/).count(), 0);

  await offer.getByRole('button', { name: 'Start free trial' }).click();
  // The page reloads with a token that knows about the trial.
  const banner = page.getByRole('status').filter({ hasText: /Your free trial ends on \d{1,2} [A-Z][a-z]+ \d{4}\./ });
  await visible(banner);
  await visible(banner.getByRole('link', { name: 'Choose a plan' }));
  assert.equal(await banner.getByRole('link', { name: 'Choose a plan' }).getAttribute('href'), '/billing');
  await hidden(page.getByRole('region', { name: 'Try Team free for 14 days' }));

  // On a phone, the banner fits.
  const phone = await session.open('/dashboard', { viewport: PHONE_390, label: 'phone' });
  await onDashboard(phone);
  await visible(phone.getByText(/^Your free trial ends on/));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'dashboard-trial-phone');
  await phone.close();

  // The trial's credits.
  await page.getByRole('region', { name: 'For developers' }).getByRole('link', { name: 'See your credits' }).click();
  await page.waitForURL((url) => url.pathname === '/credits');
  await visible(page.getByRole('region', { name: 'Balance' }).getByText('200', { exact: true }));
  await visible(page.getByText(/^Your free trial ends on/));

  // A team account, created on /team.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
  await page.waitForURL((url) => url.pathname === '/team');
  const create = page.getByRole('region', { name: 'Create a team account' });
  await create.getByLabel('Team name').fill(team);
  await create.getByRole('button', { name: 'Create team account' }).click();
  await visible(page.getByRole('status').filter({ hasText: `${team} is created` }));

  // Back on the dashboard, the switcher lists both, the personal one first and chosen.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
  await onDashboard(page);
  const switcher = page.getByRole('combobox', { name: 'Account' });
  await visible(switcher);
  const names = await switcher.locator('option').allTextContents();
  assert.equal(names.length, 2);
  assert.match(names[0], / \(personal\)$/);
  assert.equal(names[1], team);
  await switcherShows(page, names[0]);
  await session.screenshot(page, 'dashboard-switcher-desktop');

  // Switching reloads the page as the team account: no trial there, so no banner.
  await Promise.all([page.waitForEvent('load'), switcher.selectOption({ label: team })]);
  await onDashboard(page);
  await hidden(page.getByText(/^Your free trial ends on/));
  await switcherShows(page, team);
  await page.reload();
  await onDashboard(page);
  await switcherShows(page, team);
  assert.equal(await page.getByText(/^Your free trial ends on/).count(), 0);
});
