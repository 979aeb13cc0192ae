// The tour, part one: every page a visitor meets — pricing, sign-up and sign-in (with the
// emailed-code variant), password help, the onboarding wizard's steps, checkout success
// and cancel, the waitlist, account recovery's three steps, and "not found" — each at
// desktop and phone width through lib/tour.mjs (loaded, axe, no sideways scroll,
// screenshot), and Tab through the main ones.

import { browserTest, visible } from '../lib/browser.mjs';
import { cancelAtStripe, paidCheckout } from '../lib/customers.mjs';
import { assertKeyboardPath } from '../lib/pages.mjs';
import { emailedCode, freshUser } from '../lib/people.mjs';
import { reportTour, tourStop } from '../lib/tour.mjs';

function h1(page, name) {
  return page.getByRole('heading', { name, level: 1 });
}

browserTest('tour: the visitor’s pages', async (session, t) => {
  const log = [];
  const page = await session.open('/', { label: 'visitor' });
  await tourStop(t, log, page, 'pricing', page.getByRole('article', { name: 'Team', exact: true }).getByText('29.00 EUR'));
  await assertKeyboardPath(page, [
    'Skip to content',
    'Gatehouse',
    'Pricing',
    'Sign in',
    'Get started',
    'Subscribe to Starter',
    'Subscribe to Team',
    'Subscribe to Business',
    'API documentation',
  ]);

  await page.goto(`${page.url().replace(/\/$/, '')}/sign-up`);
  await tourStop(t, log, page, 'sign-up', h1(page, 'Create your account'));
  await assertKeyboardPath(page, ['Skip to content', 'First name', 'Last name', 'Email', 'Username', 'Password', 'Create account']);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).click();
  await tourStop(t, log, page, 'sign-in', h1(page, 'Sign in'));
  await assertKeyboardPath(page, ['Skip to content', 'Email or username', 'Password', 'Sign in']);
  await page.getByRole('button', { name: 'Email me a sign-in code' }).click();
  await tourStop(t, log, page, 'sign-in-code', page.getByRole('heading', { name: 'Sign in with an emailed code', level: 2 }));

  const origin = new URL(page.url()).origin;
  await page.goto(`${origin}/forgot-password`);
  await tourStop(t, log, page, 'forgot-password', h1(page, 'Reset your password'));
  await page.goto(`${origin}/verify-email?token=tour-not-a-real-link`);
  await tourStop(t, log, page, 'verify-email-failed', h1(page, 'This link did not work'));
  await page.goto(`${origin}/no-such-page`);
  await tourStop(t, log, page, 'not-found', h1(page, 'Page not found'));

  await page.goto(`${origin}/waitlist?product=team`);
  await tourStop(t, log, page, 'waitlist', async (p) => {
    await visible(h1(p, 'Join the waitlist'));
    await p.waitForFunction(() => document.querySelector('select')?.value === 'team');
  });
  reportTour(t, log);
});

browserTest('tour: onboarding, checkout and account recovery', async (session, t) => {
  const log = [];
  const user = freshUser();
  const page = await session.open('/onboarding', { label: 'onboarding' });
  await tourStop(t, log, page, 'onboarding-welcome', h1(page, 'Welcome to Gatehouse'));
  await assertKeyboardPath(page, ['Your first name', 'Continue']);
  await page.getByLabel('Your first name').fill(user.firstName);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/onboarding/plan');
  await tourStop(t, log, page, 'onboarding-plan', page.getByRole('article', { name: 'Team', exact: true }).getByText('29.00 EUR'));
  await page.getByRole('radio', { name: 'Choose Team' }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/onboarding/storage');
  await tourStop(t, log, page, 'onboarding-storage', h1(page, 'Add storage'));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/onboarding/account');
  await tourStop(t, log, page, 'onboarding-account', h1(page, 'Create your account'));
  await page.goto(new URL('/onboarding/cancelled', page.url()).toString());
  await tourStop(t, log, page, 'onboarding-cancelled', h1(page, 'Payment cancelled — nothing was charged'));

  // Paid (through the API and the fake Stripe): the page Stripe returns to.
  const { stripe, sessionId } = await paidCheckout(user);
  await page.goto(new URL(`/onboarding/success?session_id=${encodeURIComponent(sessionId)}`, page.url()).toString());
  await tourStop(t, log, page, 'onboarding-success', h1(page, 'Your account is ready'));

  // The subscription ends; the account's recovery.
  await cancelAtStripe(stripe, user);
  await page.goto(new URL('/recovery', page.url()).toString());
  await tourStop(t, log, page, 'recovery', h1(page, 'Recover your account'));
  await page.getByLabel('Email or username').fill(user.username);
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.waitForURL((url) => url.pathname === '/recovery/code');
  await tourStop(t, log, page, 'recovery-code', h1(page, 'Check your email'));
  await page.getByLabel('6-digit code').fill(await emailedCode(user.email, 'recovery_code'));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.pathname === '/recovery/restore');
  await tourStop(
    t,
    log,
    page,
    'recovery-restore',
    page.getByRole('region', { name: 'What will be restored' }).getByRole('listitem').filter({ hasText: /^Team$/ }),
  );
  reportTour(t, log);
});
