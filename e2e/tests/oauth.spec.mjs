// "Continue with Google / GitHub" against the fake providers `cargo xtask e2e` serves
// (gatehouse-fakes: a consent page where you type who you are, PKCE checked like the
// real providers do).

import assert from 'node:assert/strict';
import { browserTest, DESKTOP, PHONE, visible } from '../lib/browser.mjs';
import { onDashboard } from '../lib/pages.mjs';
import { freshUser } from '../lib/people.mjs';

/** Answers the fake provider's consent page. */
async function consent(page, provider, user, decision = 'Continue') {
  await page.waitForURL((url) => url.pathname === `/${provider}/authorize`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('First name').fill(user.firstName);
  await page.getByLabel('Last name').fill(user.lastName);
  await page.getByRole('button', { name: decision }).click();
}

browserTest('a new person signs up with Google and lands where they were going', async (session) => {
  const user = freshUser();
  const page = await session.open('/sign-in?next=/pricing/main', { viewport: PHONE, label: 'sign-in' });
  await page.getByRole('link', { name: 'Continue with Google' }).click();
  await consent(page, 'google', user);
  await page.waitForURL((url) => url.pathname === '/pricing/main');
  // The silent refresh on load signed them in from the cookie the callback set.
  await visible(page.getByRole('link', { name: `Your account: ${user.firstName} ${user.lastName}` }));
  await page.goto(`${new URL(page.url()).origin}/account`);
  await visible(page.getByText(user.email, { exact: true }).first());
});

browserTest('GitHub works from the sign-up page, and cancelling says so', async (session) => {
  const user = freshUser();
  const page = await session.open('/sign-up', { viewport: DESKTOP, label: 'sign-up' });
  await page.getByRole('link', { name: 'Continue with GitHub' }).click();
  await consent(page, 'github', user, 'Cancel');
  await page.waitForURL((url) => url.pathname === '/sign-in' && url.searchParams.get('oauth_error') === 'oauth_cancelled');
  await visible(page.getByText('Sign-in was cancelled at the provider.'));

  await page.getByRole('link', { name: 'Continue with GitHub' }).click();
  await consent(page, 'github', user);
  await onDashboard(page);
  assert.ok(!page.url().includes('oauth_error'));
});
