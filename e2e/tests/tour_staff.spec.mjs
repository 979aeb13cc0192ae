// The tour, part three: staff's pages — the sign-in's second step, the admin overview,
// accounts and one account, the catalog, instances, webhooks and jobs, the audit log, the
// waitlist, and support tickets with one ticket — each at desktop and phone width through
// lib/tour.mjs, Tab through the overview.

import { browserTest, visible } from '../lib/browser.mjs';
import { passwordFromEmail, payingCustomer } from '../lib/customers.mjs';
import { assertKeyboardPath, signIn } from '../lib/pages.mjs';
import { freshUser, queryOne } from '../lib/people.mjs';
import { api, staffMember } from '../lib/staff.mjs';
import { freshCode } from '../lib/totp.mjs';
import { reportTour, tourStop } from '../lib/tour.mjs';

function h1(page, name) {
  return page.getByRole('heading', { name, level: 1 });
}

browserTest('tour: the admin area’s pages', async (session, t) => {
  const log = [];
  // A paying customer with a question, for the account and ticket pages.
  const customer = freshUser();
  await payingCustomer(customer);
  await passwordFromEmail(customer);
  const { access_token: token } = await api('POST', '/auth/login', { login: customer.username, password: customer.password });
  const subject = `Tour invoice question ${Date.now().toString(36)}`;
  const ticket = await api('POST', '/tickets', { subject, body: 'Which card pays for the storage?' }, token);
  const accountId = queryOne(
    "SELECT m.account_id FROM account_members m JOIN users u ON u.id = m.user_id WHERE u.email = :'email'",
    { email: customer.email },
  );

  const staff = freshUser();
  const { secret, step } = await staffMember(staff, 'admin');
  const page = await session.open('/sign-in?next=/admin', { label: 'staff' });
  await signIn(page, staff.username, staff.password);
  await tourStop(t, log, page, 'sign-in-second-factor', h1(page, 'Two-factor authentication'));
  await page.getByLabel('Authentication code').fill(freshCode(secret, step).code);
  await page.getByRole('button', { name: 'Verify' }).click();
  // The main app hands /admin to the admin bundle: a page load after the URL changed.
  await page.waitForURL((url) => url.pathname === '/admin');
  await visible(h1(page, 'Admin area'));
  await tourStop(t, log, page, 'admin-overview', page.getByRole('img', { name: /^Sign-ups in the last 30 days/ }));
  await assertKeyboardPath(page, ['Skip to content', 'Admin', 'Overview', 'Accounts', 'Catalog', 'Instances', 'Open tickets']);
  const go = (pathname) => page.goto(new URL(pathname, page.url()).toString());

  await go('/admin/accounts');
  await tourStop(t, log, page, 'admin-accounts', page.getByRole('table', { name: 'Accounts found, in the order chosen' }));
  await go(`/admin/accounts/${accountId}`);
  await tourStop(t, log, page, 'admin-account', page.getByRole('region', { name: 'Members' }).getByText(customer.email));
  await go('/admin/catalog');
  await tourStop(t, log, page, 'admin-catalog', page.getByRole('region', { name: 'Plans' }).getByRole('heading', { name: 'Team' }));
  await go('/admin/instances');
  await tourStop(t, log, page, 'admin-instances', page.getByRole('heading', { name: 'team-demo-1' }));
  await go('/admin/webhooks');
  await tourStop(t, log, page, 'admin-webhooks', page.getByRole('heading', { name: 'Jobs', level: 2 }));
  await go('/admin/audit');
  await tourStop(t, log, page, 'admin-audit', h1(page, 'Audit log'));
  await go('/admin/waitlist');
  await tourStop(t, log, page, 'admin-waitlist', h1(page, 'Waitlist'));
  await go('/admin/tickets');
  await tourStop(t, log, page, 'admin-tickets', page.getByRole('link', { name: subject }));
  await go(`/admin/tickets/${ticket.id}`);
  await tourStop(t, log, page, 'admin-ticket', h1(page, subject));
  reportTour(t, log);
});
