// Signing up, staying signed in, signing out and in again, against the real API.
//
// Every run creates fresh users (unique email and username), so the tests need no cleanup
// and can run against a database that already holds earlier runs.

import assert from 'node:assert/strict';
import { baseUrl, browserTest, DESKTOP, hidden, PHONE, visible } from '../lib/browser.mjs';
import { onDashboard } from '../lib/pages.mjs';
import { freshUser, PASSWORD, registerThroughApi } from '../lib/people.mjs';

async function fillSignUp(page, user) {
  await page.getByLabel('First name').fill(user.firstName);
  await page.getByLabel('Last name').fill(user.lastName);
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
}

async function signIn(page, login, password) {
  await page.getByLabel('Email or username').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Waits for the account page of `user`. */
async function onAccountPage(page, user) {
  await page.waitForURL((url) => url.pathname === '/account');
  await visible(page.getByRole('heading', { name: 'Your account', level: 1 }));
  const profile = page.getByRole('region', { name: 'Profile' });
  await visible(profile.getByText(user.email, { exact: true }));
  await visible(profile.getByText(user.username, { exact: true }));
  await visible(page.getByRole('link', { name: `Your account: ${user.firstName} ${user.lastName}` }));
}

/** Waits for the sign-in page (reached by a redirect from `next`, when given). */
async function onSignInPage(page, next) {
  await page.waitForURL((url) => url.pathname === '/sign-in' && (next === undefined || url.searchParams.get('next') === next));
  await visible(page.getByRole('heading', { name: 'Sign in', level: 1 }));
  await visible(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }));
}

/** Fails when the page is wider than the viewport (sideways scrolling on a phone). */
async function assertNoHorizontalScroll(page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport`);
}

/** Counts the requests to an API path (e.g. `/api/v1/auth/refresh`) a context sends. */
function countRequests(context, pathname) {
  const counter = { count: 0 };
  context.on('request', (request) => {
    if (new URL(request.url()).pathname === pathname) counter.count += 1;
  });
  return counter;
}

browserTest('sign up, stay signed in, sign out, sign in again', async (session) => {
  const user = freshUser();
  const page = await session.open('/sign-up', { viewport: DESKTOP, label: 'desktop' });
  await visible(page.getByRole('heading', { name: 'Create your account', level: 1 }));
  assert.equal(await page.title(), 'Create your account · Gatehouse');
  await visible(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }));
  await session.screenshot(page, 'sign-up-desktop');

  // The button is busy while the request is out.
  let releaseRegister;
  const registerHeld = new Promise((resolve) => (releaseRegister = resolve));
  await page.route('**/api/v1/auth/register', async (route) => {
    await registerHeld;
    await route.continue();
  });
  await fillSignUp(page, user);
  await page.getByLabel('Password', { exact: true }).press('Enter');
  const busy = page.getByRole('button', { name: 'Creating your account…' });
  await visible(busy);
  assert.equal(await busy.getAttribute('aria-busy'), 'true');
  assert.equal(await busy.isDisabled(), true);
  releaseRegister();

  // Registered and signed in with the same credentials: on to the dashboard (another Wasm
  // bundle), which asks for the address to be confirmed and links to the account page.
  await onDashboard(page);
  await visible(page.getByRole('heading', { name: `Welcome, ${user.firstName}`, level: 1 }));
  const attention = page.getByRole('region', { name: 'Needs your attention' });
  await visible(attention.getByText('Please confirm your email address: we sent you a link.'));
  await visible(page.getByText('You have no products yet.', { exact: false }));
  await session.screenshot(page, 'dashboard-desktop');
  await attention.getByRole('link', { name: 'Confirm your email address' }).click();
  await onAccountPage(page, user);
  assert.equal(await page.title(), 'Your account · Gatehouse');
  await visible(page.getByText('Not verified', { exact: true }));
  await visible(page.getByRole('heading', { name: 'Confirm your email address' }));
  await session.screenshot(page, 'account-desktop');

  // The access token lives in memory only; the refresh token is an httpOnly cookie.
  const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }]));
  assert.equal(stored, '[{},{}]');
  assert.ok(!(await page.evaluate(() => document.cookie)).includes('gatehouse_refresh'));
  const cookies = await session.context.cookies();
  const refresh = cookies.find((cookie) => cookie.name === 'gatehouse_refresh');
  assert.ok(refresh, `the refresh cookie was not kept (cookies: ${cookies.map((c) => c.name)})`);
  assert.equal(refresh.httpOnly, true);
  assert.equal(refresh.secure, true);

  // A reload starts from nothing in memory: the cookie resumes the session.
  await page.reload();
  await onAccountPage(page, user);

  // Sign out: the account page is for signed-in people only.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await onSignInPage(page, '/account');
  await page.goto(`${baseUrl()}/account`);
  await onSignInPage(page, '/account');
  await session.screenshot(page, 'redirected-to-sign-in');

  // A wrong password gets one generic answer, and the password to retype.
  await signIn(page, user.username, 'not the password');
  const alert = await visible(page.getByRole('alert'));
  await visible(alert.getByText('The login or password is not correct.'));
  assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '');
  await session.screenshot(page, 'wrong-password');

  // The username works as the login, and the page returns to where it was going.
  await signIn(page, user.username, user.password);
  await onAccountPage(page, user);
  await hidden(page.getByRole('alert'));

  // Back never shows a signed-in person the sign-in form again.
  await page.goBack();
  await onAccountPage(page, user);
});

browserTest('the account page works on a phone, and signing out everywhere ends every session', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const phone = await session.open('/account', { viewport: PHONE, label: 'phone' });
  await onSignInPage(phone, '/account');
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'sign-in-phone');
  await signIn(phone, user.email, user.password);
  await onAccountPage(phone, user);
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'account-phone');

  // A second device: its own session (another browser, its own cookie).
  const other = await session.device('laptop');
  const second = await other.open('/sign-in', { viewport: DESKTOP, label: 'desktop' });
  await signIn(second, user.username, user.password);
  await onDashboard(second);

  await phone.getByRole('button', { name: 'Sign out everywhere' }).click();
  await onSignInPage(phone, '/account');

  // The other device's session is gone too: its next refresh fails, so a reload signs out.
  await second.reload();
  await onSignInPage(second, '/dashboard');
});

browserTest('sign-up checks fields in the browser before sending anything', async (session) => {
  const sent = countRequests(session.context, '/api/v1/auth/register');
  const page = await session.open('/sign-up', { viewport: PHONE, label: 'phone' });
  await visible(page.getByRole('heading', { name: 'Create your account', level: 1 }));

  // Leaving a field with something wrong in it says what, next to it.
  const password = page.getByLabel('Password', { exact: true });
  await password.fill('short');
  await password.press('Tab');
  await visible(page.getByText('Password must be at least 8 characters.'));
  assert.equal(await password.getAttribute('aria-invalid'), 'true');
  const describedBy = (await password.getAttribute('aria-describedby')).split(' ');
  assert.ok(describedBy.includes('password-error'), `aria-describedby is ${describedBy}`);

  // Submitting shows every problem and moves focus to the first one; nothing is sent.
  await page.getByLabel('Username').fill('_ada');
  await page.getByRole('button', { name: 'Create account' }).click();
  await visible(page.getByText('Enter your email address.'));
  await visible(page.getByText('Username must start with a letter or digit.'));
  await visible(page.getByText('Password must be at least 8 characters.'));
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'email');
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'inline-errors-phone');
  assert.equal(sent.count, 0, 'the form was sent to the API');

  // Fixing a field clears its error as you type.
  await password.fill(PASSWORD);
  await hidden(page.getByText('Password must be at least 8 characters.'));
  assert.equal(await password.getAttribute('aria-invalid'), null);
});

browserTest('the API’s field errors appear next to their inputs', async (session) => {
  const taken = freshUser();
  await registerThroughApi(taken);
  const page = await session.open('/sign-up', { label: 'desktop' });
  await visible(page.getByRole('heading', { name: 'Create your account', level: 1 }));

  // Long enough for the browser; the API turns it away as too common.
  await fillSignUp(page, { ...freshUser(), password: 'password' });
  await page.getByRole('button', { name: 'Create account' }).click();
  await visible(page.getByRole('alert').getByText('Please correct the highlighted fields.'));
  await visible(page.getByText(/^Password is too common/));
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'password');

  // A username someone already has.
  await page.getByLabel('Username').fill(taken.username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await visible(page.getByText('Username is already taken.'));
  await session.screenshot(page, 'server-errors');
});

browserTest('signing up with an address that is already registered says to check the inbox', async (session) => {
  const owner = freshUser();
  await registerThroughApi(owner);
  const page = await session.open('/sign-up', { label: 'desktop' });
  // Someone else, with the owner's address: the API answers as for anyone (202), and the
  // sign-in that follows fails, as it would for the owner before they have a password.
  await fillSignUp(page, { ...freshUser(), email: owner.email, password: 'another 42 secret phrase' });
  await page.getByRole('button', { name: 'Create account' }).click();
  await visible(page.getByRole('heading', { name: 'Check your inbox to finish signing up' }));
  await visible(page.getByText(owner.email));
  assert.equal(new URL(page.url()).pathname, '/sign-up');
  await visible(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }));
});

browserTest('a call refused for an expired token refreshes once and is retried', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const page = await session.open('/sign-in?next=/account', { label: 'desktop' });
  await signIn(page, user.username, user.password);
  await onAccountPage(page, user);

  // On the next load, the first GET /me is refused as if its token had expired.
  const refreshes = countRequests(session.context, '/api/v1/auth/refresh');
  let refused = 0;
  await session.context.route('**/api/v1/me', (route) => {
    if (refused++ > 0) return route.continue();
    return route.fulfill({
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'unauthorized', message: 'Authentication is required.' } }),
    });
  });
  await page.reload();
  await onAccountPage(page, user);
  // One refresh to resume the session, one for the refused call, and nothing more.
  assert.equal(refreshes.count, 2);
  assert.ok(refused >= 2, 'the refused call was not retried');
});

browserTest('the session refreshes itself before the access token expires', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  // Control the page's clock (timers and Date) from the first script on.
  await session.context.clock.install();
  const page = await session.open('/sign-in?next=/account', { label: 'desktop' });
  await signIn(page, user.username, user.password);
  await onAccountPage(page, user);

  const refreshed = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/auth/refresh');
  // Access tokens live 15 minutes; the app refreshes a minute early. (`runFor` fires every
  // timer on the way, also those set while it runs.)
  await page.clock.runFor('14:30');
  const response = await refreshed;
  assert.equal(response.status(), 200);

  // Still signed in, and the new token works: the account page reads GET /me again.
  await page.getByRole('link', { name: 'Pricing' }).click();
  await visible(page.getByRole('heading', { name: 'Plans and pricing' }));
  const me = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/me');
  await page.getByRole('link', { name: `Your account: ${user.firstName} ${user.lastName}` }).click();
  assert.equal((await me).status(), 200);
  await onAccountPage(page, user);
});
