// Steps and checks many browser tests share: signing in, waiting for a page, layout.

import assert from 'node:assert/strict';

import { visible } from './browser.mjs';

/** Fills in and sends the sign-in form. */
export async function signIn(page, login, password) {
  await page.getByLabel('Email or username').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Waits for the account page of `user` (its profile shows their email address). */
export async function onAccountPage(page, user) {
  await page.waitForURL((url) => url.pathname === '/account');
  await visible(page.getByRole('heading', { name: 'Your account', level: 1 }));
  await visible(page.getByRole('region', { name: 'Profile' }).getByText(user.email, { exact: true }));
}

/** Waits for the dashboard, where signing in lands unless the page said where to go. */
export async function onDashboard(page) {
  await page.waitForURL((url) => url.pathname === '/dashboard');
  await visible(page.getByRole('heading', { name: /^Welcome/, level: 1 }));
  await visible(page.getByRole('heading', { name: 'Your products', level: 2 }));
}

/** Waits for the sign-in page. */
export async function onSignInPage(page) {
  await page.waitForURL((url) => url.pathname === '/sign-in');
  await visible(page.getByRole('heading', { name: 'Sign in', level: 1 }));
}

/** Signs `user` in from the sign-in page and waits for their account page. */
export async function signInToAccount(session, user, options = {}) {
  const page = await session.open('/sign-in?next=/account', options);
  await signIn(page, user.username, user.password);
  await onAccountPage(page, user);
  return page;
}

/** Fails when the page is wider than the viewport (sideways scrolling on a phone). */
export async function assertNoHorizontalScroll(page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport`);
}

/** Waits until the element with id `id` has focus (pages move focus after drawing). */
export async function focused(page, id) {
  try {
    await page.waitForFunction((id) => document.activeElement?.id === id, id, { timeout: 5_000 });
  } catch {
    const actual = await page.evaluate(() => document.activeElement?.id);
    throw new Error(`focus is on ${JSON.stringify(actual)}, not on #${id}`);
  }
}
