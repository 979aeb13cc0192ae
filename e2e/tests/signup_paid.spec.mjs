// The sign-up-and-pay wizard end to end: plan, add-ons, storage, account with an emailed
// code, the fake Stripe checkout, and the success page that waits for the webhook.

import assert from 'node:assert/strict';

import { browserTest, PHONE, visible } from '../lib/browser.mjs';
import { onDashboard, signIn } from '../lib/pages.mjs';
import { emailedCode, emailedMatch, freshUser, PASSWORD, registerThroughApi } from '../lib/people.mjs';

/** The newest onboarding code emailed to `address`. */
function onboardingCode(address) {
  return emailedCode(address, 'onboarding_code');
}

async function assertNoHorizontalScroll(page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport`);
}

async function toAccountStep(page, user) {
  await page.getByLabel('Your first name').fill(user.firstName);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/onboarding/plan');
  await page.getByRole('radio', { name: 'Choose Team' }).check();
}

browserTest('a new customer signs up, pays for Team with extras, and gets the account', async (session) => {
  const user = freshUser();
  const page = await session.open('/onboarding', { viewport: PHONE, label: 'signup-paid' });
  await visible(page.getByRole('heading', { name: 'Welcome to Gatehouse', level: 1 }));
  await toAccountStep(page, user);
  await page.getByRole('checkbox', { name: 'Priority support' }).check();
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'wizard-plan-chosen-phone');
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.waitForURL('**/onboarding/storage');
  await visible(page.getByRole('heading', { name: 'Add storage', level: 1 }));
  await page.getByLabel('Extra storage 100 GB (units)').fill('2');
  await session.screenshot(page, 'wizard-storage-phone');
  // Back keeps the choices.
  await page.getByRole('link', { name: 'Back' }).click();
  await page.waitForURL('**/onboarding/plan');
  assert.ok(await page.getByRole('checkbox', { name: 'Priority support' }).isChecked());
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/onboarding/storage');
  assert.equal(await page.getByLabel('Extra storage 100 GB (units)').inputValue(), '2');
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.waitForURL('**/onboarding/account');
  await visible(page.getByRole('heading', { name: 'Create your account', level: 1 }));
  await visible(page.getByText('Extra storage 100 GB × 2'));
  await page.getByLabel('Last name').fill(user.lastName);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Email').fill(user.email);
  await page.getByRole('button', { name: 'Send code' }).click();
  await visible(page.getByText(`We sent a 6-digit code to ${user.email}.`));
  assert.ok(await page.getByRole('button', { name: /Resend code in/ }).isDisabled());
  await page.getByLabel('6-digit code').fill(await onboardingCode(user.email));
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'wizard-account-phone');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('button', { name: 'Pay with Stripe' }).click();

  // The fake Stripe's hosted page.
  await page.getByRole('button', { name: 'Pay', exact: true }).click();
  await page.waitForURL(/\/onboarding\/success\?session_id=/);
  await visible(page.getByRole('heading', { name: 'Your account is ready', level: 1 }));
  for (const product of ['Team', 'Priority support', 'Extra storage 100 GB × 2']) {
    await visible(page.getByRole('listitem').filter({ hasText: product }).first());
  }
  await visible(page.getByText('We emailed you a link to set your password.'));
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'wizard-success-phone');
  await page.getByRole('button', { name: 'Resend' }).click();
  await visible(page.getByText('We sent the link again.'));

  // The emailed link sets the password; signing in lands on the dashboard, which shows
  // what was paid for (granted by the webhook, never by the redirect).
  const link = await emailedMatch(user.email, /http\S+\/reset-password\?token=\S+/);
  const setPassword = await session.open(new URL(link).pathname + new URL(link).search, {
    viewport: PHONE,
    label: 'set-password',
  });
  await setPassword.getByLabel('New password', { exact: true }).fill(PASSWORD);
  await setPassword.getByRole('button', { name: 'Set new password' }).click();
  await visible(setPassword.getByRole('heading', { name: 'Your password is changed', level: 1 }));
  await setPassword.getByRole('link', { name: 'Sign in', exact: true }).last().click();
  await signIn(setPassword, user.email, PASSWORD);
  await onDashboard(setPassword);
  const dashboard = setPassword;
  await visible(dashboard.getByRole('heading', { name: `Welcome, ${user.firstName}`, level: 1 }));
  const products = dashboard.getByRole('region', { name: 'Your products' });
  for (const product of ['Team', 'Priority support', 'Extra storage 100 GB × 2']) {
    await visible(products.getByRole('heading', { name: product, level: 3 }));
  }
  // The order places a seat on the demo instance: the dashboard shows its link once
  // it is there (it reads again while the order is at work).
  const open = products.getByRole('link', { name: 'Open Team' });
  await visible(open);
  assert.equal(await open.getAttribute('href'), 'https://team.demo.invalid/');
  const orders = dashboard.getByRole('region', { name: 'Your orders' });
  await visible(orders.getByText('Done', { exact: true }));
  await visible(orders.getByText(/placed on team-demo-1/));
  const plan = dashboard.getByRole('region', { name: 'Your plan' });
  await visible(plan.getByText('Renews on'));
  assert.equal(await dashboard.getByRole('region', { name: 'Needs your attention' }).count(), 0);
  await assertNoHorizontalScroll(dashboard);
  await session.screenshot(dashboard, 'dashboard-paid-phone');
  // Billing is one link away, in the same bundle.
  await plan.getByRole('link', { name: 'Manage billing' }).click();
  await dashboard.waitForURL((url) => url.pathname === '/billing');
  await visible(dashboard.getByRole('heading', { name: 'Billing', level: 1 }));

  // The wizard forgot the choices: step 2 sends a fresh visitor back to step 1.
  await page.goto(new URL('/onboarding/plan', page.url()).toString());
  await page.waitForURL((url) => url.pathname === '/onboarding');
});

browserTest('the account step refuses a taken username inline; later steps need earlier ones', async (session) => {
  const taken = freshUser();
  await registerThroughApi(taken);
  const early = await session.open('/onboarding/account', { viewport: PHONE, label: 'signup-guard' });
  await early.waitForURL((url) => url.pathname === '/onboarding');
  await visible(early.getByRole('heading', { name: 'Welcome to Gatehouse', level: 1 }));

  const user = freshUser();
  const page = early;
  await toAccountStep(page, user);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/onboarding/storage');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/onboarding/account');
  await page.getByLabel('Username').fill(taken.username);
  const username = page.getByLabel('Username');
  await page.waitForFunction(() => document.getElementById('username')?.getAttribute('aria-invalid') === 'true');
  assert.equal(await username.getAttribute('aria-invalid'), 'true');
  await visible(page.getByText('Username is taken.'));
  await page.getByLabel('Email').fill(taken.email);
  await visible(page.getByText(/^This address already has an account/));
  await visible(page.getByRole('link', { name: 'Sign in' }));
  await session.screenshot(page, 'wizard-taken-phone');

  // Stripe's way back on cancel, in the same tab (the choices live in its sessionStorage).
  await page.goto(new URL('/onboarding/cancelled', page.url()).toString());
  const cancelled = page;
  await visible(cancelled.getByRole('heading', { name: 'Payment cancelled — nothing was charged', level: 1 }));
  await session.screenshot(cancelled, 'wizard-cancelled-phone');
  await cancelled.getByRole('link', { name: 'Back to your plan' }).click();
  await cancelled.waitForURL('**/onboarding/plan');
  assert.ok(await cancelled.getByRole('radio', { name: 'Choose Team' }).isChecked());
});
