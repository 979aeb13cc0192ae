// The admin area's Accounts pages (support bundle, /admin/accounts): support staff find a
// customer by email, suspend the account (with a reason, confirmed) and reactivate it,
// end a member's sessions and view the account as the customer in a read-only tab;
// billing staff confirm a bank transfer through the form (a bad amount is refused first),
// grant credits, and may not suspend. Each step is checked on the page and in the database.

import assert from 'node:assert/strict';

import { browserTest, DESKTOP, hidden, PHONE, visible } from '../lib/browser.mjs';
import { assertNoHorizontalScroll } from '../lib/pages.mjs';
import { freshUser, queryOne, registerThroughApi } from '../lib/people.mjs';
import { api, staffMember, staffSignIn } from '../lib/staff.mjs';

/** A customer signed up through the API, with one sign-in; their account's id. */
async function customerWithAccount() {
  const customer = freshUser();
  await registerThroughApi(customer);
  await api('POST', '/auth/login', { login: customer.username, password: customer.password });
  const accountId = queryOne(
    `SELECT a.id FROM accounts a JOIN account_members m ON m.account_id = a.id
       JOIN users u ON u.id = m.user_id WHERE u.email = :'email'`,
    { email: customer.email },
  );
  assert.ok(accountId, `no account for ${customer.email}`);
  return { customer, accountId };
}

/** How many audit records of `action` name the account `accountId` or the user `userId`. */
function audited(action, targetId) {
  return Number(
    queryOne("SELECT count(*) FROM audit_log WHERE action = :'action' AND target_id = :'target'", {
      action,
      target: targetId,
    }),
  );
}

/** `text` matched literally inside a regular expression. */
function literal(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function accountColumn(accountId, column) {
  return queryOne(`SELECT ${column} FROM accounts WHERE id = :'id'`, { id: accountId });
}

browserTest('support staff find an account, suspend and reactivate it, end a member’s sessions and view it as the customer', async (session) => {
  const { customer, accountId } = await customerWithAccount();
  const customerId = queryOne("SELECT id FROM users WHERE email = :'email'", { email: customer.email });
  const staff = freshUser();
  const factor = await staffMember(staff, 'support');

  const page = await session.open('/sign-in?next=/admin/accounts', { viewport: DESKTOP, label: 'desktop' });
  await staffSignIn(page, staff, factor);
  await page.waitForURL((url) => url.pathname === '/admin/accounts');
  await visible(page.getByRole('heading', { name: 'Accounts', level: 1 }));
  const nav = page.getByRole('navigation', { name: 'Admin area' });
  assert.equal(await nav.getByRole('link', { name: 'Accounts' }).getAttribute('aria-current'), 'page');

  // Found by the owner's email; the search is kept in the address.
  await page.getByLabel('Name, email, username or id').fill(customer.email);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL((url) => url.searchParams.get('q') === customer.email);
  const table = page.getByRole('table', { name: 'Accounts found, in the order chosen' });
  const row = table.getByRole('row').filter({ hasText: customer.email });
  await visible(row);
  await visible(page.getByText('Page 1 of 1 · 1 account', { exact: true }));
  await visible(row.getByText('Personal', { exact: true }));
  await session.screenshot(page, 'accounts');

  // A search that matches nothing says so.
  await page.getByLabel('Name, email, username or id').fill(`nobody-${Date.now()}@example.org`);
  await page.getByRole('button', { name: 'Search' }).click();
  await visible(page.getByText('No accounts match this search.'));
  await page.getByLabel('Name, email, username or id').fill(customer.email);
  await page.getByRole('button', { name: 'Search' }).click();
  await visible(row);

  await row.getByRole('link').click();
  await page.waitForURL((url) => url.pathname === `/admin/accounts/${accountId}`);
  const summary = page.getByRole('region', { name: 'Summary' });
  await visible(summary.getByText(accountId, { exact: true }));
  const name = (await page.getByRole('heading', { level: 1 }).textContent()).trim();
  const member = page.getByRole('region', { name: 'Members' }).getByRole('listitem').filter({ hasText: customer.email });
  await visible(member.getByText('1 active sign-in', { exact: true }));
  await visible(member.getByText('Not verified', { exact: true }));
  await visible(member.getByRole('button', { name: /^Resend verification/ }));
  await session.screenshot(page, 'account');

  // Suspending asks for a reason first, then holds the account.
  const actions = page.getByRole('region', { name: 'Account actions' });
  await actions.getByRole('button', { name: 'Suspend', exact: true }).click();
  await visible(actions.getByRole('heading', { name: new RegExp(`^Suspend ${literal(name)}\\?`) }));
  await actions.getByRole('button', { name: 'Suspend account' }).click();
  await visible(actions.getByText('Enter a reason for the record.'));
  assert.equal(await actions.getByLabel('Reason').getAttribute('aria-invalid'), 'true');
  assert.equal(accountColumn(accountId, 'status') === 'suspended', false);
  await actions.getByLabel('Reason').fill('Chargeback on the last invoice');
  await actions.getByRole('button', { name: 'Suspend account' }).click();
  await visible(page.getByRole('status').getByText(`${name} is suspended.`));
  await visible(summary.getByText('Suspended', { exact: true }));
  await visible(summary.getByText('Held by staff', { exact: true }));
  await visible(summary.getByText('Chargeback on the last invoice', { exact: true }));
  const history = page.getByRole('table', { name: 'Status changes, newest first' });
  await visible(history.getByRole('row').filter({ hasText: 'Chargeback on the last invoice' }));
  assert.equal(accountColumn(accountId, 'status'), 'suspended');
  assert.equal(audited('account.suspended', accountId), 1);
  await session.screenshot(page, 'suspended');

  // Reactivating lifts the hold; the status follows billing again.
  await actions.getByRole('button', { name: 'Reactivate', exact: true }).click();
  await actions.getByLabel('Reason').fill('Paid by bank transfer');
  await actions.getByRole('button', { name: 'Reactivate account' }).click();
  await visible(page.getByRole('status').getByText(new RegExp(`^${literal(name)} is reactivated; its status is .+ now\\.$`)));
  await hidden(summary.getByText('Held by staff', { exact: true }));
  // The history says staff lifted the hold.
  await visible(history.getByRole('row').filter({ hasText: 'Suspended →' }).filter({ hasText: 'reactivated by staff' }));
  await visible(actions.getByRole('button', { name: 'Suspend', exact: true }));
  assert.notEqual(accountColumn(accountId, 'status'), 'suspended');
  assert.equal(audited('account.reactivated', accountId), 1);

  // Ending a member's sessions asks first; Cancel keeps them.
  await member.getByRole('button', { name: `End sessions of ${name}` }).click();
  await visible(member.getByRole('heading', { name: /^End every sign-in of/ }));
  await member.getByRole('button', { name: 'Cancel' }).click();
  await hidden(member.getByRole('heading', { name: /^End every sign-in of/ }));
  await member.getByRole('button', { name: `End sessions of ${name}` }).click();
  await member.getByRole('button', { name: 'End sessions', exact: true }).click();
  await visible(member.getByRole('status').getByText(`1 sign-in of ${customer.email} ended.`));
  await hidden(member.getByText('1 active sign-in', { exact: true }));
  assert.equal(
    queryOne("SELECT count(*) FROM refresh_tokens WHERE user_id = :'id' AND revoked_at IS NULL", { id: customerId }),
    '0',
  );
  assert.equal(audited('account.sessions_revoked', customerId), 1);

  // Viewing as the customer opens their dashboard, read only, in a new tab.
  const opened = page.context().waitForEvent('page');
  await actions.getByRole('button', { name: 'View as customer' }).click();
  const viewer = await opened;
  await viewer.waitForURL((url) => url.pathname === '/dashboard');
  const banner = viewer.getByRole('status').filter({ hasText: 'Viewing as' });
  await visible(banner.getByText(customer.email, { exact: false }));
  await visible(viewer.getByRole('heading', { name: /^Welcome/, level: 1 }));
  await visible(actions.getByRole('status').getByText(`viewing as ${customer.email}`, { exact: false }));
  assert.equal(audited('account.viewed_as', accountId) >= 1, true);
  await session.screenshot(viewer, 'view-as');

  // A change made with the viewing token is refused, and nothing changes.
  const refused = await viewer.evaluate(async () => {
    const token = window.sessionStorage.getItem('gatehouse.view_as');
    const response = await fetch('/api/v1/me', {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'Mallory' }),
    });
    return { status: response.status, body: await response.json() };
  });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'read_only_session');
  assert.equal(queryOne("SELECT first_name FROM users WHERE id = :'id'", { id: customerId }), customer.firstName);

  // "End viewing" closes the tab (or leaves the customer's pages).
  const closed = viewer.waitForEvent('close').then(() => 'closed');
  const left = viewer.waitForURL((url) => url.pathname === '/').then(() => 'left', () => 'closed');
  await banner.getByRole('button', { name: 'End viewing' }).click();
  assert.ok(['closed', 'left'].includes(await Promise.race([closed, left])));

  // On a phone: the list and the account, nothing wider than the screen.
  const phone = await session.open(`/admin/accounts?q=${encodeURIComponent(customer.email)}`, { viewport: PHONE, label: 'phone-accounts' });
  const found = phone.getByRole('table', { name: 'Accounts found, in the order chosen' }).getByRole('link', { name, exact: true });
  await visible(found);
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'phone-accounts');
  await found.click();
  await phone.waitForURL((url) => url.pathname === `/admin/accounts/${accountId}`);
  await visible(phone.getByRole('table', { name: 'Status changes, newest first' }));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'phone-account');
});

browserTest('billing staff confirm a bank transfer through the form, grant credits, and may not suspend', async (session) => {
  const { customer, accountId } = await customerWithAccount();
  const staff = freshUser();
  const factor = await staffMember(staff, 'billing');

  // A plan with a monthly price, as the form offers them.
  const catalog = await api('GET', '/catalog');
  const plan = catalog.pages
    .flatMap((p) => p.products)
    .find((p) => p.kind === 'plan' && p.prices.some((price) => price.period === 'month'));
  const price = plan.prices.find((p) => p.period === 'month');
  const major = (price.amount_minor / 100).toFixed(2);

  const page = await session.open(`/sign-in?next=/admin/accounts/${accountId}`, { viewport: DESKTOP, label: 'billing' });
  await staffSignIn(page, staff, factor);
  await page.waitForURL((url) => url.pathname === `/admin/accounts/${accountId}`);
  const transfers = page.getByRole('region', { name: 'Bank transfers' });
  await visible(transfers.getByText('No bank transfers confirmed.'));

  const reference = `BT-${Date.now().toString(36)}`;
  const form = transfers.getByRole('form', { name: 'Confirm bank transfer' });
  await form.getByLabel('Reference').fill(reference);
  await form.getByLabel('Payer').fill(`${customer.firstName} ${customer.lastName}`);
  await form.getByLabel('Plan').selectOption({ label: plan.name });
  await form.getByLabel('Period').selectOption({ label: 'A month' });
  await form.getByLabel('Currency').fill(price.currency);
  // An amount with three decimals is refused beside its field, before anything is sent.
  await form.getByLabel('Amount').fill('12.345');
  await form.getByRole('button', { name: 'Confirm bank transfer' }).click();
  await visible(form.getByText('Enter the amount that arrived, such as 29.00 (at most two decimals).'));
  assert.equal(await form.getByLabel('Amount').getAttribute('aria-invalid'), 'true');
  assert.equal(queryOne("SELECT count(*) FROM bank_transfers WHERE reference = :'ref'", { ref: reference }), '0');
  await session.screenshot(page, 'transfer-refused');

  await form.getByLabel('Amount').fill(major);
  await form.getByRole('button', { name: 'Confirm bank transfer' }).click();
  await visible(transfers.getByRole('status').getByText(new RegExp(`^Transfer ${reference} of .+ confirmed: ${literal(plan.name)} is paid from`)));
  const listed = transfers.getByRole('table', { name: 'Confirmed bank transfers, newest first' });
  await visible(listed.getByRole('row').filter({ hasText: reference }));
  assert.equal(
    queryOne("SELECT amount_minor FROM bank_transfers WHERE reference = :'ref' AND account_id = :'id'", { ref: reference, id: accountId }),
    String(price.amount_minor),
  );
  assert.equal(accountColumn(accountId, 'status'), 'active');
  assert.equal(audited('account.bank_transfer_confirmed', accountId) >= 1, true);
  await visible(page.getByRole('region', { name: 'Summary' }).getByText('Active', { exact: true }));
  await session.screenshot(page, 'transfer-confirmed');

  // The same reference again: the API refuses it beside the field.
  await form.getByLabel('Reference').fill(reference);
  await form.getByLabel('Payer').fill('Someone else');
  await form.getByLabel('Amount').fill(major);
  await form.getByRole('button', { name: 'Confirm bank transfer' }).click();
  await visible(form.getByRole('alert').getByText('Please correct the highlighted fields.'));
  assert.equal(await form.getByLabel('Reference').getAttribute('aria-invalid'), 'true');
  assert.equal(queryOne("SELECT count(*) FROM bank_transfers WHERE reference = :'ref'", { ref: reference }), '1');

  // Credits: a grant is recorded in the ledger and the balance shown grows.
  const balance = Number(
    queryOne(
      "SELECT coalesce((SELECT balance_after FROM credit_transactions WHERE account_id = :'id' ORDER BY id DESC LIMIT 1), 0)",
      { id: accountId },
    ),
  );
  const credits = page.getByRole('region', { name: 'Credits' });
  const adjust = credits.getByRole('form', { name: 'Adjust credits' });
  await adjust.getByLabel('Amount').fill('0');
  await adjust.getByRole('button', { name: 'Record credits' }).click();
  await visible(adjust.getByText('Enter how many credits to grant, a whole number above 0.'));
  await adjust.getByLabel('Amount').fill('250');
  await adjust.getByLabel('Description').fill('Goodwill after the outage');
  await adjust.getByRole('button', { name: 'Record credits' }).click();
  const after = (balance + 250).toLocaleString('en-US');
  await visible(credits.getByRole('status').getByText(`+250 credits recorded; the balance is ${after} credits now.`));
  await visible(credits.getByText(`Balance: ${after} credits.`));
  assert.equal(
    queryOne("SELECT count(*) FROM credit_transactions WHERE account_id = :'id' AND description = 'Goodwill after the outage'", { id: accountId }),
    '1',
  );

  // Billing may not suspend accounts: the API's reason is shown, nothing changes.
  const actions = page.getByRole('region', { name: 'Account actions' });
  await actions.getByRole('button', { name: 'Suspend', exact: true }).click();
  await actions.getByLabel('Reason').fill('Testing the billing role');
  await actions.getByRole('button', { name: 'Suspend account' }).click();
  await visible(actions.getByRole('alert').getByText('The billing role may not change this part of the admin area.'));
  assert.equal(accountColumn(accountId, 'status'), 'active');

  const phone = await session.open(`/admin/accounts/${accountId}`, { viewport: PHONE, label: 'phone-transfers' });
  await visible(phone.getByRole('table', { name: 'Confirmed bank transfers, newest first' }).getByRole('row').filter({ hasText: reference }));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'phone-transfers');
});
