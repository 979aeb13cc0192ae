// Support tickets (the support bundle, /support and /admin/tickets): a customer opens a
// ticket, support staff find it among the open ones and reply, the customer follows the
// reply email's link and answers (the ticket opens again), staff close it, and the
// customer's page then refuses replies and explains why; another customer cannot see it.

import assert from 'node:assert/strict';

import { baseUrl, browserTest, DESKTOP, hidden, PHONE, visible } from '../lib/browser.mjs';
import { assertNoHorizontalScroll, signIn } from '../lib/pages.mjs';
import { emailedMatch, freshUser, queryOne, registerThroughApi } from '../lib/people.mjs';
import { staffMember, staffSignIn } from '../lib/staff.mjs';

/** The ticket's status as the database holds it. */
function ticketStatus(id) {
  return queryOne("SELECT status FROM tickets WHERE id = :'id'", { id });
}

/** How many messages the ticket has in the database. */
function messageCount(id) {
  return Number(queryOne("SELECT count(*) FROM ticket_messages WHERE ticket_id = :'id'", { id }));
}

browserTest('a ticket goes from the customer to support staff and back until it is closed', async (session) => {
  // Support staff first, so the new ticket's email reaches them.
  const sue = freshUser();
  const { secret, step } = await staffMember(sue, 'support');
  const customer = freshUser();
  await registerThroughApi(customer);
  const subject = `Invoice question ${Date.now().toString(36)}`;

  // The customer's tickets: none yet, reached from the header.
  const page = await session.open('/sign-in?next=/account', { viewport: DESKTOP, label: 'customer' });
  await signIn(page, customer.username, customer.password);
  await page.waitForURL((url) => url.pathname === '/account');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Support' }).click();
  await page.waitForURL((url) => url.pathname === '/support');
  await visible(page.getByRole('heading', { name: 'Your tickets', level: 1 }));
  await visible(page.getByText('You have no tickets yet.', { exact: false }));
  assert.equal(
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Support' }).getAttribute('aria-current'),
    'page',
  );

  // A new ticket: the missing message is caught beside its field before anything is sent.
  await page.getByRole('link', { name: 'New ticket' }).click();
  await visible(page.getByRole('heading', { name: 'New ticket', level: 1 }));
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('Priority').selectOption('high');
  await page.getByRole('button', { name: 'Open ticket' }).click();
  await visible(page.getByText('Write your message.'));
  assert.equal(await page.getByLabel('Message', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(queryOne("SELECT count(*) FROM tickets WHERE subject = :'subject'", { subject }), '0');
  await session.screenshot(page, 'new-ticket-refused');
  await page.getByLabel('Message', { exact: true }).fill('The invoice for March charges two seats.\nWe only have one.');
  await page.getByRole('button', { name: 'Open ticket' }).click();
  await page.waitForURL((url) => /^\/support\/tickets\/[0-9a-f-]{36}$/.test(url.pathname));
  const id = new URL(page.url()).pathname.split('/').pop();
  await visible(page.getByRole('heading', { name: subject, level: 1 }));
  await visible(page.getByRole('status').getByText('Your ticket is open.', { exact: false }));
  await visible(page.getByText('Open: with our support team'));
  await visible(page.getByText('We only have one.', { exact: false }));
  assert.equal(ticketStatus(id), 'open');
  assert.equal(queryOne("SELECT priority FROM tickets WHERE id = :'id'", { id }), 'high');

  // Support staff are emailed a link to the ticket's staff page.
  const staffLink = await emailedMatch(sue.email, new RegExp(`http\\S+/admin/tickets/${id}`));
  assert.equal(new URL(staffLink).pathname, `/admin/tickets/${id}`);

  // Staff find it among the open tickets and reply.
  const desk = await session.device('staff');
  const staff = await desk.open('/sign-in?next=/admin/tickets', { viewport: DESKTOP, label: 'desk' });
  await staffSignIn(staff, sue, { secret, step });
  await staff.waitForURL((url) => url.pathname === '/admin/tickets');
  const nav = staff.getByRole('navigation', { name: 'Admin area' });
  assert.equal(await nav.getByRole('link', { name: 'Tickets' }).getAttribute('aria-current'), 'page');
  await staff.getByLabel('Status', { exact: true }).selectOption('open');
  await staff.getByLabel('Order', { exact: true }).selectOption({ label: 'Most urgent first' });
  await staff.getByRole('button', { name: 'Show tickets' }).click();
  await staff.waitForURL((url) => url.search === '?status=open&sort=priority');
  const table = staff.getByRole('table', { name: 'Tickets, in the order chosen' });
  const row = table.getByRole('row').filter({ hasText: subject });
  await visible(row);
  await visible(row.getByText(customer.email));
  await visible(row.getByText('High', { exact: true }));
  for (const status of await table.locator('tbody td:nth-child(3)').allTextContents()) {
    assert.equal(status, 'Open');
  }
  await desk.screenshot(staff, 'desk-open');
  await row.getByRole('link', { name: subject }).click();
  await staff.waitForURL((url) => url.pathname === `/admin/tickets/${id}`);
  await visible(staff.getByRole('heading', { name: subject, level: 1 }));
  const account = queryOne("SELECT account_id FROM tickets WHERE id = :'id'", { id });
  assert.equal(
    await staff.getByRole('link', { name: /^Open the account/ }).getAttribute('href'),
    `/admin/accounts/${account}`,
  );
  await staff.getByLabel('Message', { exact: true }).fill('Which invoice number is it?');
  await staff.getByRole('button', { name: 'Send reply' }).click();
  await visible(staff.getByRole('status').getByText('Reply sent.', { exact: false }));
  await visible(staff.getByText('Waiting on the customer', { exact: true }));
  await visible(staff.getByRole('list', { name: /^Messages/ }).getByText('Which invoice number is it?'));
  assert.equal(ticketStatus(id), 'waiting_on_customer');
  await desk.screenshot(staff, 'ticket-replied');

  // The customer follows the reply email's link, reads the reply and answers.
  const link = await emailedMatch(customer.email, new RegExp(`http\\S+/support/tickets/${id}`));
  assert.equal(new URL(link).pathname, `/support/tickets/${id}`);
  await page.goto(baseUrl() + new URL(link).pathname);
  const thread = page.getByRole('list', { name: /^Messages/ });
  const reply = thread.getByRole('listitem').filter({ hasText: 'Which invoice number is it?' });
  await visible(reply);
  await visible(reply.getByText('Support team', { exact: true }));
  await visible(page.getByText('Waiting for your reply', { exact: true }));
  await page.getByLabel('Message', { exact: true }).fill('It is invoice 2026-0042.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await visible(page.getByRole('status').getByText('Your reply is sent.', { exact: false }));
  await visible(thread.getByText('It is invoice 2026-0042.'));
  await visible(page.getByText('Open: with our support team'));
  assert.equal(ticketStatus(id), 'open');
  assert.equal(messageCount(id), 3);
  await session.screenshot(page, 'ticket-reopened');

  // Staff close it, after confirming.
  await staff.reload();
  await visible(staff.getByRole('list', { name: /^Messages/ }).getByText('It is invoice 2026-0042.'));
  await staff.getByRole('button', { name: 'Close ticket…' }).click();
  const confirm = staff.getByRole('group', { name: 'Close this ticket?' });
  await visible(confirm);
  await confirm.getByRole('button', { name: 'Keep it open' }).click();
  await hidden(confirm);
  assert.equal(ticketStatus(id), 'open');
  await staff.getByRole('button', { name: 'Close ticket…' }).click();
  await confirm.getByRole('button', { name: 'Close ticket', exact: true }).click();
  await visible(staff.getByRole('status').getByText('The ticket is closed.', { exact: false }));
  await hidden(staff.getByRole('button', { name: 'Send reply' }));
  assert.equal(ticketStatus(id), 'closed');
  await desk.screenshot(staff, 'ticket-closed');

  // The customer's page, still showing the form, is refused and explains why.
  await page.getByLabel('Message', { exact: true }).fill('One more thing.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await visible(page.getByRole('heading', { name: 'This ticket is closed', level: 2 }));
  await visible(page.getByRole('status').getByText('This ticket is closed and takes no more replies', { exact: false }));
  await hidden(page.getByRole('button', { name: 'Send reply' }));
  await visible(page.getByRole('link', { name: 'Open a new ticket' }));
  assert.equal(messageCount(id), 3);
  assert.equal(ticketStatus(id), 'closed');
  await session.screenshot(page, 'ticket-closed');

  // On a phone: the list and the ticket, nothing wider than the screen.
  const phone = await session.open('/support', { viewport: PHONE, label: 'phone-tickets' });
  await visible(phone.getByRole('table', { name: 'Your tickets, newest update first' }).getByRole('link', { name: subject }));
  await visible(phone.getByRole('table').getByText('Closed', { exact: true }));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'phone-tickets');
  await phone.goto(`${baseUrl()}/support/tickets/${id}`);
  await visible(phone.getByRole('heading', { name: 'This ticket is closed', level: 2 }));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'phone-ticket');
  const staffPhone = await desk.open(`/admin/tickets?status=closed`, { viewport: PHONE, label: 'phone-desk' });
  await visible(staffPhone.getByRole('table').getByRole('link', { name: subject }));
  await assertNoHorizontalScroll(staffPhone);
  await staffPhone.goto(`${baseUrl()}/admin/tickets/${id}`);
  await visible(staffPhone.getByRole('heading', { name: 'Closed', level: 2 }));
  await assertNoHorizontalScroll(staffPhone);

  // Another customer opening the ticket's address reads that there is no such ticket.
  const other = freshUser();
  await registerThroughApi(other);
  const elsewhere = await session.device('other');
  const theirs = await elsewhere.open(`/sign-in?next=/support/tickets/${id}`, { viewport: PHONE, label: 'other' });
  await signIn(theirs, other.username, other.password);
  await theirs.waitForURL((url) => url.pathname === `/support/tickets/${id}`);
  await visible(theirs.getByRole('heading', { name: 'Ticket not found', level: 1 }));
  assert.equal(await theirs.getByText('Which invoice number is it?').count(), 0);
  await assertNoHorizontalScroll(theirs);
});
