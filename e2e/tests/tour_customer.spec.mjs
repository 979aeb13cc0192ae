// The tour, part two: every page of a paying customer — setting the password from the
// emailed link, the dashboard, account and its two-factor set-up, billing (and billing
// with a failed renewal), team, an invitation link, API keys, credits, and support
// tickets — each at desktop and phone width through lib/tour.mjs, Tab through the
// busiest ones.

import { browserTest, visible } from '../lib/browser.mjs';
import { failRenewal, paidCheckout } from '../lib/customers.mjs';
import { assertKeyboardPath, onDashboard, signIn } from '../lib/pages.mjs';
import { emailedMatch, freshUser } from '../lib/people.mjs';
import { reportTour, tourStop } from '../lib/tour.mjs';

function h1(page, name) {
  return page.getByRole('heading', { name, level: 1 });
}

browserTest('tour: a paying customer’s pages', async (session, t) => {
  const log = [];
  const user = freshUser();
  const { stripe } = await paidCheckout(user);

  // The emailed link sets the first password.
  const link = new URL(await emailedMatch(user.email, /http\S+\/reset-password\?token=\S+/));
  const page = await session.open(link.pathname + link.search, { label: 'customer' });
  await tourStop(t, log, page, 'reset-password', h1(page, 'Choose a new password'));
  await page.getByLabel('New password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await visible(h1(page, 'Your password is changed'));
  const go = (pathname) => page.goto(new URL(pathname, page.url()).toString());

  await go('/sign-in?next=/dashboard');
  await signIn(page, user.username, user.password);
  await onDashboard(page);
  const products = page.getByRole('region', { name: 'Your products' });
  await tourStop(t, log, page, 'dashboard', products.getByRole('link', { name: 'Open Team' }));
  await assertKeyboardPath(page, ['Skip to content', 'Dashboard', 'Billing', 'Team', 'API keys', 'Support', 'Open Team', 'Manage billing']);

  await go('/account');
  await tourStop(t, log, page, 'account', page.getByRole('region', { name: 'Profile' }).getByText(user.email, { exact: true }));
  const twoFactor = page.getByRole('region', { name: 'Two-factor authentication' });
  await twoFactor.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await tourStop(t, log, page, 'account-security', twoFactor.getByRole('img', { name: 'QR code to add Gatehouse to your authenticator app' }), {
    shot: twoFactor,
  });

  await go('/billing');
  const subscription = page.getByRole('region', { name: 'Subscription' });
  await tourStop(t, log, page, 'billing', page.getByRole('region', { name: 'Payments' }).getByText('Paid', { exact: true }));
  await assertKeyboardPath(page, ['Skip to content', 'Billing', 'Manage payment methods and invoices', 'Change plan…', 'Cancel subscription…', /invoice of \d/i]);
  await visible(subscription.getByRole('heading', { name: 'Active' }));

  await go('/team');
  await tourStop(t, log, page, 'team', page.getByRole('region', { name: 'Your accounts' }));
  await go('/invitations/accept?token=tour-not-a-real-invitation');
  await tourStop(t, log, page, 'invitation', h1(page, 'Join a team'));
  await go('/api-keys');
  await tourStop(t, log, page, 'api-keys', page.getByRole('region', { name: 'Your keys' }));
  await go('/credits');
  await tourStop(t, log, page, 'credits', page.getByRole('region', { name: 'Balance' }));

  await go('/support');
  await tourStop(t, log, page, 'support', h1(page, 'Your tickets'));
  await page.getByRole('link', { name: 'New ticket' }).click();
  await tourStop(t, log, page, 'support-new-ticket', h1(page, 'New ticket'));
  await assertKeyboardPath(page, ['Subject', 'Priority', 'Message', 'Open ticket']);
  const subject = `Tour question ${Date.now().toString(36)}`;
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('Message', { exact: true }).fill('Where do I find my invoices?');
  await page.getByRole('button', { name: 'Open ticket' }).click();
  await page.waitForURL((url) => /^\/support\/tickets\/[0-9a-f-]{36}$/.test(url.pathname));
  await tourStop(t, log, page, 'support-ticket', h1(page, subject));

  // A renewal the card declined: billing and the dashboard say so.
  await failRenewal(stripe, user);
  await go('/billing');
  await tourStop(t, log, page, 'billing-payment-failed', subscription.getByRole('heading', { name: 'Payment failed' }));
  await go('/dashboard');
  await tourStop(t, log, page, 'dashboard-payment-failed', page.getByRole('region', { name: 'Needs your attention' }));
  reportTour(t, log);
});
