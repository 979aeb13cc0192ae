// Account settings against the real API: name, preferences, password, personal data,
// deactivation.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { baseUrl, browserTest, CLIENT, hidden, PHONE, visible } from '../lib/browser.mjs';
import { freshUser, registerThroughApi } from '../lib/people.mjs';
import {
  assertNoHorizontalScroll,
  focused,
  onAccountPage,
  onSignInPage,
  signIn,
  signInToAccount,
} from '../lib/pages.mjs';

const NEW_PASSWORD = 'copper kettle 72 orchard';

browserTest('a new name and preferences are saved and survive a reload', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const page = await signInToAccount(session, user, { label: 'desktop' });

  // The name: a form in the profile card, filled in with the current one.
  const profile = page.getByRole('region', { name: 'Profile' });
  await profile.getByRole('button', { name: 'Change name' }).click();
  const first = page.getByLabel('First name');
  assert.equal(await first.inputValue(), user.firstName);
  await focused(page, 'first_name');
  await first.fill('Grace');
  await page.getByLabel('Last name').fill('Hopper');
  await page.getByRole('button', { name: 'Save name' }).click();
  await visible(profile.getByRole('status').getByText('Your name is saved.'));
  await visible(profile.getByText('Grace Hopper', { exact: true }));
  await visible(page.getByRole('link', { name: 'Your account: Grace Hopper' }));
  await hidden(page.getByLabel('First name'));

  // Preferences: a dark theme (applied to the page at once) and no product news.
  const preferences = page.getByRole('region', { name: 'Preferences' });
  await preferences.getByRole('radio', { name: 'Dark' }).check();
  await preferences.getByRole('checkbox', { name: 'Email me about product updates' }).check();
  await preferences.getByRole('button', { name: 'Save preferences' }).click();
  await visible(preferences.getByRole('status').getByText('Your preferences are saved.'));
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await session.screenshot(page, 'saved-dark');

  await page.reload();
  await onAccountPage(page, user);
  await visible(page.getByRole('region', { name: 'Profile' }).getByText('Grace Hopper', { exact: true }));
  const reloaded = page.getByRole('region', { name: 'Preferences' });
  assert.equal(await reloaded.getByRole('radio', { name: 'Dark' }).isChecked(), true);
  assert.equal(await reloaded.getByRole('checkbox', { name: 'Email me about product updates' }).isChecked(), true);
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');

  // Back to the device's theme.
  await reloaded.getByRole('radio', { name: 'Match this device' }).check();
  await reloaded.getByRole('button', { name: 'Save preferences' }).click();
  await visible(reloaded.getByRole('status').getByText('Your preferences are saved.'));
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), undefined);
});

browserTest('changing the password checks the current one and the new one signs in', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const page = await signInToAccount(session, user, { viewport: PHONE, label: 'phone' });
  const card = page.getByRole('region', { name: 'Password' });
  const current = card.getByLabel('Current password');
  const fresh = card.getByLabel('New password');

  // The length rule is checked in the browser, next to the field.
  await fresh.fill('short');
  await fresh.press('Tab');
  await visible(card.getByText('New password must be at least 8 characters.'));
  assert.equal(await fresh.getAttribute('aria-invalid'), 'true');

  // A wrong current password comes back from the API next to its field.
  await current.fill('not my password');
  await fresh.fill(NEW_PASSWORD);
  await card.getByRole('button', { name: 'Change password' }).click();
  await visible(card.getByText('Current password is not correct.'));
  assert.equal(await current.getAttribute('aria-invalid'), 'true');
  await focused(page, 'current_password');
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'wrong-current-password-phone');

  await current.fill(user.password);
  await card.getByRole('button', { name: 'Change password' }).click();
  await visible(card.getByRole('status').getByText(/Your password is changed/));
  assert.equal(await current.inputValue(), '');

  // Still signed in here; signing in again takes the new password, not the old one.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await onSignInPage(page);
  await signIn(page, user.username, user.password);
  await visible(page.getByRole('alert').getByText('The login or password is not correct.'));
  await signIn(page, user.username, NEW_PASSWORD);
  await onAccountPage(page, user);
});

browserTest('my data downloads as JSON that holds my email address', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const page = await signInToAccount(session, user, { label: 'desktop' });
  const card = page.getByRole('region', { name: 'Your data' });
  const download = page.waitForEvent('download');
  await card.getByRole('button', { name: 'Download my data' }).click();
  const file = await download;
  assert.equal(file.suggestedFilename(), 'gatehouse-data.json');
  const data = JSON.parse(await readFile(await file.path(), 'utf8'));
  assert.equal(data.user.email, user.email);
  await visible(card.getByRole('status').getByText('Your data is saved as gatehouse-data.json.'));
});

browserTest('a deactivated account is signed out and cannot sign in again', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const page = await signInToAccount(session, user, { viewport: PHONE, label: 'phone' });
  const card = page.getByRole('region', { name: 'Deactivate account' });
  await card.getByRole('button', { name: 'Deactivate account…' }).click();
  await focused(page, 'deactivate-password');

  // Both the password and an explicit confirmation are needed.
  await card.getByRole('button', { name: 'Deactivate my account' }).click();
  await visible(card.getByText('Enter your password.'));
  await visible(card.getByText('Tick the box to confirm you want to deactivate your account.'));
  await card.getByLabel('Your password').fill('not my password');
  await card.getByRole('checkbox', { name: /I understand/ }).check();
  await card.getByRole('button', { name: 'Deactivate my account' }).click();
  await visible(card.getByText('Your password is not correct.'));
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'deactivate-wrong-password-phone');

  await card.getByLabel('Your password').fill(user.password);
  await card.getByRole('button', { name: 'Deactivate my account' }).click();

  // Home, with a word about it, and signed out.
  await page.waitForURL((url) => url.pathname === '/');
  await visible(page.getByRole('status').getByText(/Your account is deactivated/));
  await visible(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }));
  await session.screenshot(page, 'deactivated-phone');
  // Leaving the page ends the message.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).click();
  await onSignInPage(page);
  await hidden(page.getByText(/Your account is deactivated/));

  await signIn(page, user.username, user.password);
  await visible(page.getByRole('alert'));
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  // And the API agrees: no session comes back.
  const response = await fetch(`${baseUrl()}/api/v1/auth/login`, {
    method: 'POST',
    headers: { ...CLIENT, 'content-type': 'application/json' },
    body: JSON.stringify({ login: user.email, password: user.password }),
  });
  assert.equal(response.status, 401);
});
