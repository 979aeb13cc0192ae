// Account recovery (/recovery, in the onboarding bundle): a customer whose subscription
// ended proves the address with an emailed code, sees what comes back, and pays again at
// the fake Stripe; an active account is sent to sign in. (Password recovery is
// recovery.spec.mjs.)

import assert from 'node:assert/strict';

import { baseUrl, browserTest, DESKTOP, hidden, visible } from '../lib/browser.mjs';
import { accountBecomes, cancelAtStripe, payingCustomer } from '../lib/customers.mjs';
import { assertNoHorizontalScroll, focused, onSignInPage } from '../lib/pages.mjs';
import { emailedCode, freshUser, registerThroughApi } from '../lib/people.mjs';

/** The narrowest phone we design for. */
const SMALL_PHONE = { width: 360, height: 740 };

/** The newest recovery code emailed to `address`. */
function recoveryCode(address) {
  return emailedCode(address, 'recovery_code');
}

/** From /recovery: asks for a code for `login` and waits for the code step. */
async function askForCode(page, login) {
  await visible(page.getByRole('heading', { name: 'Recover your account', level: 1 }));
  await page.getByLabel('Email or username').fill(login);
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.waitForURL((url) => url.pathname === '/recovery/code');
  await visible(page.getByRole('heading', { name: 'Check your email', level: 1 }));
}

browserTest('a cancelled customer proves the address, sees what comes back, and pays to restore it', async (session) => {
  const user = freshUser();
  const stripe = await payingCustomer(user);
  await cancelAtStripe(stripe, user);

  // The wizard's first page leads to recovery (same bundle, no page load).
  const page = await session.open('/onboarding', { viewport: SMALL_PHONE, label: 'recovery-phone' });
  await page.getByRole('link', { name: 'Recover your account' }).click();
  await page.waitForURL((url) => url.pathname === '/recovery');
  assert.equal(await page.title(), 'Recover your account · Gatehouse');
  await focused(page, 'recovery-title');
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'recovery-ask-phone');

  // Nothing typed: an inline error, nothing sent.
  await page.getByRole('button', { name: 'Send code' }).click();
  await visible(page.getByText('Enter your email address or username.'));
  assert.equal(await page.getByLabel('Email or username').getAttribute('aria-invalid'), 'true');

  await askForCode(page, user.username);
  await visible(page.getByText(user.username, { exact: true }));
  // A resend has to wait for the API's minute.
  assert.ok(await page.getByRole('button', { name: /^Resend code in \d+ s$/ }).isDisabled());
  const code = page.getByLabel('6-digit code');
  await code.fill('12');
  await page.getByRole('button', { name: 'Continue' }).click();
  await visible(page.getByText('Enter the 6-digit code from the email.'));
  await code.fill(await recoveryCode(user.email));
  // Six digits typed: the error goes.
  await hidden(page.getByText('Enter the 6-digit code from the email.'));
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'recovery-code-phone');
  await page.getByRole('button', { name: 'Continue' }).click();

  // What comes back, and until when.
  await page.waitForURL((url) => url.pathname === '/recovery/restore');
  await visible(page.getByRole('heading', { name: 'Restore your account', level: 1 }));
  const restored = page.getByRole('region', { name: 'What will be restored' });
  await visible(restored.getByRole('listitem').filter({ hasText: /^Team$/ }));
  await visible(restored.getByRole('listitem').filter({ hasText: 'Extra storage 100 GB × 2' }));
  await visible(restored.getByText(/^You can restore it until \d{1,2} \w+ \d{4}; after that its data is deleted\.$/));
  // A reload keeps the step (the token lives in sessionStorage).
  await page.reload();
  await visible(page.getByRole('heading', { name: 'Restore your account', level: 1 }));
  await visible(restored.getByRole('listitem').filter({ hasText: 'Extra storage 100 GB × 2' }));
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'recovery-restore-phone');

  // Pay at the fake Stripe: the same items again; the webhook brings the account back.
  await page.getByRole('button', { name: 'Pay and restore' }).click();
  await page.waitForURL((url) => url.origin === stripe && url.pathname.startsWith('/checkout/'));
  await session.screenshot(page, 'recovery-fake-stripe-checkout');
  await page.getByRole('button', { name: 'Pay', exact: true }).click();
  // Stripe returns to the main app's billing page (which asks to sign in first).
  await page.waitForURL((url) => url.origin === baseUrl());
  await accountBecomes(user.email, 'active');
});

browserTest('an active account is told to sign in, and a wrong code is refused inline', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const page = await session.open('/recovery', { viewport: DESKTOP, label: 'recovery-active' });
  await askForCode(page, user.email);
  // The resend button counts down the API's minute.
  await visible(page.getByRole('button', { name: /^Resend code in ([1-5]\d|\d) s$/ }));

  // "Use another email or username" goes back with the address kept; asking again within
  // the minute sends nothing new (the code emailed first still works).
  await page.getByRole('link', { name: 'Use another email or username' }).click();
  await page.waitForURL((url) => url.pathname === '/recovery');
  assert.equal(await page.getByLabel('Email or username').inputValue(), user.email);
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.waitForURL((url) => url.pathname === '/recovery/code');
  await visible(page.getByRole('heading', { name: 'Check your email', level: 1 }));

  const real = await recoveryCode(user.email);
  const code = page.getByLabel('6-digit code');
  await code.fill(real === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Continue' }).click();
  await visible(page.getByText('Code is not the code we sent, or it has expired: ask for a new one.'));
  assert.equal(await code.getAttribute('aria-invalid'), 'true');
  await focused(page, 'code');
  await session.screenshot(page, 'recovery-wrong-code');

  await code.fill(real);
  await page.getByRole('button', { name: 'Continue' }).click();
  const notice = page.getByRole('status').filter({ hasText: 'Your account is active' });
  await visible(notice.getByText('This account is active: sign in as usual.'));
  const signIn = notice.getByRole('link', { name: 'Sign in' });
  assert.equal(await signIn.getAttribute('rel'), 'external');
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'recovery-already-active');
  await signIn.click();
  await onSignInPage(page);
});
