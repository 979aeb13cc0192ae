// Two-factor authentication against the real API: enrolling an authenticator app (whose
// codes node computes from the secret the page shows), signing in with its codes and with
// a recovery code, and turning it off.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { browserTest, DESKTOP, hidden, PHONE, visible } from '../lib/browser.mjs';
import { freshUser, registerThroughApi } from '../lib/people.mjs';
import {
  assertNoHorizontalScroll,
  focused,
  onAccountPage,
  onSignInPage,
  signIn,
  signInToAccount,
} from '../lib/pages.mjs';
import { freshCode } from '../lib/totp.mjs';

/** Turns two-factor authentication on from the account page; the secret and the codes. */
async function enrol(session, page) {
  const card = page.getByRole('region', { name: 'Two-factor authentication' });
  await visible(card.getByText('Off', { exact: true }));
  await card.getByRole('button', { name: 'Set up two-factor authentication' }).click();

  // A QR code, and the key to type by hand, in groups of four.
  await visible(card.getByRole('img', { name: 'QR code to add Gatehouse to your authenticator app' }));
  assert.ok(await card.locator('.qr svg').count(), 'the QR code is not an inline SVG');
  const shown = await card.getByLabel('Setup key').textContent();
  assert.match(shown, /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
  const secret = shown.replace(/\s/g, '');
  await session.screenshot(page, 'set-up');

  // The code field is for digits; a wrong code is refused next to it.
  const code = card.getByLabel('Code from the app');
  assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');
  assert.equal(await code.getAttribute('inputmode'), 'numeric');
  await code.fill('12345');
  await card.getByRole('button', { name: 'Turn on' }).click();
  await visible(card.getByText('The code is the 6 digits your authenticator app shows.'));

  const first = freshCode(secret);
  await code.fill(first.code);
  await card.getByRole('button', { name: 'Turn on' }).click();

  // The recovery codes, once.
  await visible(card.getByRole('heading', { name: 'Save your recovery codes now' }));
  const codes = await card.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
  assert.equal(codes.length, 10);
  for (const recovery of codes) assert.match(recovery, /^[a-z0-9]{5}-[a-z0-9]{5}$/);
  return { card, secret, codes, step: first.step };
}

browserTest('two-factor authentication: enrol, sign in with the app and with a recovery code, turn off', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const page = await signInToAccount(session, user, { viewport: DESKTOP, label: 'desktop' });
  const { card, secret, codes, step } = await enrol(session, page);
  await session.screenshot(page, 'recovery-codes');

  const download = page.waitForEvent('download');
  await card.getByRole('button', { name: 'Download codes' }).click();
  const file = await download;
  assert.equal(file.suggestedFilename(), 'gatehouse-recovery-codes.txt');
  const saved = await readFile(await file.path(), 'utf8');
  for (const recovery of codes) assert.ok(saved.includes(recovery), `${recovery} is not in the file`);

  await card.getByRole('button', { name: 'I have saved my codes' }).click();
  await hidden(card.getByRole('list', { name: 'Recovery codes' }));
  await visible(card.getByText('On', { exact: true }));
  await visible(card.getByRole('status').getByText('Two-factor authentication is on.'));
  await visible(card.getByRole('button', { name: 'Turn off two-factor authentication' }));

  // Signing in now takes a second step.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await onSignInPage(page);
  await signIn(page, user.username, user.password);
  await visible(page.getByRole('heading', { name: 'Two-factor authentication', level: 1 }));
  const appCode = page.getByLabel('Authentication code');
  assert.equal(await appCode.getAttribute('autocomplete'), 'one-time-code');
  assert.equal(await appCode.getAttribute('inputmode'), 'numeric');
  await focused(page, 'mfa-code');
  await session.screenshot(page, 'code-step');

  await appCode.fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await visible(page.getByRole('alert').getByText(/That code did not work/));
  const next = freshCode(secret, step);
  await appCode.fill(next.code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await onAccountPage(page, user);

  // A recovery code instead of the app, on a phone.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  const phone = await session.open('/sign-in?next=/account', { viewport: PHONE, label: 'phone' });
  await signIn(phone, user.email, user.password);
  await phone.getByRole('button', { name: 'Use a recovery code instead' }).click();
  const recovery = phone.getByLabel('Recovery code');
  await focused(phone, 'mfa-recovery-code');
  await recovery.fill(codes[0].toUpperCase());
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'recovery-code-phone');
  await phone.getByRole('button', { name: 'Verify' }).click();
  await onAccountPage(phone, user);

  // Turning it off needs the password.
  const phoneCard = phone.getByRole('region', { name: 'Two-factor authentication' });
  await phoneCard.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
  await focused(phone, 'mfa-off-password');
  await phoneCard.getByLabel('Password').fill('not my password');
  await phoneCard.getByRole('button', { name: 'Turn off', exact: true }).click();
  await visible(phoneCard.getByText('Password is not correct.'));
  await phoneCard.getByLabel('Password').fill(user.password);
  await phoneCard.getByRole('button', { name: 'Turn off', exact: true }).click();
  await visible(phoneCard.getByRole('status').getByText('Two-factor authentication is off.'));
  await visible(phoneCard.getByText('Off', { exact: true }));
  await assertNoHorizontalScroll(phone);

  // And the next sign-in is one step again.
  await phone.getByRole('button', { name: 'Sign out', exact: true }).click();
  await onSignInPage(phone);
  await signIn(phone, user.username, user.password);
  await onAccountPage(phone, user);
});

browserTest('a used recovery code does not work twice, and too many wrong codes end the attempt', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const page = await signInToAccount(session, user, { label: 'desktop' });
  const { card, codes } = await enrol(session, page);
  await card.getByRole('button', { name: 'I have saved my codes' }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await onSignInPage(page);

  await signIn(page, user.username, user.password);
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(codes[1]);
  await page.getByRole('button', { name: 'Verify' }).click();
  await onAccountPage(page, user);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await onSignInPage(page);

  await signIn(page, user.username, user.password);
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  // Four refusals clear the field for another try; the fifth closes the attempt.
  for (let attempt = 1; attempt <= 4; attempt += 1) {
    await page.getByLabel('Recovery code').fill(codes[1]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForFunction(() => document.getElementById('mfa-recovery-code').value === '');
  }
  await visible(page.getByRole('alert').getByText(/used already/));
  await page.getByLabel('Recovery code').fill(codes[1]);
  await page.getByRole('button', { name: 'Verify' }).click();
  await visible(page.getByRole('alert').getByText(/Please sign in again/));
  await hidden(page.getByRole('button', { name: 'Verify' }));
  await session.screenshot(page, 'closed');
  await page.getByRole('button', { name: 'Sign in again' }).click();
  await visible(page.getByRole('heading', { name: 'Sign in', level: 1 }));
  await focused(page, 'login');
});

browserTest('coming back from a provider: its error is told, and a second-factor challenge opens the code step', async (session) => {
  const page = await session.open('/sign-in?oauth_error=oauth_cancelled', { label: 'desktop' });
  await visible(page.getByRole('alert').getByText('Sign-in was cancelled at the provider.'));

  // The challenge travels in the fragment; the page takes it and drops it from the address.
  await page.goto(`${new URL(page.url()).origin}/sign-in?next=/account#mfa_token=not-a-real-challenge`);
  await visible(page.getByRole('heading', { name: 'Two-factor authentication', level: 1 }));
  await page.waitForFunction(() => window.location.hash === '');
  assert.equal(new URL(page.url()).search, '?next=/account');
  await focused(page, 'mfa-code');
  await page.getByLabel('Authentication code').fill('123456');
  await page.getByRole('button', { name: 'Verify' }).click();
  await visible(page.getByRole('alert').getByText(/That code did not work/));
  await page.getByRole('button', { name: 'Sign in again' }).click();
  await visible(page.getByRole('heading', { name: 'Sign in', level: 1 }));
});
