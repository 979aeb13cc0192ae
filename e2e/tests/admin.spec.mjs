// The admin area (its own bundle, /admin): a staff member with two-factor sign-in raises
// an instance's hard cap and finds the change in the audit log (filtered, expanded,
// exported); a customer is told the area is for staff and sees no data.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { baseUrl, browserTest, DESKTOP, hidden, visible } from '../lib/browser.mjs';
import { assertNoHorizontalScroll, signIn } from '../lib/pages.mjs';
import { freshUser, queryOne, registerThroughApi } from '../lib/people.mjs';
import { api, staffMember, staffSignIn } from '../lib/staff.mjs';

/** A phone as narrow as the admin area must work on. */
const NARROW_PHONE = { width: 390, height: 844 };

browserTest('staff raise an instance’s hard cap and find the change in the audit log', async (session) => {
  const user = freshUser();
  const { secret, step } = await staffMember(user, 'admin');

  // Sign-in needs the second factor, then lands on the admin area (another bundle).
  const page = await session.open('/sign-in?next=/admin/instances', { viewport: DESKTOP, label: 'desktop' });
  await staffSignIn(page, user, { secret, step });
  await page.waitForURL((url) => url.pathname === '/admin/instances');
  await visible(page.getByRole('heading', { name: 'Instances', level: 1 }));
  const nav = page.getByRole('navigation', { name: 'Admin area' });
  await visible(nav.getByRole('link', { name: 'Instances' }));
  assert.equal(await nav.getByRole('link', { name: 'Instances' }).getAttribute('aria-current'), 'page');

  // The seeded demo instance of Starter, its seats against its caps in words.
  const product = page.getByRole('region', { name: 'Product starter' });
  const instance = product.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'starter-demo-1' }) });
  const bar = instance.getByRole('img', { name: /seats; soft cap \d+, allocation cap \d+, hard cap \d+$/ });
  await visible(bar);
  const [, seats, soft, allocation, hard] = (await bar.getAttribute('aria-label')).match(
    /^(\d+) of \d+ seats; soft cap (\d+), allocation cap (\d+), hard cap (\d+)$/,
  );
  await session.screenshot(page, 'instances');

  // Caps out of order are refused before anything is sent.
  await instance.getByRole('button', { name: 'Edit caps of starter-demo-1' }).click();
  const hardCap = instance.getByLabel('Hard cap', { exact: true });
  assert.equal(await hardCap.inputValue(), hard);
  await hardCap.fill(String(Number(allocation) - 1));
  await instance.getByRole('button', { name: 'Save caps' }).click();
  await visible(instance.getByText('The allocation cap may not be above the hard cap.'));
  assert.equal(await instance.getByRole('spinbutton', { name: 'Allocation cap' }).getAttribute('aria-invalid'), 'true');
  await session.screenshot(page, 'caps-refused');

  const raised = Number(hard) + 7;
  await hardCap.fill(String(raised));
  await instance.getByRole('button', { name: 'Save caps' }).click();
  const words = `${seats} of ${raised} seats; soft cap ${soft}, allocation cap ${allocation}, hard cap ${raised}`;
  await visible(page.getByRole('status').getByText(`starter-demo-1 saved: ${words}.`));
  await visible(instance.getByRole('img', { name: words }));
  await hidden(instance.getByRole('button', { name: 'Save caps' }));
  await session.screenshot(page, 'instances-raised');

  // A second instance of Starter.
  const added = `starter-e2e-${Date.now().toString(36)}`;
  const form = page.getByRole('region', { name: 'Add instance' });
  await form.getByRole('button', { name: 'Add instance' }).click();
  await visible(form.getByText('Enter the product’s slug.'));
  await form.getByLabel('Product').fill('starter');
  await form.getByLabel('Name').fill(added);
  await form.getByLabel('Address').fill('https://eu-2.example.com');
  await form.getByRole('button', { name: 'Add instance' }).click();
  await visible(page.getByRole('status').getByText(`${added} added to starter.`));
  await visible(
    product.getByRole('img', { name: '0 of 100 seats; soft cap 80, allocation cap 90, hard cap 100' }),
  );

  // The audit log, narrowed to the instances area.
  await nav.getByRole('link', { name: 'Audit log' }).click();
  await visible(page.getByRole('heading', { name: 'Audit log', level: 1 }));
  await page.getByLabel('Action or area').fill('instances');
  await page.getByRole('button', { name: 'Search' }).click();
  const table = page.getByRole('table', { name: 'Audit records, newest first' });
  const record = table
    .locator('tbody')
    .filter({ hasText: 'instances.instance_changed' })
    .filter({ hasText: user.email })
    .first();
  await visible(record);
  await visible(page.getByText(/^Page 1 of 1 · \d+ records?$/));
  const pages = page.getByRole('navigation', { name: 'Audit log pages' });
  assert.ok(await pages.getByRole('button', { name: 'Previous page' }).isDisabled());
  assert.ok(await pages.getByRole('button', { name: 'Next page' }).isDisabled());
  for (const action of await table.locator('tbody tr:first-child td:nth-child(3)').allTextContents()) {
    assert.match(action, /^instances\./);
  }
  await record.getByText('Before and after').click();
  const after = record.locator('pre').nth(1);
  await visible(after);
  assert.match(await after.textContent(), new RegExp(`"hard_cap": ${raised}\\b`));
  assert.match(await record.locator('pre').first().textContent(), new RegExp(`"hard_cap": ${hard}\\b`));
  await session.screenshot(page, 'audit');

  // The same selection as CSV, fetched with the session's token.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = await download;
  assert.equal(file.suggestedFilename(), 'audit.csv');
  const csv = await readFile(await file.path(), 'utf8');
  assert.ok(csv.includes('instances.instance_changed'), 'the export has no instance change');
  assert.ok(csv.includes(user.email), 'the export does not name the staff member');
  await visible(page.getByRole('status').getByText(/saved as audit\.csv/));

  // The search is in the address, and each instance links to its own history.
  assert.equal(new URL(page.url()).search, '?action=instances');
  await nav.getByRole('link', { name: 'Instances' }).click();
  await page.getByRole('link', { name: 'History of starter-demo-1' }).click();
  await page.waitForURL((url) => url.pathname === '/admin/audit' && url.searchParams.get('target_type') === 'instance');
  assert.equal(await page.getByLabel('Target type').inputValue(), 'instance');
  await visible(table.locator('tbody').filter({ hasText: 'instances.instance_changed' }).filter({ hasText: user.email }).first());
  const targets = await table.locator('tbody tr:first-child td:nth-child(4)').allTextContents();
  assert.ok(targets.length >= 1);
  assert.equal(new Set(targets).size, 1, `one instance's history: ${targets}`);

  // A search the API refuses (from a hand-edited address) is told next to its field.
  await page.goto(`${baseUrl()}/admin/audit?until=someday`);
  await visible(page.getByText('Until must be an RFC 3339 time.'));
  assert.equal(await page.getByLabel('Until').getAttribute('aria-invalid'), 'true');
  await visible(page.getByRole('alert').getByText('Please correct the highlighted fields.'));

  // The waitlist: someone waiting is invited.
  const waiting = freshUser();
  await api('POST', '/waitlist', { email: waiting.email, name: 'Grace Hopper', product: 'team' });
  await nav.getByRole('link', { name: 'Waitlist' }).click();
  await visible(page.getByRole('heading', { name: 'Waitlist', level: 1 }));
  const row = page.getByRole('row').filter({ hasText: waiting.email });
  await row.getByRole('button', { name: `Invite ${waiting.email}` }).click();
  await visible(page.getByRole('status').getByText(`${waiting.email} is invited.`));
  await visible(row.getByRole('button', { name: `Invite again ${waiting.email}` }));
  await session.screenshot(page, 'waitlist');

  // Webhooks and jobs: both lists load (the fresh installation may have neither).
  await nav.getByRole('link', { name: 'Webhooks and jobs' }).click();
  await visible(page.getByRole('heading', { name: 'Stripe events', level: 2 }));
  await hidden(page.getByText('Loading Stripe\'s events…'));
  await hidden(page.getByText('Loading dead jobs…'));
  assert.equal(await page.getByRole('alert').filter({ hasText: 'could not be loaded' }).count(), 0);
  await session.screenshot(page, 'webhooks');

  // On a phone: the same pages, nothing wider than the screen.
  const phone = await session.open('/admin/audit', { viewport: NARROW_PHONE, label: 'phone-audit' });
  await visible(phone.getByRole('table', { name: 'Audit records, newest first' }));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'phone-audit-log');
  await phone.goto(`${baseUrl()}/admin/instances`);
  await visible(phone.getByRole('img', { name: words }));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'phone-instances');
  await phone.goto(`${baseUrl()}/admin/waitlist`);
  await visible(phone.getByRole('table', { name: 'People on the waitlist, oldest first' }).getByRole('cell', { name: waiting.email, exact: true }));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'phone-waitlist');
  await phone.goto(`${baseUrl()}/admin`);
  await visible(phone.getByRole('heading', { name: 'Admin area', level: 1 }));
  await visible(phone.locator('main').getByText('Administrator', { exact: true }));
  await assertNoHorizontalScroll(phone);
});

browserTest('a customer opening the admin area reads that it is for staff, and sees no data', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const page = await session.open('/sign-in?next=/admin/audit', { viewport: NARROW_PHONE, label: 'phone' });
  await signIn(page, user.username, user.password);
  await page.waitForURL((url) => url.pathname === '/admin/audit');
  await visible(page.getByRole('heading', { name: 'This area is for staff', level: 1 }));
  assert.equal(await page.getByRole('table').count(), 0);
  assert.equal(await page.getByRole('navigation', { name: 'Admin area' }).count(), 0);
  await visible(page.getByRole('link', { name: 'Go to your dashboard' }));
  await assertNoHorizontalScroll(page);
});

browserTest('staff without two-factor are sent to their settings; the billing role reads instances but may not change them', async (session) => {
  // Staff who have not turned on two-factor authentication yet.
  const newcomer = freshUser();
  await registerThroughApi(newcomer);
  queryOne("UPDATE users SET is_staff = true, staff_role = 'support' WHERE email = :'email' RETURNING id", {
    email: newcomer.email,
  });
  const first = await session.open('/sign-in?next=/admin', { viewport: NARROW_PHONE, label: 'no-two-factor' });
  await signIn(first, newcomer.username, newcomer.password);
  await first.waitForURL((url) => url.pathname === '/admin');
  await visible(first.getByRole('heading', { name: 'Turn on two-factor authentication first', level: 1 }));
  await visible(first.getByRole('link', { name: 'Turn it on in your account settings' }));
  assert.equal(await first.getByRole('navigation', { name: 'Admin area' }).count(), 0);
  await assertNoHorizontalScroll(first);

  // Billing staff see the instances; changing caps gets the API's reason.
  const user = freshUser();
  const { secret, step } = await staffMember(user, 'billing');
  const device = await session.device('billing');
  const page = await device.open('/sign-in?next=/admin/instances', { viewport: DESKTOP, label: 'billing' });
  await staffSignIn(page, user, { secret, step });
  await page.waitForURL((url) => url.pathname === '/admin/instances');
  const instance = page
    .getByRole('region', { name: 'Product team' })
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name: 'team-demo-1' }) });
  await instance.getByRole('button', { name: 'Edit caps of team-demo-1' }).click();
  const hardCap = instance.getByLabel('Hard cap', { exact: true });
  await hardCap.fill(String(Number(await hardCap.inputValue()) + 1));
  await instance.getByRole('button', { name: 'Save caps' }).click();
  await visible(instance.getByRole('alert').getByText('The billing role may not change this part of the admin area.'));
  await page.goto(`${baseUrl()}/admin`);
  await visible(page.locator('main').getByText('Billing', { exact: true }));
  await visible(page.getByText('You may read every area and change billing, the catalog and webhooks.'));
  await device.screenshot(page, 'billing-overview');
});
