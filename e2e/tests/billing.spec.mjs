// Paying and managing a subscription, against the real API and the fake Stripe that
// `cargo xtask e2e` serves (its checkout and portal pages live on another 127.0.0.1 port;
// the seeded catalog is synced to it, so every price has a Stripe id).

import assert from 'node:assert/strict';

import { browserTest, DESKTOP, PHONE, visible } from '../lib/browser.mjs';
import { assertNoHorizontalScroll, focused, onSignInPage, signIn } from '../lib/pages.mjs';
import { freshUser, registerThroughApi } from '../lib/people.mjs';

/** The card of a plan on the pricing page (found by its heading). */
function planCard(page, name) {
  return page.getByRole('article', { name, exact: true });
}

/** The billing page's subscription card. */
function subscription(page) {
  return page.getByRole('region', { name: 'Subscription' });
}

/** The value of a fact about the plan ("Plan", "Renews on", …). */
function fact(page, label) {
  return subscription(page)
    .getByRole('term')
    .filter({ hasText: new RegExp(`^${label}$`) })
    .locator('xpath=following-sibling::dd[1]');
}

/** Waits until the page's status region says `text` (an action's outcome). */
async function announced(page, text) {
  await visible(page.getByRole('status').filter({ hasText: text }));
}

async function fillSignUp(page, user) {
  await page.getByLabel('First name').fill(user.firstName);
  await page.getByLabel('Last name').fill(user.lastName);
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
}

browserTest('a new customer subscribes, cancels, resumes and changes plan', async (session) => {
  const user = freshUser();
  const page = await session.open('/', { viewport: DESKTOP, label: 'desktop' });

  // Signed out, Subscribe goes to sign-up first, and back to the pricing page after.
  await planCard(page, 'Team').getByRole('button', { name: 'Subscribe to Team' }).click();
  await page.waitForURL((url) => url.pathname === '/sign-up' && url.searchParams.get('next') === '/');
  await fillSignUp(page, user);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await visible(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing' }));

  // Signed in, Subscribe opens Stripe Checkout for the monthly price.
  await planCard(page, 'Team').getByRole('button', { name: 'Subscribe to Team' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/checkout/'));
  await visible(page.getByRole('heading', { name: 'Subscribe' }));
  await visible(page.getByText('29.00 EUR', { exact: true }));
  await session.screenshot(page, 'fake-stripe-checkout');
  await page.getByRole('button', { name: 'Pay' }).click();

  // Back on the billing page, which waits for Stripe's webhook to show the subscription.
  await page.waitForURL((url) => url.pathname === '/billing' && url.searchParams.has('checkout'));
  await announced(page, 'Your payment is confirmed');
  assert.equal(await page.title(), 'Billing · Gatehouse');
  const card = subscription(page);
  await visible(card.getByRole('heading', { name: 'Active' }));
  await visible(card.getByText(/^Your plan renews on \d{1,2} \w+ \d{4}\.$/));
  await visible(fact(page, 'Plan').getByText('Team', { exact: true }));
  await visible(fact(page, 'Billing period').getByText('Monthly', { exact: true }));
  await visible(fact(page, 'Price').getByText('29.00 EUR / month', { exact: true }));
  for (const entitlement of ['Nextcloud files and calendars', 'Vaultwarden password manager']) {
    await visible(card.getByRole('listitem').filter({ hasText: entitlement }));
  }
  // The first invoice, paid.
  const payments = page.getByRole('region', { name: 'Payments' });
  await visible(payments.getByRole('cell', { name: 'Paid', exact: true }));
  assert.equal(await payments.getByRole('row').count(), 2, 'a header row and one payment');
  await visible(payments.getByRole('cell', { name: '29.00 EUR', exact: true }));
  await visible(payments.getByRole('link', { name: /^View invoice of \d/ }));
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'active-desktop');

  // Cancel at the end of the period, after a confirmation step that takes focus.
  await card.getByRole('button', { name: 'Cancel subscription…' }).click();
  await focused(page, 'cancel-title');
  await visible(card.getByText(/^Your plan keeps working until \d{1,2} \w+ \d{4}\./));
  // Escape keeps the subscription and puts focus back on the button.
  await page.keyboard.press('Escape');
  await focused(page, 'cancel-button');
  await card.getByRole('button', { name: 'Cancel subscription…' }).click();
  await focused(page, 'cancel-title');
  await session.screenshot(page, 'cancel-confirmation');
  await card.getByRole('button', { name: 'Cancel at period end' }).click();
  await announced(page, 'Your subscription is cancelled');
  await visible(card.getByRole('heading', { name: 'Cancels at the end of the period' }));
  await visible(card.getByText(/Your subscription ends on \d{1,2} \w+ \d{4}\./));
  await visible(fact(page, 'Ends on'));

  // Resume: renewing again.
  await card.getByRole('button', { name: 'Resume subscription' }).click();
  await announced(page, 'Your subscription is resumed');
  await visible(card.getByRole('heading', { name: 'Active' }));
  await visible(card.getByText(/^Your plan renews on /));

  // Change plan: choose Business, see the proration, confirm.
  await card.getByRole('button', { name: 'Change plan…' }).click();
  await focused(page, 'change-plan-title');
  const options = card.getByRole('list').filter({ has: page.getByRole('button', { name: /^Starter/ }) });
  await visible(options.getByRole('button', { name: 'Business — 79.00 EUR / month' }));
  // The current plan is not offered.
  assert.equal(await options.getByRole('button', { name: 'Team — 29.00 EUR / month' }).count(), 0);
  await options.getByRole('button', { name: 'Business — 79.00 EUR / month' }).click();
  await focused(page, 'preview-title');
  await visible(card.getByRole('heading', { name: 'Move to Business at 79.00 EUR / month?' }));
  const preview = card.getByRole('table');
  await visible(preview.getByRole('rowheader', { name: 'Total due now' }));
  assert.ok((await preview.getByRole('row').count()) >= 3, 'a header, at least one line and the total');
  await session.screenshot(page, 'change-preview-desktop');
  await card.getByRole('button', { name: 'Confirm change' }).click();
  await announced(page, 'Your plan is now Business');
  await visible(fact(page, 'Plan').getByText('Business', { exact: true }));
  await visible(fact(page, 'Price').getByText('79.00 EUR / month', { exact: true }));
  await visible(card.getByRole('listitem').filter({ hasText: 'Single sign-on (SSO)' }));
  await session.screenshot(page, 'changed-desktop');

  // The same page on a phone: payments become labelled blocks, nothing scrolls sideways.
  const phone = await session.open('/billing', { viewport: PHONE, label: 'phone' });
  await visible(subscription(phone).getByRole('heading', { name: 'Active' }));
  // (A cell's name now starts with its label, drawn by the CSS: "StatusPaid".)
  await visible(phone.getByRole('region', { name: 'Payments' }).getByText('Paid', { exact: true }).first());
  await assertNoHorizontalScroll(phone);

  // Payment methods and invoices live in Stripe's Customer Portal. When Stripe is down,
  // the API's message shows next to the buttons, which work again after it.
  await page.route('**/api/v1/billing/portal', (route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'unavailable', message: 'Stripe is unavailable. Please try again.' } }),
    }),
  );
  const portalButton = subscription(page).getByRole('button', { name: 'Manage payment methods and invoices' });
  await portalButton.click();
  await visible(subscription(page).getByRole('alert').filter({ hasText: 'Stripe is unavailable. Please try again.' }));
  assert.equal(await portalButton.isEnabled(), true);
  await page.unroute('**/api/v1/billing/portal');
  await portalButton.click();
  await page.waitForURL((url) => url.pathname.startsWith('/portal/'));
  await visible(page.getByRole('heading', { name: 'Your subscriptions' }));
  await session.screenshot(page, 'fake-stripe-portal');
  await page.getByRole('link', { name: 'Return' }).click();
  await page.waitForURL((url) => url.pathname === '/billing');
  await visible(subscription(page).getByRole('heading', { name: 'Active' }));
});

browserTest('billing needs sign-in and shows how to start without a subscription', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const page = await session.open('/billing', { viewport: PHONE, label: 'phone' });
  await onSignInPage(page);
  assert.equal(new URL(page.url()).searchParams.get('next'), '/billing');
  await signIn(page, user.username, user.password);
  await page.waitForURL((url) => url.pathname === '/billing');
  const empty = page.getByRole('region', { name: 'No subscription yet' });
  await visible(empty);
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'empty-phone');
  await empty.getByRole('link', { name: 'See plans and pricing' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await visible(planCard(page, 'Team').getByRole('button', { name: 'Subscribe to Team' }));
});

browserTest('billing says when it cannot load and tries again', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  let failures = 1;
  await session.context.route('**/api/v1/billing/subscription', (route) => {
    if (failures-- > 0) {
      return route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'unavailable', message: 'Stripe is unavailable right now.' } }),
      });
    }
    return route.continue();
  });
  const page = await session.open('/sign-in?next=/billing', { label: 'desktop' });
  await signIn(page, user.username, user.password);
  const alert = await visible(page.getByRole('alert').filter({ hasText: 'Stripe is unavailable right now.' }));
  await visible(alert.getByRole('heading', { name: 'Billing could not be loaded' }));
  await alert.getByRole('button', { name: 'Retry' }).click();
  await visible(page.getByRole('region', { name: 'No subscription yet' }));
});
