// Steps and checks many browser tests share: signing in, waiting for a page, layout.

import assert from 'node:assert/strict';

import { visible } from './browser.mjs';

/** Fills in and sends the sign-in form. */
export async function signIn(page, login, password) {
  await page.getByLabel('Email or username').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Waits for the account page of `user` (its profile shows their email address). */
export async function onAccountPage(page, user) {
  await page.waitForURL((url) => url.pathname === '/account');
  await visible(page.getByRole('heading', { name: 'Your account', level: 1 }));
  await visible(page.getByRole('region', { name: 'Profile' }).getByText(user.email, { exact: true }));
}

/** Waits for the dashboard, where signing in lands unless the page said where to go. */
export async function onDashboard(page) {
  await page.waitForURL((url) => url.pathname === '/dashboard');
  await visible(page.getByRole('heading', { name: /^Welcome/, level: 1 }));
  await visible(page.getByRole('heading', { name: 'Your products', level: 2 }));
}

/** Waits for the sign-in page. */
export async function onSignInPage(page) {
  await page.waitForURL((url) => url.pathname === '/sign-in');
  await visible(page.getByRole('heading', { name: 'Sign in', level: 1 }));
}

/** Signs `user` in from the sign-in page and waits for their account page. */
export async function signInToAccount(session, user, options = {}) {
  const page = await session.open('/sign-in?next=/account', options);
  await signIn(page, user.username, user.password);
  await onAccountPage(page, user);
  return page;
}

/** Fails when the page is wider than the viewport (sideways scrolling on a phone). */
export async function assertNoHorizontalScroll(page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport`);
}

/** Waits until the element with id `id` has focus (pages move focus after drawing). */
export async function focused(page, id) {
  try {
    await page.waitForFunction((id) => document.activeElement?.id === id, id, { timeout: 5_000 });
  } catch {
    const actual = await page.evaluate(() => document.activeElement?.id);
    throw new Error(`focus is on ${JSON.stringify(actual)}, not on #${id}`);
  }
}

/**
 * What has focus now: its role-ish kind and accessible-ish name ("link Billing"), whether
 * focus can be seen on it (an outline or a box shadow on the element, or on the label or
 * the sibling a visually hidden input draws through), and whether it is the page itself.
 */
function focusedControl(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body || element === document.documentElement) return { none: true };
    const labelled = element.getAttribute('aria-labelledby');
    const name = (
      element.getAttribute('aria-label') ||
      (labelled && labelled.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ')) ||
      [...(element.labels ?? [])].map((label) => label.textContent).join(' ') ||
      element.textContent ||
      element.getAttribute('title') ||
      element.getAttribute('placeholder') ||
      element.id
    )
      .replace(/\s+/g, ' ')
      .trim();
    const kind = element.getAttribute('role') || element.getAttribute('type') || element.tagName.toLowerCase();
    const shows = (node) => {
      if (!node) return false;
      const style = getComputedStyle(node);
      const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
      return outline || (style.boxShadow !== 'none' && style.boxShadow !== '');
    };
    const visible = shows(element) || shows(element.nextElementSibling) || shows(element.closest('label'));
    return { kind, name, visible };
  });
}

/**
 * Tabs through `page` from the top, as a keyboard user does, until focus leaves the
 * document's last control (no trap: at most `max` steps). Fails when a control shows no
 * focus, or when `expected` (names, strings or regular expressions, matched against
 * "kind name") are not reached in that order. Resolves with the controls it went through.
 */
export async function assertKeyboardPath(page, expected, { max = 150 } = {}) {
  // From the top of the document: a focus point before everything (Chromium tabs on from
  // where focus last was, so blurring alone is not enough), gone after the first step.
  await page.evaluate(() => {
    const start = document.createElement('span');
    start.id = 'e2e-tab-start';
    start.tabIndex = -1;
    document.body.prepend(start);
    start.focus();
  });
  const path = [];
  for (let step = 0; ; step++) {
    assert.ok(step < max, `focus went through ${max} controls without leaving the page (a trap?):\n${path.join('\n')}`);
    await page.keyboard.press('Tab');
    if (step === 0) await page.evaluate(() => document.getElementById('e2e-tab-start')?.remove());
    const control = await focusedControl(page);
    if (control.none) break;
    const label = `${control.kind} ${control.name}`;
    if (path.length > 0 && path[0] === label && step > 1) break; // back at the top
    assert.ok(control.visible, `no visible focus on "${label}" (step ${step + 1})`);
    path.push(label);
  }
  let at = 0;
  for (const want of expected) {
    const matches = (label) => (want instanceof RegExp ? want.test(label) : label.includes(want));
    const found = path.findIndex((label, index) => index >= at && matches(label));
    assert.ok(found >= 0, `Tab never reached ${want} after "${path[at - 1] ?? 'the top'}"; the order was:\n${path.join('\n')}`);
    at = found + 1;
  }
  return path;
}
