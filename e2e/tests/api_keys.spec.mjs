// API keys (`/api-keys`, in the home bundle): an account owner creates a read-only key,
// sees its secret once, uses it against the API from Node, and revokes it.

import assert from 'node:assert/strict';

import { baseUrl, browserTest, CLIENT, DESKTOP, hidden, visible } from '../lib/browser.mjs';
import { assertNoHorizontalScroll, focused, onDashboard, signIn } from '../lib/pages.mjs';
import { freshUser, registerThroughApi } from '../lib/people.mjs';

/** The narrowest phone the site supports. */
const NARROW_PHONE = { width: 360, height: 780 };

/** Calls the API with an API key, as an integrator's app would. */
function withKey(secret, method, path) {
  return fetch(`${baseUrl()}/api/v1${path}`, {
    method,
    headers: {
      ...CLIENT,
      authorization: `Bearer ${secret}`,
      accept: 'application/json',
      ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
    },
    body: method === 'GET' ? undefined : '{}',
  });
}

/** The listed key named `name`. */
function listedKey(page, name) {
  return page
    .getByRole('region', { name: 'Your keys' })
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name, exact: true, level: 3 }) });
}

/** The value of a fact about a listed key ("Access", "Expires", …). */
function keyFact(key, label) {
  return key
    .getByRole('term')
    .filter({ hasText: new RegExp(`^${label}$`) })
    .locator('xpath=following-sibling::dd[1]');
}

browserTest('an owner creates a read-only key, sees it once, uses it and revokes it', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const page = await session.open('/sign-in', { viewport: DESKTOP, label: 'desktop' });
  await signIn(page, user.username, user.password);
  await onDashboard(page);
  await visible(
    page.getByRole('region', { name: 'For developers' }).getByRole('link', { name: 'Manage API keys' }),
  );

  // From the header, in the same bundle.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
  await page.waitForURL((url) => url.pathname === '/api-keys');
  await visible(page.getByRole('heading', { name: 'API keys', level: 1 }));
  assert.equal(await page.title(), 'API keys · Gatehouse');
  const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' });
  assert.equal(await link.getAttribute('aria-current'), 'page');
  await visible(page.getByRole('region', { name: 'Your keys' }).getByText(/^You have no API keys yet\./));

  // The form checks the name and the areas before sending anything.
  const form = page.getByRole('region', { name: 'Create a key' });
  const create = form.getByRole('button', { name: 'Create key' });
  await create.click();
  await visible(form.getByText('Enter a name for the key, such as the app that will use it.'));
  await focused(page, 'key-name');
  await form.getByLabel('Name').fill('x'.repeat(101));
  await visible(form.getByText('Use at most 100 characters (this name has 101).'));
  await form.getByLabel('Name').fill('Reporting');
  await hidden(form.getByText(/^Use at most 100 characters/));
  await form.getByRole('radio', { name: 'Only some areas' }).check();
  await visible(form.getByRole('checkbox', { name: 'Billing' }));
  await visible(form.getByRole('checkbox', { name: 'Entitlements' }));
  await create.click();
  await visible(form.getByText('Choose at least one area.'));
  await focused(page, 'area-billing');
  await session.screenshot(page, 'form-errors-desktop');

  // Read only, for 30 days.
  await form.getByRole('radio', { name: 'Read only' }).check();
  await hidden(form.getByRole('checkbox', { name: 'Billing' }));
  await form.getByLabel('Expires').selectOption('30');
  await create.click();

  // The secret, shown this once, takes focus; the form steps aside meanwhile.
  const panel = page.getByRole('region', { name: 'Copy your new key now' });
  await visible(panel);
  await focused(page, 'secret-title');
  await visible(panel.getByText('This is the only time it is shown.'));
  await hidden(form);
  const field = panel.getByLabel('Your new API key');
  assert.equal(await field.getAttribute('readonly'), '');
  const secret = await field.inputValue();
  assert.ok(secret.length >= 20, `a whole key, not ${JSON.stringify(secret)}`);
  await session.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl() });
  await panel.getByRole('button', { name: 'Copy', exact: true }).click();
  await visible(panel.getByRole('status').filter({ hasText: 'Copied.' }));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);

  // Listed at once, with its access and dates in words.
  const key = listedKey(page, 'Reporting');
  await visible(keyFact(key, 'Access').getByText('Read only', { exact: true }));
  await visible(keyFact(key, 'Expires').getByText(/^\d{1,2} \w+ \d{4}$/));
  await visible(keyFact(key, 'Last used').getByText('Never used', { exact: true }));
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'secret-desktop');

  // The key works from anywhere, for reading only.
  const read = await withKey(secret, 'GET', '/orders');
  assert.equal(read.status, 200, await read.text());
  const write = await withKey(secret, 'POST', '/billing/portal');
  assert.equal(write.status, 403, await write.text());

  await panel.getByRole('button', { name: 'Done' }).click();
  await hidden(panel);
  await focused(page, 'create-title');
  await visible(form);
  // The form starts afresh, without complaining about the name it emptied.
  assert.equal(await form.getByLabel('Name').inputValue(), '');
  assert.equal(await form.getByText(/^Enter a name/).count(), 0);

  // Read again, the page has the key but never its secret.
  await page.reload();
  await visible(listedKey(page, 'Reporting'));
  assert.equal(await page.getByLabel('Your new API key').count(), 0);
  assert.equal(await page.getByText(secret).count(), 0);
  const prefix = (await keyFact(listedKey(page, 'Reporting'), 'Key').innerText()).replace(/…$/, '');
  assert.ok(prefix.length > 0 && secret.startsWith(prefix), `${prefix} starts ${secret.slice(0, 12)}…`);

  // Revoking asks first; Escape and Keep both keep the key, focus back on its button.
  const listed = listedKey(page, 'Reporting');
  const revoke = listed.getByRole('button', { name: 'Revoke Reporting' });
  const buttonId = await revoke.getAttribute('id');
  const question = listed.getByRole('heading', {
    name: 'Revoke Reporting? Apps using it stop working at once.',
  });
  await revoke.click();
  await visible(question);
  // Focus moves to the question once drawn: Escape before then would go nowhere.
  await focused(page, await question.getAttribute('id'));
  await page.keyboard.press('Escape');
  await hidden(question);
  await focused(page, buttonId);
  await revoke.click();
  await listed.getByRole('button', { name: 'Keep', exact: true }).click();
  await hidden(question);
  await focused(page, buttonId);
  // Keyboard only: Enter opens the question, which takes focus.
  await page.keyboard.press('Enter');
  await visible(question);
  await session.screenshot(page, 'revoke-confirmation-desktop');
  await listed.getByRole('button', { name: 'Revoke', exact: true }).click();
  await visible(page.getByRole('status').filter({ hasText: 'Reporting is revoked.' }));
  await visible(keyFact(listed, 'Revoked').getByText(/^\d{1,2} \w+ \d{4}$/));
  assert.equal(await listed.getByRole('button', { name: /^Revoke/ }).count(), 0);

  // A revoked key fails at once.
  const after = await withKey(secret, 'GET', '/orders');
  assert.equal(after.status, 401, await after.text());

  // On a narrow phone, after a failed read and a retry, nothing scrolls sideways.
  const keysUrl = '**/api/v1/accounts/*/api-keys';
  await session.context.route(keysUrl, (route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'unavailable', message: 'Gatehouse is busy. Please try again.' } }),
    }),
  );
  const phone = await session.open('/api-keys', { viewport: NARROW_PHONE, label: 'phone' });
  const failed = phone.getByRole('alert').filter({ hasText: 'Your API keys could not be loaded' });
  await visible(failed);
  await visible(failed.getByText('Gatehouse is busy. Please try again.'));
  await session.context.unroute(keysUrl);
  await failed.getByRole('button', { name: 'Retry' }).click();
  await visible(listedKey(phone, 'Reporting'));
  await visible(phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }));
  await phone.getByRole('radio', { name: 'Only some areas' }).check();
  await assertNoHorizontalScroll(phone);
  await session.screenshot(phone, 'list-phone');
});
