// Teams (`/team` and `/invitations/accept`, in the home bundle): Ada creates a team
// account and invites Grace, who opens the emailed link on her own device, signs in and
// joins; Ada makes her an admin, cannot leave as the last owner, and hands the account
// over to her. A used link says it is not valid any more; nothing scrolls sideways on a
// narrow phone.

import assert from 'node:assert/strict';

import { baseUrl, browserTest, DESKTOP, hidden, visible } from '../lib/browser.mjs';
import { assertNoHorizontalScroll, focused, onDashboard, signIn } from '../lib/pages.mjs';
import { emailedMatch, freshUser, registerThroughApi } from '../lib/people.mjs';

/** The narrowest phone the site supports. */
const NARROW_PHONE = { width: 360, height: 780 };

/** The listed member named `name` (as their heading reads). */
function listedMember(page, name) {
  return page
    .getByRole('region', { name: /^Members of / })
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name, exact: true, level: 3 }) });
}

browserTest('a team: create, invite, accept, change a role, hand over', async (session) => {
  const ada = freshUser();
  const grace = { ...freshUser(), firstName: 'Grace', lastName: 'Hopper' };
  await registerThroughApi(ada);
  await registerThroughApi(grace);
  const team = `Analytical Engines ${ada.username.slice(-6)}`;

  // Ada finds the team page in the header.
  const page = await session.open('/sign-in', { viewport: DESKTOP, label: 'ada' });
  await signIn(page, ada.username, ada.password);
  await onDashboard(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
  await page.waitForURL((url) => url.pathname === '/team');
  await visible(page.getByRole('heading', { name: 'Team', level: 1 }));
  assert.equal(await page.title(), 'Team · Gatehouse');
  const accounts = page.getByRole('region', { name: 'Your accounts' });
  await visible(accounts.getByText('Personal', { exact: true }));

  // Her personal account has only her: it offers a team account instead of invitations.
  await accounts.getByRole('link').first().click();
  await visible(page.getByText('Your personal account has one member: you.', { exact: false }));
  await visible(listedMember(page, 'Ada Lovelace (you)'));
  assert.equal(await page.getByLabel('Email address').count(), 0);

  // The form checks the name before sending it.
  const create = page.getByRole('region', { name: 'Create a team account' });
  await create.getByRole('button', { name: 'Create team account' }).click();
  await visible(create.getByText("Enter a name for the team account, such as your company's."));
  await focused(page, 'team-name');
  await create.getByLabel('Team name').fill('x'.repeat(201));
  await visible(create.getByText('Use at most 200 characters (this name has 201).'));
  await create.getByLabel('Team name').fill(team);
  await create.getByRole('button', { name: 'Create team account' }).click();
  await visible(page.getByRole('status').filter({ hasText: `${team} is created` }));
  await page.waitForURL((url) => url.pathname === '/team' && url.searchParams.has('account'));
  await visible(page.getByRole('heading', { name: `Members of ${team}`, level: 2 }));
  await visible(accounts.getByRole('link', { name: team }));
  const owner = listedMember(page, 'Ada Lovelace (you)');
  await visible(owner.getByText('Owner', { exact: true }));

  // Inviting checks the address, then sends the link.
  const invite = page.getByRole('region', { name: 'Invite someone' });
  await invite.getByLabel('Email address').fill('grace@');
  await invite.getByRole('button', { name: 'Send invitation' }).click();
  await visible(invite.getByText('Enter an email address like name@example.com.'));
  await focused(page, 'invite-email');
  // Ada is a member already: the API says so, next to the address.
  await invite.getByLabel('Email address').fill(ada.email);
  await invite.getByRole('button', { name: 'Send invitation' }).click();
  await visible(invite.locator('.field__error').filter({ hasText: /\S/ }));
  await invite.getByLabel('Email address').fill(grace.email);
  await invite.getByLabel('Role').selectOption('member');
  await invite.getByRole('button', { name: 'Send invitation' }).click();
  await visible(page.getByRole('status').filter({ hasText: `Invitation sent to ${grace.email}.` }));
  const open = page.getByRole('region', { name: 'Open invitations' });
  await visible(open.getByRole('heading', { name: grace.email, level: 3 }));
  await visible(open.getByText('Member', { exact: true }));
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'invited-desktop');

  // Grace, on her own device, opens the emailed link: signing in brings her back to it.
  const link = await emailedMatch(grace.email, /http\S+\/invitations\/accept\?token=\S+/);
  const path = new URL(link).pathname + new URL(link).search;
  const laptop = await session.device('grace');
  const gracePage = await laptop.open(path, { viewport: DESKTOP, label: 'grace' });
  await gracePage.waitForURL((url) => url.pathname === '/sign-in' && url.searchParams.get('next') === path);
  await signIn(gracePage, grace.email, grace.password);
  await gracePage.waitForURL((url) => url.pathname === '/invitations/accept');
  await visible(gracePage.getByRole('heading', { name: 'Join a team', level: 1 }));
  await gracePage.getByRole('button', { name: 'Accept the invitation' }).click();
  const joined = gracePage.getByRole('heading', { name: `You joined ${team} as a member` });
  await visible(joined);
  await focused(gracePage, 'invitation-result');
  await gracePage.getByRole('link', { name: 'See the team' }).click();
  await gracePage.waitForURL((url) => url.pathname === '/team' && url.searchParams.has('account'));
  await visible(gracePage.getByRole('heading', { name: `Members of ${team}`, level: 2 }));
  await visible(listedMember(gracePage, 'Ada Lovelace'));
  await visible(listedMember(gracePage, 'Grace Hopper (you)'));
  // A member reads the team but manages nobody.
  assert.equal(await gracePage.getByRole('combobox', { name: /^Role of/ }).count(), 0);
  assert.equal(await gracePage.getByRole('region', { name: 'Invite someone' }).count(), 0);

  // The used link is not valid any more.
  await gracePage.goto(baseUrl() + path);
  await gracePage.getByRole('button', { name: 'Accept the invitation' }).click();
  await visible(gracePage.getByRole('heading', { name: 'This link is not valid any more: ask for a new invitation' }));
  // Nor is a link without its token.
  await gracePage.goto(`${baseUrl()}/invitations/accept`);
  await visible(gracePage.getByRole('heading', { name: 'This link is not valid any more: ask for a new invitation' }));
  assert.equal(await gracePage.getByRole('button', { name: 'Accept the invitation' }).count(), 0);

  // Ada sees Grace among the members, her invitation gone, and makes her an admin.
  await page.reload();
  const member = listedMember(page, 'Grace Hopper');
  await visible(member.getByText(grace.email, { exact: true }));
  await visible(page.getByRole('region', { name: 'Open invitations' }).getByText('No invitations are waiting for an answer.'));
  const role = member.getByRole('combobox', { name: 'Role of Grace Hopper' });
  assert.equal(await role.inputValue(), 'member');
  await role.selectOption('admin');
  await visible(page.getByRole('status').filter({ hasText: 'Grace Hopper is now an admin.' }));
  await page.reload();
  assert.equal(await listedMember(page, 'Grace Hopper').getByRole('combobox', { name: 'Role of Grace Hopper' }).inputValue(), 'admin');

  // Ada cannot leave as the last owner: she is told why, and Cancel keeps things as they are.
  const me = listedMember(page, 'Ada Lovelace (you)');
  const leave = me.getByRole('button', { name: 'Leave', exact: true });
  const leaveId = await leave.getAttribute('id');
  await leave.click();
  const question = me.getByRole('heading', { name: `Leave ${team}? You lose access at once.` });
  await visible(question);
  await me.getByRole('button', { name: 'Leave', exact: true }).click();
  await visible(me.getByRole('alert').filter({ hasText: 'An account keeps at least one owner: transfer ownership first.' }));
  await me.getByRole('button', { name: 'Cancel' }).click();
  await hidden(question);
  await focused(page, leaveId);

  // Ada hands the account over to Grace (asked first; Escape keeps it).
  const grant = listedMember(page, 'Grace Hopper');
  await grant.getByRole('button', { name: 'Make owner Grace Hopper' }).click();
  const handOver = grant.getByRole('heading', { name: `Make Grace Hopper the owner of ${team}? You become an admin.` });
  await visible(handOver);
  // The question takes focus, so Escape reaches it.
  await focused(page, await handOver.getAttribute('id'));
  await page.keyboard.press('Escape');
  await hidden(handOver);
  await grant.getByRole('button', { name: 'Make owner Grace Hopper' }).click();
  await session.screenshot(page, 'hand-over-desktop');
  await grant.getByRole('button', { name: 'Make owner', exact: true }).click();
  await visible(page.getByRole('status').filter({ hasText: `Grace Hopper is now the owner of ${team}. You are an admin.` }));
  await visible(page.getByText('You are an admin here.'));
  await visible(listedMember(page, 'Grace Hopper').getByText('Owner', { exact: true }));
  // An admin no longer changes an owner's role, nor removes her.
  assert.equal(await page.getByRole('combobox', { name: 'Role of Grace Hopper' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Remove Grace Hopper' }).count(), 0);

  // Grace sees the account as hers.
  await gracePage.goto(baseUrl() + '/team');
  await visible(gracePage.getByRole('region', { name: 'Your accounts' }).getByRole('link', { name: team }));
  await gracePage.getByRole('region', { name: 'Your accounts' }).getByRole('link', { name: team }).click();
  await visible(gracePage.getByText('You are an owner here.'));
  await visible(gracePage.getByRole('combobox', { name: 'Role of Ada Lovelace' }));

  // On a narrow phone nothing scrolls sideways, the header's "Team" link included.
  const phone = await session.open(new URL(page.url()).pathname + new URL(page.url()).search, {
    viewport: NARROW_PHONE,
    label: 'phone',
  });
  await visible(phone.getByRole('heading', { name: `Members of ${team}`, level: 2 }));
  await visible(listedMember(phone, 'Grace Hopper'));
  await visible(phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }));
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'team-phone');
});
