// Paying customers made without a browser: the onboarding API buys a plan, the fake
// Stripe's control endpoint pays the checkout, and its API ends the subscription (as if
// the customer cancelled or a renewal failed for good). Stripe's webhooks do the rest.

import assert from 'node:assert/strict';

import { baseUrl, CLIENT } from './browser.mjs';
import { emailedCode, emailedMatch, queryOne } from './people.mjs';

/** The fake Stripe's secret key (fakes/src/stripe/mod.rs, `SECRET_KEY`). */
const FAKE_STRIPE_KEY = 'sk_test_fake_gatehouse';

async function api(method, path, body) {
  const response = await fetch(`${baseUrl()}/api/v1${path}`, {
    method,
    headers: { ...CLIENT, 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** Polls `check` every 200 ms until it returns something truthy (30 s at most). */
export async function until(what, check) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The monthly price id of the catalog product `slug`. */
function monthlyPrice(catalog, slug) {
  for (const page of catalog.pages) {
    const product = page.products.find((p) => p.slug === slug);
    const price = product?.prices.find((p) => p.period === 'month');
    if (price) return price.id;
  }
  throw new Error(`no monthly price for ${slug}`);
}

/** The status of the account `email` belongs to. */
export function accountStatus(email) {
  return queryOne(
    `SELECT a.status FROM accounts a JOIN account_members m ON m.account_id = a.id
       JOIN users u ON u.id = m.user_id WHERE u.email = :'email'`,
    { email },
  );
}

/**
 * Signs `user` up and pays for Team with two units of 100 GB storage, through the API
 * and the fake Stripe. Resolves with the fake Stripe's base URL once the account exists.
 */
export async function payingCustomer(user) {
  const { stripe } = await paidCheckout(user);
  return stripe;
}

/**
 * [`payingCustomer`], resolving with the fake Stripe's base URL and the paid checkout's
 * session id (what Stripe puts in the onboarding success page's address).
 */
export async function paidCheckout(user) {
  await api('POST', '/onboarding/email-code', { email: user.email });
  const code = await emailedCode(user.email, 'onboarding_code');
  const { onboarding_token } = await api('POST', '/onboarding/email-code/verify', {
    email: user.email,
    code,
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
  });
  const catalog = await api('GET', '/catalog');
  const started = await api('POST', '/onboarding/checkout', {
    onboarding_token,
    price_id: monthlyPrice(catalog, 'team'),
    add_ons: [{ price_id: monthlyPrice(catalog, 'storage-100gb'), quantity: 2 }],
  });
  // The checkout page is the fake Stripe's: its origin is where the fake listens.
  const stripe = new URL(started.url).origin;
  const paid = await fetch(`${stripe}/_fake/checkout/${started.session_id}/complete`, { method: 'POST' });
  assert.ok(paid.ok, `completing the checkout: ${paid.status} ${await paid.text()}`);
  await until('the account', async () => {
    const status = await api('GET', `/onboarding/checkout/${encodeURIComponent(started.session_id)}`);
    return status.state === 'provisioned';
  });
  return { stripe, sessionId: started.session_id };
}

/** The Stripe id of the newest subscription of `user`'s account. */
function subscriptionOf(user) {
  const subscription = queryOne(
    `SELECT s.stripe_subscription_id FROM subscriptions s
       JOIN account_members m ON m.account_id = s.account_id
       JOIN users u ON u.id = m.user_id
      WHERE u.email = :'email' ORDER BY s.created_at DESC LIMIT 1`,
    { email: user.email },
  );
  assert.ok(subscription, `no subscription for ${user.email}`);
  return subscription;
}

/** `action` (`renew`, `fail_payment`) on the subscription of `user` at the fake Stripe. */
async function atFakeStripe(stripe, user, action) {
  const done = await fetch(`${stripe}/_fake/subscriptions/${subscriptionOf(user)}/${action}`, { method: 'POST' });
  assert.ok(done.ok, `${action} at the fake Stripe: ${done.status} ${await done.text()}`);
}

/** The renewal of `user`'s subscription is declined; waits until the account is past due. */
export async function failRenewal(stripe, user) {
  await atFakeStripe(stripe, user, 'fail_payment');
  await accountBecomes(user.email, 'past_due');
}

/** Ends the subscription of `user`'s account at the fake Stripe; waits until it is cancelled. */
export async function cancelAtStripe(stripe, user) {
  const subscription = subscriptionOf(user);
  const ended = await fetch(`${stripe}/v1/subscriptions/${subscription}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${FAKE_STRIPE_KEY}` },
  });
  assert.ok(ended.ok, `cancelling at Stripe: ${ended.status} ${await ended.text()}`);
  await accountBecomes(user.email, 'cancelled');
}

/** Waits until the account `email` belongs to has `status` (Stripe's webhook got there). */
export async function accountBecomes(email, status) {
  await until(`the account to be ${status}`, () => accountStatus(email) === status);
}

/**
 * Sets `user.password` on the account a paid checkout made (which has none yet) with the
 * link Gatehouse emailed, as the customer would; the link's address is returned too.
 */
export async function passwordFromEmail(user) {
  const link = new URL(await emailedMatch(user.email, /http\S+\/reset-password\?token=\S+/));
  await api('POST', '/auth/password/reset', { token: link.searchParams.get('token'), password: user.password });
  return link;
}
