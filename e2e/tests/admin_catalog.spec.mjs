// The admin area's overview and catalog (a bundle of its own): billing staff read the key figures and charts,
// add an entitlement key, add an add-on with a monthly price (after an inline error), set
// a plan's terms and retire the add-on, and the API and database hold all of it, audited;
// support staff read the catalog but get the API's refusal when they try to change it.

import assert from 'node:assert/strict';

import { baseUrl, browserTest, DESKTOP, hidden, PHONE, visible } from '../lib/browser.mjs';
import { assertNoHorizontalScroll } from '../lib/pages.mjs';
import { freshUser, queryOne } from '../lib/people.mjs';
import { api, staffMember, staffSignIn } from '../lib/staff.mjs';
import { freshCode } from '../lib/totp.mjs';

/** An access token of staff made by `staffMember` (their next authenticator code). */
async function staffToken(user, { secret, step }) {
  const { mfa_token } = await api('POST', '/auth/login', { login: user.username, password: user.password });
  const { access_token } = await api('POST', '/auth/mfa/verify', {
    mfa_token,
    code: freshCode(secret, step).code,
  });
  return access_token;
}

browserTest('billing staff read the overview and change the catalog; support may not', async (session) => {
  const suffix = Date.now().toString(36);
  // Someone reading through the API, to hold the page to what the API says.
  const reader = freshUser();
  const token = await staffToken(reader, await staffMember(reader, 'billing'));
  // The plan whose terms change, and which the new add-on extends.
  const plan = await api(
    'POST',
    '/admin/catalog/products',
    {
      slug: `e2e-plan-${suffix}`,
      name: `E2E Plan ${suffix}`,
      kind: 'plan',
      prices: [{ period: 'month', amount_minor: 4900, currency: 'eur' }],
    },
    token,
  );

  const user = freshUser();
  const staff = await staffMember(user, 'billing');
  const overview = await api('GET', '/admin/overview', undefined, token);
  const page = await session.open('/sign-in?next=/admin', { viewport: DESKTOP, label: 'desktop' });
  await staffSignIn(page, user, staff);
  await page.waitForURL((url) => url.pathname === '/admin');

  // The overview: the figures as the API counts them, and the charts with their words.
  await visible(page.getByRole('heading', { name: 'Admin area', level: 1 }));
  await visible(page.locator('main').getByText('Billing', { exact: true }));
  const figures = page.getByRole('region', { name: 'Key figures' });
  const tickets = figures.getByRole('listitem').filter({ hasText: 'Open tickets' });
  await visible(tickets);
  assert.equal((await tickets.textContent()).trim(), `${overview.open_tickets} Open tickets`);
  assert.equal(await tickets.getByRole('link', { name: 'Open tickets' }).getAttribute('href'), '/admin/tickets');
  const trials = figures.getByRole('listitem').filter({ hasText: 'Trials' });
  assert.equal((await trials.textContent()).trim(), `${overview.trialing_subscriptions} Trials`);
  const total = overview.signups.reduce((sum, day) => sum + day.count, 0);
  assert.equal(overview.signups.length, 30);
  assert.ok(total >= 2, `the staff who signed up count: ${total}`);
  const chart = page.getByRole('img', { name: new RegExp(`^Sign-ups in the last 30 days: ${total} in all, most on `) });
  await visible(chart);
  await page.getByText('Sign-ups by day', { exact: true }).click();
  const last = overview.signups[29];
  await visible(page.getByRole('table', { name: 'Sign-ups by day, oldest first' }).getByRole('row', { name: `${last.day} ${last.count}` }));
  const statuses = page.getByRole('region', { name: 'Accounts by status' });
  const counts = (await statuses.getByRole('listitem').allTextContents()).map((text) => Number(text.match(/(\d+)\s*$/)[1]));
  assert.deepEqual(counts, overview.accounts_by_status.map(({ count }) => count));
  const capacity = page.getByRole('region', { name: 'Capacity by product' });
  assert.equal(await capacity.getByRole('img', { name: /^\d+ of \d+ seats; soft cap/ }).count(), overview.capacity.length);
  await session.screenshot(page, 'overview');

  // The catalog, from the admin navigation.
  const nav = page.getByRole('navigation', { name: 'Admin area' });
  await nav.getByRole('link', { name: 'Catalog' }).click();
  await visible(page.getByRole('heading', { name: 'Catalog', level: 1 }));
  assert.equal(await nav.getByRole('link', { name: 'Catalog' }).getAttribute('aria-current'), 'page');
  const status = page.getByRole('status').filter({ hasText: /./ });

  // A new entitlement key.
  const key = `e2e_export_${suffix}`;
  const keys = page.getByRole('region', { name: 'Entitlement keys' });
  await keys.getByLabel('Key', { exact: true }).fill(key);
  await keys.getByLabel('Label', { exact: true }).fill('E2E exports');
  await keys.getByRole('button', { name: 'Add key' }).click();
  await visible(status.getByText(`Entitlement ${key} added.`));
  await visible(keys.getByRole('row').filter({ hasText: key }).getByRole('cell', { name: 'E2E exports' }));

  // An add-on of the plan, with a monthly price: a third cent is refused inline first.
  const addOn = { slug: `e2e-exports-${suffix}`, name: `E2E Exports ${suffix}` };
  const form = page.getByRole('region', { name: 'Add product' });
  await form.getByLabel('Slug').fill(addOn.slug);
  await form.getByLabel('Name').fill(addOn.name);
  await form.getByLabel('Kind').selectOption('add_on');
  await form.getByLabel('Plan', { exact: true }).fill(plan.slug);
  await form.getByRole('checkbox', { name: 'E2E exports' }).check();
  await form.getByLabel('Monthly price').fill('12.345');
  await form.getByRole('button', { name: 'Add product' }).click();
  await visible(form.getByText('Enter an amount such as 29.00 (at most 1000000.00).'));
  assert.equal(await form.getByLabel('Monthly price').getAttribute('aria-invalid'), 'true');
  await session.screenshot(page, 'add-product-refused');
  await form.getByLabel('Monthly price').fill('12.50');
  await form.getByRole('button', { name: 'Add product' }).click();
  await visible(status.getByText(`${addOn.name} added.`));
  const addOns = page.getByRole('region', { name: 'Add-ons', exact: true });
  const item = addOns.getByRole('listitem').filter({ has: page.getByRole('heading', { name: addOn.name }) });
  await visible(item.getByText(/^Prices: Monthly 12\.50 EUR, active, /));
  await visible(item.getByText(`Entitlements: ${key}`));
  await visible(keys.getByRole('row').filter({ hasText: key }).getByRole('cell', { name: addOn.slug }));

  // The plan's terms: a trial too long is refused inline, then the terms are saved.
  const planItem = page
    .getByRole('region', { name: 'Plans' })
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name: plan.name }) });
  await planItem.getByRole('button', { name: `Terms ${plan.name}` }).click();
  const terms = planItem.getByRole('group', { name: 'Terms' });
  await terms.getByLabel('Monthly credits').fill('500');
  await terms.getByLabel('Overage limit').fill('50');
  await terms.getByLabel('Trial days').fill('120');
  await terms.getByLabel('Trial credits').fill('100');
  await terms.getByRole('button', { name: 'Save terms' }).click();
  await visible(terms.getByText("Enter the trial's days, a whole number from 0 to 90."));
  await terms.getByLabel('Trial days').fill('14');
  await terms.getByRole('button', { name: 'Save terms' }).click();
  await visible(status.getByText('Terms saved: 500 credits a month, overage to 50, a 14-day trial with 100 credits.'));
  await hidden(terms);

  // Retiring the add-on is asked first.
  await item.getByRole('button', { name: `Retire ${addOn.name}` }).click();
  const question = item.getByRole('group', { name: new RegExp(`^Retire ${addOn.name}\\?`) });
  await visible(question);
  await session.screenshot(page, 'retire-question');
  await question.getByRole('button', { name: 'Retire', exact: true }).click();
  await visible(status.getByText(`${addOn.name} is retired.`));
  await visible(item.getByText('Retired', { exact: true }));
  await visible(item.getByText(/^Prices: Monthly 12\.50 EUR, retired, /));
  await visible(item.getByRole('button', { name: `Reactivate ${addOn.name}` }));
  await session.screenshot(page, 'catalog');

  // What the API and the database now hold.
  const { products } = await api('GET', '/admin/catalog/products', undefined, token);
  const stored = products.find((product) => product.slug === addOn.slug);
  assert.equal(stored.active, false);
  assert.equal(stored.kind, 'add_on');
  assert.equal(stored.parent_slug, plan.slug);
  assert.deepEqual(stored.entitlements, [key]);
  assert.deepEqual(
    stored.prices.map(({ period, amount_minor, currency, active }) => ({ period, amount_minor, currency, active })),
    [{ period: 'month', amount_minor: 1250, currency: 'eur', active: false }],
  );
  assert.deepEqual(await api('GET', `/admin/catalog/products/${plan.id}/terms`, undefined, token), {
    monthly_credits: 500,
    overage_limit: 50,
    trial_days: 14,
    trial_credits: 100,
  });
  // The test's own plan offers a trial now: retired, so the dashboards of later tests
  // keep offering the demo catalog's.
  await api('PATCH', `/admin/catalog/products/${plan.id}`, { active: false }, token);
  const staffId = queryOne("SELECT id FROM users WHERE email = :'email'", { email: user.email });
  const audited = queryOne(
    "SELECT string_agg(action, ' ' ORDER BY id) FROM audit_log WHERE actor_user_id = :'staff' AND target_id IN (:'key', :'product', :'plan')",
    { staff: staffId, key, product: stored.id, plan: plan.id },
  );
  assert.equal(
    audited,
    'catalog.entitlement_created catalog.product_created catalog.plan_terms_changed catalog.product_changed',
  );
  assert.equal(
    queryOne("SELECT after->>'active' FROM audit_log WHERE action = 'catalog.product_changed' AND target_id = :'id'", { id: stored.id }),
    'false',
  );

  // On a phone: the overview and the catalog fit the screen.
  const phone = await session.open('/admin', { viewport: PHONE, label: 'phone' });
  await visible(phone.getByRole('img', { name: /^Sign-ups in the last 30 days/ }));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'phone-overview');
  await phone.goto(`${baseUrl()}/admin/catalog`);
  await visible(phone.getByRole('heading', { name: addOn.name }));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'phone-catalog');

  // Support staff read the catalog; saving gets the API's refusal, and nothing changes.
  const helper = freshUser();
  const helperStaff = await staffMember(helper, 'support');
  const device = await session.device('support');
  const desk = await device.open('/sign-in?next=/admin/catalog', { viewport: PHONE, label: 'support' });
  await staffSignIn(desk, helper, helperStaff);
  await desk.waitForURL((url) => url.pathname === '/admin/catalog');
  const supportKeys = desk.getByRole('region', { name: 'Entitlement keys' });
  await visible(supportKeys.getByRole('row').filter({ hasText: key }));
  await supportKeys.getByLabel('Key', { exact: true }).fill(`e2e_support_${suffix}`);
  await supportKeys.getByLabel('Label', { exact: true }).fill('Not allowed');
  await supportKeys.getByRole('button', { name: 'Add key' }).click();
  await visible(supportKeys.getByRole('alert').getByText('The support role may not change this part of the admin area.'));
  await assertNoHorizontalScroll(desk);
  const { entitlements } = await api('GET', '/admin/catalog/entitlements', undefined, token);
  assert.equal(entitlements.filter((e) => e.key === `e2e_support_${suffix}`).length, 0);
});
