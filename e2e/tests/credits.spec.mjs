// Credits (`/credits`, in the home bundle), read only: a new account's balance and its
// empty history, reached from the dashboard. (Granting credits needs a staff member with
// two-factor authentication, which the browser tests' helpers do not make yet: the
// ledger's entries are covered by the API's tests and the page's unit tests.)

import assert from 'node:assert/strict';

import { browserTest, DESKTOP, visible } from '../lib/browser.mjs';
import { assertNoHorizontalScroll, onDashboard, signIn } from '../lib/pages.mjs';
import { freshUser, registerThroughApi } from '../lib/people.mjs';

browserTest('a new account has no credits, and says so', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const page = await session.open('/sign-in', { viewport: DESKTOP, label: 'desktop' });
  await signIn(page, user.username, user.password);
  await onDashboard(page);
  await page.getByRole('region', { name: 'For developers' }).getByRole('link', { name: 'See your credits' }).click();
  await page.waitForURL((url) => url.pathname === '/credits');
  await visible(page.getByRole('heading', { name: 'Credits', level: 1 }));
  assert.equal(await page.title(), 'Credits · Gatehouse');
  const balance = page.getByRole('region', { name: 'Balance' });
  await visible(balance.getByText('0', { exact: true }));
  await visible(page.getByRole('region', { name: 'History' }).getByText('No credits have come or gone yet.'));

  const phone = await session.open('/credits', { viewport: { width: 360, height: 780 }, label: 'phone' });
  await visible(phone.getByRole('region', { name: 'Balance' }));
  await assertNoHorizontalScroll(phone);
});
