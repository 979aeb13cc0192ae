// Getting back in without the password: a reset link, or a sign-in code, by email.

import assert from 'node:assert/strict';
import { browserTest, DESKTOP, PHONE, visible } from '../lib/browser.mjs';
import { onDashboard } from '../lib/pages.mjs';
import { emailedMatch, freshUser, registerThroughApi } from '../lib/people.mjs';

const NEW_PASSWORD = 'amber meadow 58 compass';

/** Waits for the account page of `user`. */
async function onAccountPage(page, user) {
  await page.waitForURL((url) => url.pathname === '/account');
  await visible(page.getByRole('heading', { name: 'Your account', level: 1 }));
  await visible(page.getByRole('region', { name: 'Profile' }).getByText(user.email, { exact: true }));
}

/** Fails when the page is wider than the viewport (sideways scrolling on a phone). */
async function assertNoHorizontalScroll(page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport`);
}

browserTest('a forgotten password is reset with the emailed link, once', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);

  const page = await session.open('/sign-in', { viewport: DESKTOP, label: 'desktop' });
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.waitForURL((url) => url.pathname === '/forgot-password');
  await visible(page.getByRole('heading', { name: 'Reset your password', level: 1 }));
  assert.equal(await page.title(), 'Reset your password · Gatehouse');

  // Nothing is sent without a plausible address.
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await visible(page.getByText('Enter your email address.'));
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'email');

  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  const sent = await visible(page.getByRole('status'));
  await visible(sent.getByText('If an account uses that address, we sent a link to reset its password.'));
  await session.screenshot(page, 'link-sent');

  // The link, on a phone.
  const link = await emailedMatch(user.email, /http\S+\/reset-password\?token=\S+/);
  const path = new URL(link).pathname + new URL(link).search;
  const phone = await session.open(path, { viewport: PHONE, label: 'phone' });
  await visible(phone.getByRole('heading', { name: 'Choose a new password', level: 1 }));
  const password = phone.getByLabel('New password', { exact: true });
  assert.equal(await password.getAttribute('autocomplete'), 'new-password');

  // The length rule is checked in the browser, next to the field.
  await password.fill('short');
  await password.press('Tab');
  await visible(phone.getByText('New password must be at least 8 characters.'));
  assert.equal(await password.getAttribute('aria-invalid'), 'true');
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'too-short-phone');

  // The API's own rules come back next to the field too.
  await password.fill('password');
  await phone.getByRole('button', { name: 'Set new password' }).click();
  await visible(phone.getByText(/^New password is too common/));

  await password.fill(NEW_PASSWORD);
  await password.press('Enter');
  await visible(phone.getByRole('heading', { name: 'Your password is changed', level: 1 }));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'password-changed-phone');

  // Signing in with the new password works.
  await phone.getByRole('link', { name: 'Sign in', exact: true }).last().click();
  await phone.waitForURL((url) => url.pathname === '/sign-in');
  await phone.getByLabel('Email or username').fill(user.email);
  await phone.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
  await phone.getByRole('button', { name: 'Sign in', exact: true }).click();
  await onDashboard(phone);

  // The link works once; after that it offers a new one.
  const again = await session.open(path, { viewport: DESKTOP, label: 'used-link' });
  await again.getByLabel('New password', { exact: true }).fill('another 77 fine phrase');
  await again.getByRole('button', { name: 'Set new password' }).click();
  const failed = await visible(again.getByRole('alert'));
  await visible(failed.getByRole('heading', { name: 'This link did not work', level: 1 }));
  await visible(failed.getByRole('link', { name: 'Ask for a new link' }));
  await session.screenshot(again, 'used-link');
});

browserTest('signing in with an emailed code lands on the dashboard', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);

  const page = await session.open('/sign-in', { viewport: PHONE, label: 'phone' });
  await visible(page.getByRole('heading', { name: 'Sign in', level: 1 }));
  const toggle = page.getByRole('button', { name: 'Email me a sign-in code' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await visible(page.getByRole('heading', { name: 'Sign in with an emailed code', level: 2 }));
  const email = page.getByLabel('Email', { exact: true });
  await page.waitForFunction(() => document.activeElement?.id === 'email');
  await email.fill(user.email);
  await email.press('Enter');
  await visible(page.getByText(`If an account uses ${user.email}, we sent a 6-digit code to it.`, { exact: false }));

  const input = page.getByLabel('Sign-in code');
  assert.equal(await input.getAttribute('inputmode'), 'numeric');
  assert.equal(await input.getAttribute('autocomplete'), 'one-time-code');
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'code-sent-phone');

  // The code on its own line of the text body (not digits from anywhere else in a mail).
  const code = (await emailedMatch(user.email, /^ {4}\d{6}$/m)).trim();

  // A wrong code is refused, and the field is emptied for another try.
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  await input.fill(wrong);
  await page.getByRole('button', { name: 'Sign in with code' }).click();
  await visible(page.getByRole('alert').getByText(/^That code did not work/));
  assert.equal(await input.inputValue(), '');
  await session.screenshot(page, 'wrong-code-phone');

  await input.fill(code);
  await page.getByRole('button', { name: 'Sign in with code' }).click();
  await onDashboard(page);
  await visible(page.getByRole('link', { name: `Your account: ${user.firstName} ${user.lastName}` }));
});
