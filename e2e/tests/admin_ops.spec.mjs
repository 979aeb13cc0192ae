// The admin area's operations: an administrator finds who holds an instance's seats,
// moves a paying customer's seat to another instance, drains that one and follows the
// count down to zero, then finds a dead job by state and discards it. The database and
// the audit log agree with what the pages said; on a phone nothing is wider than the
// screen.

import assert from 'node:assert/strict';

import { baseUrl, browserTest, DESKTOP, PHONE, hidden, visible } from '../lib/browser.mjs';
import { payingCustomer, until } from '../lib/customers.mjs';
import { assertNoHorizontalScroll, focused } from '../lib/pages.mjs';
import { freshUser, queryOne } from '../lib/people.mjs';
import { api, staffMember, staffSignIn } from '../lib/staff.mjs';

/** The name of the Team instance holding `userId`'s live seat ('' when none). */
function seatInstance(userId) {
  return queryOne(
    `SELECT i.name FROM seats s JOIN instances i ON i.id = s.instance_id JOIN products p ON p.id = s.product_id
      WHERE s.user_id = :'user' AND p.slug = 'team' AND s.released_at IS NULL`,
    { user: userId },
  );
}

/** How many audit records of `action` about `target` the staff member `actor` left. */
function audited(action, target, actor) {
  return Number(
    queryOne(
      `SELECT count(*) FROM audit_log WHERE action = :'action' AND target_id = :'target' AND actor_user_id = :'actor'`,
      { action, target, actor },
    ),
  );
}

/** The seats an instance's bar reads out ("3 of 100 seats; soft cap …"). */
async function seatsOn(item) {
  const words = await item.getByRole('img', { name: /seats; soft cap/ }).getAttribute('aria-label');
  return Number(words.match(/^(\d+) of/)[1]);
}

browserTest('staff move a customer’s seat, drain an instance to zero and discard a dead job', async (session) => {
  const staff = freshUser();
  const { secret, step } = await staffMember(staff, 'admin');
  const staffId = queryOne("SELECT id FROM users WHERE email = :'email'", { email: staff.email });

  // A paying customer of Team, whose seat the order puts on an instance of it.
  const customer = freshUser();
  await payingCustomer(customer);
  const customerId = queryOne("SELECT id FROM users WHERE email = :'email'", { email: customer.email });
  const from = await until('the customer’s seat', () => seatInstance(customerId));
  const person = `${customer.firstName} ${customer.lastName}`;

  const page = await session.open('/sign-in?next=/admin/instances', { viewport: DESKTOP, label: 'desktop' });
  const listed = page.waitForRequest(
    (request) => new URL(request.url()).pathname === '/api/v1/admin/instances' && Boolean(request.headers().authorization),
  );
  await staffSignIn(page, staff, { secret, step });
  await page.waitForURL((url) => url.pathname === '/admin/instances');
  const token = (await listed).headers().authorization.replace(/^Bearer /, '');

  // A second instance of Team, taken by no automatic placement: only staff put seats there.
  const target = `team-e2e-${Date.now().toString(36)}`;
  const created = await api(
    'POST',
    '/admin/instances',
    {
      product: 'team',
      name: target,
      base_url: `https://${target}.example.org`,
      auto_allocate: false,
      soft_cap: 5,
      allocation_cap: 5,
      hard_cap: 10,
    },
    token,
  );
  await page.reload();
  const product = page.getByRole('region', { name: 'Product team' });
  const item = (name) => product.getByRole('listitem').filter({ has: page.getByRole('heading', { name, exact: true }) });
  const fromItem = item(from);
  const targetItem = item(target);
  await visible(targetItem.getByRole('img', { name: '0 of 10 seats; soft cap 5, allocation cap 5, hard cap 10' }));
  await visible(targetItem.getByText('Auto-allocate off'));
  const before = await seatsOn(fromItem);

  // Who holds the seats: the customer, with the account that pays.
  const toggle = fromItem.getByRole('button', { name: `Seats (${before}) on ${from}` });
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const seats = fromItem.getByRole('table', { name: `Seats on ${from}, oldest first` });
  const row = seats.getByRole('row').filter({ hasText: customer.email });
  await visible(row);
  const account = queryOne(
    "SELECT a.name FROM seats s JOIN accounts a ON a.id = s.account_id WHERE s.user_id = :'user' AND s.released_at IS NULL",
    { user: customerId },
  );
  await visible(row.getByRole('cell', { name: new RegExp(`^${person}\\s*${customer.email.replaceAll('.', '\\.')}$`) }));
  await visible(row.getByRole('cell', { name: account, exact: true }));
  await session.screenshot(page, 'seats');

  // "Move to…" needs a choice; then the seat moves and both bars count it.
  const move = row.getByRole('button', { name: 'Move', exact: true });
  await move.click();
  await visible(row.getByText('Choose the instance to move the seat to.'));
  const choice = row.getByLabel(`Move ${person} to…`);
  assert.equal(await choice.getAttribute('aria-invalid'), 'true');
  await choice.selectOption({ label: `${target}: room for 10 (0 of 10 seats)` });
  await move.click();
  await visible(fromItem.getByRole('status').getByText(`${person} moved to ${target}.`));
  await visible(targetItem.getByRole('img', { name: '1 of 10 seats; soft cap 5, allocation cap 5, hard cap 10' }));
  await visible(fromItem.getByRole('img', { name: new RegExp(`^${before - 1} of \\d+ seats;`) }));
  await hidden(row);
  await visible(targetItem.getByRole('button', { name: `Seats (1) on ${target}` }));
  assert.equal(seatInstance(customerId), target);
  assert.equal(audited('instances.seat_placed', customerId, staffId), 1);
  await session.screenshot(page, 'moved');

  // Draining asks first and says what will happen; Escape keeps things as they are.
  await targetItem.getByRole('button', { name: `Drain… ${target}` }).click();
  const ask = targetItem.getByRole('group', { name: `Drain ${target}?` });
  await visible(ask.getByText(/moves its 1 seat one at a time/));
  await focused(page, `drain-confirm-${created.id}-question`);
  await page.keyboard.press('Escape');
  await hidden(ask);
  await focused(page, `drain-${created.id}`);
  await targetItem.getByRole('button', { name: `Drain… ${target}` }).click();
  await ask.getByRole('button', { name: 'Drain', exact: true }).click();

  // The page follows the count down to zero; the seat went back where it was.
  await visible(targetItem.getByRole('status').getByText(`${target} is drained: it holds no seats.`));
  await visible(targetItem.getByText('Moving seats: 0 left'));
  assert.equal(await targetItem.locator('progress').getAttribute('value'), '1');
  await visible(targetItem.getByRole('img', { name: '0 of 10 seats; soft cap 5, allocation cap 5, hard cap 10' }));
  await visible(fromItem.getByRole('img', { name: new RegExp(`^${before} of \\d+ seats;`) }));
  await hidden(targetItem.getByText('Draining', { exact: true }));
  assert.equal(seatInstance(customerId), from);
  assert.equal(audited('instances.drain_started', created.id, staffId), 1);
  await session.screenshot(page, 'drained');

  // Placing someone by hand, named by email: a stranger's address is refused beside the
  // field; the customer's seat then comes here (staff may, on any instance, up to its
  // hard cap).
  await targetItem.getByRole('button', { name: `Seats (0) on ${target}` }).click();
  const place = targetItem.getByRole('form').filter({ has: page.getByRole('heading', { name: `Place someone on ${target}` }) });
  const placeHere = targetItem.getByRole('button', { name: 'Place here' });
  await placeHere.click();
  await visible(targetItem.getByText('Enter the person’s email address or username.'));
  await targetItem.getByLabel('Email or username').fill('nobody-at-all@example.org');
  await placeHere.click();
  await visible(targetItem.getByText(/matches nobody.s email address or username/));
  await targetItem.getByLabel('Email or username').fill(customer.email);
  await placeHere.click();
  await visible(targetItem.getByRole('status').getByText(`${customer.email} has a seat on ${target}.`));
  await visible(targetItem.getByRole('img', { name: '1 of 10 seats; soft cap 5, allocation cap 5, hard cap 10' }));
  assert.equal(seatInstance(customerId), target);
  assert.equal(audited('instances.seat_placed', customerId, staffId), 2);
  assert.equal(await place.count(), 1);

  // The drain job, once finished, made dead (as if it had run out of attempts).
  const job = await until('the drain job to finish', () =>
    queryOne(
      `WITH dead AS (
         UPDATE jobs SET state = 'dead', last_error = 'e2e: gave up', finished_at = now()
          WHERE kind = 'instances.drain' AND payload->>'instance_id' = :'instance' AND state = 'done' RETURNING id
       ) SELECT id FROM dead`,
      { instance: created.id },
    ),
  );

  // Jobs by state and kind; the dead one is discarded after a confirmation.
  await page.getByRole('navigation', { name: 'Admin area' }).getByRole('link', { name: 'Webhooks and jobs' }).click();
  const jobs = page.getByRole('region', { name: 'Jobs' });
  await visible(jobs.getByRole('heading', { name: 'Jobs', level: 2 }));
  await jobs.getByLabel('State').selectOption('queued');
  await jobs.getByRole('button', { name: 'Show jobs' }).click();
  await jobs.getByLabel('State').selectOption({ label: 'Dead (out of attempts)' });
  await jobs.getByLabel(/^Kind/).fill('instances.drain');
  await jobs.getByRole('button', { name: 'Show jobs' }).click();
  const list = jobs.getByRole('list', { name: 'Jobs, newest first' });
  const dead = list.getByRole('listitem').filter({ hasText: `Job ${job} ·` });
  await visible(dead);
  await visible(dead.getByText('e2e: gave up'));
  await visible(dead.getByText(/attempts \d+ of 5/));
  for (const state of await list.locator('.tag').allTextContents()) assert.equal(state, 'dead');
  await dead.getByRole('button', { name: `Discard… job ${job}` }).click();
  const sure = dead.getByRole('group', { name: `Discard job ${job} (instances.drain)?` });
  await visible(sure);
  await session.screenshot(page, 'discard-job');
  await sure.getByRole('button', { name: 'Discard', exact: true }).click();
  await visible(jobs.getByRole('status').getByText(`Job ${job} (instances.drain) is discarded.`));
  await hidden(dead);
  assert.equal(queryOne("SELECT count(*) FROM jobs WHERE id = :'id'", { id: job }), '0');
  assert.equal(audited('jobs.job_discarded', job, staffId), 1);
  await session.screenshot(page, 'jobs');

  // On a phone: the seats become labelled blocks, the jobs a list; nothing scrolls sideways.
  const phone = await session.open('/admin/instances', { viewport: PHONE, label: 'phone-instances' });
  const phoneItem = phone
    .getByRole('region', { name: 'Product team' })
    .getByRole('listitem')
    .filter({ has: phone.getByRole('heading', { name: target, exact: true }) });
  await phoneItem.getByRole('button', { name: new RegExp(`^Seats \\(\\d+\\) on ${target}$`) }).click();
  await visible(phoneItem.getByRole('row').filter({ hasText: customer.email }));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'phone-seats');
  await phone.goto(`${baseUrl()}/admin/webhooks`);
  await visible(phone.getByRole('heading', { name: 'Jobs', level: 2 }));
  await hidden(phone.getByText('Loading jobs…'));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'phone-jobs');
});
