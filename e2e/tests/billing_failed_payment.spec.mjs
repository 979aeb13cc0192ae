// A renewal Stripe cannot charge: the account goes past due, every signed-in page says so
// and leads to billing, billing tells how long access lasts and opens the Customer
// Portal; once the open invoice is paid there with a new card (Stripe charges it at once),
// the banners are gone and the plan is active again.

import assert from 'node:assert/strict';

import { browserTest, PHONE, visible } from '../lib/browser.mjs';
import { accountBecomes, failRenewal, passwordFromEmail, payingCustomer } from '../lib/customers.mjs';
import { assertNoHorizontalScroll, onDashboard, signIn } from '../lib/pages.mjs';
import { freshUser } from '../lib/people.mjs';

browserTest('a failed renewal shows its banners until the invoice is paid', async (session) => {
  const user = freshUser();
  const stripe = await payingCustomer(user);
  await passwordFromEmail(user);
  await failRenewal(stripe, user);

  const page = await session.open('/sign-in?next=/dashboard', { viewport: PHONE, label: 'phone' });
  await signIn(page, user.username, user.password);
  await onDashboard(page);
  // The account bar's alert, on every home page, and the dashboard's own list.
  const bar = page.getByRole('alert').filter({ hasText: 'Your last payment failed.' });
  await visible(bar);
  const attention = page.getByRole('region', { name: 'Needs your attention' });
  await visible(attention.getByRole('link', { name: 'Update your payment method' }));
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'dashboard-past-due');

  await bar.getByRole('link', { name: 'Update your payment method' }).click();
  await page.waitForURL((url) => url.pathname === '/billing');
  const card = page.getByRole('region', { name: 'Subscription' });
  await visible(card.getByRole('heading', { name: 'Payment failed' }));
  await visible(card.getByText(/access continues until \d{1,2} \w+ \d{4}\.$/));
  const payments = page.getByRole('region', { name: 'Payments' });
  await visible(payments.getByText('Due', { exact: true }));
  await visible(page.getByRole('alert').filter({ hasText: 'Your last payment failed.' }));
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'billing-past-due');

  // The banner's way out is the Customer Portal (payment methods live there), and back.
  await card.getByRole('button', { name: 'Update payment method' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/portal/'));
  await visible(page.getByRole('heading', { name: 'Your subscriptions' }));
  await session.screenshot(page, 'portal-past-due');
  // A new card there: Stripe charges the open invoice to it at once, and it is paid.
  await page.getByRole('button', { name: 'Update card and pay the open invoice' }).click();
  await visible(page.getByRole('button', { name: 'Cancel at period end' }));
  await accountBecomes(user.email, 'active');
  await page.getByRole('link', { name: 'Return' }).click();
  await page.waitForURL((url) => url.pathname === '/billing');
  await visible(card.getByRole('heading', { name: 'Active' }));
  await visible(card.getByText(/^Your plan renews on /));
  assert.equal(await page.getByRole('alert').filter({ hasText: 'Your last payment failed.' }).count(), 0);
  assert.equal(await payments.getByText('Due', { exact: true }).count(), 0);
  await visible(payments.getByText('Paid', { exact: true }).nth(1));

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
  await onDashboard(page);
  assert.equal(await page.getByRole('region', { name: 'Needs your attention' }).count(), 0);
  assert.equal(await page.getByRole('alert').count(), 0);
});
