// The waitlist (/waitlist, in the onboarding bundle): join, join again, a mistyped address.

import assert from 'node:assert/strict';

import { browserTest, DESKTOP, visible } from '../lib/browser.mjs';
import { assertNoHorizontalScroll, focused } from '../lib/pages.mjs';
import { freshUser } from '../lib/people.mjs';

/** The narrowest phone we design for. */
const SMALL_PHONE = { width: 360, height: 740 };

/** Waits until the product list holds the catalog's products (options never count as visible). */
async function productsLoaded(page) {
  await page.getByRole('option', { name: 'Team' }).waitFor({ state: 'attached' });
}

/** Waits until the page's status region says `text`. */
async function announced(page, text) {
  await visible(page.getByRole('status').filter({ hasText: text }));
}

browserTest('a visitor joins the waitlist for a product, and joining again is answered kindly', async (session) => {
  const { email } = freshUser();
  const page = await session.open('/waitlist?product=team', { viewport: SMALL_PHONE, label: 'waitlist-phone' });
  await visible(page.getByRole('heading', { name: 'Join the waitlist', level: 1 }));
  assert.equal(await page.title(), 'Join the waitlist · Gatehouse');
  // Its bundle is the onboarding one.
  await page.waitForFunction(() =>
    performance.getEntriesByType('resource').some((entry) => /\/onboarding\/gatehouse-onboarding-[0-9a-f]+_bg\.wasm$/.test(entry.name)),
  );
  // `?product=team` preselects Team in the catalog's list.
  const product = page.getByLabel('Product you are interested in (optional)');
  await productsLoaded(page);
  assert.equal(await product.inputValue(), 'team');
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'waitlist-empty-phone');

  // A mistyped address: an inline error on the labelled field, nothing sent.
  const address = page.getByLabel('Email');
  await address.fill('ada@example');
  await page.getByRole('button', { name: 'Join the waitlist' }).click();
  await visible(page.getByText('Enter an email address like name@example.com.'));
  assert.equal(await address.getAttribute('aria-invalid'), 'true');
  await focused(page, 'email');
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'waitlist-invalid-phone');

  await address.fill(email);
  await page.getByLabel('Name (optional)').fill('Ada Lovelace');
  await product.selectOption({ label: 'Business' });
  await page.getByRole('button', { name: 'Join the waitlist' }).click();
  await announced(page, 'You are on the list. We have sent you a confirmation email.');
  assert.equal(await address.getAttribute('aria-invalid'), null);
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'waitlist-added-phone');

  // The same address again (another visit): nothing changes, and it says so.
  const again = await session.open('/waitlist', { viewport: DESKTOP, label: 'waitlist-again-desktop' });
  await visible(again.getByRole('heading', { name: 'Join the waitlist', level: 1 }));
  await again.getByLabel('Email').fill(email.toUpperCase());
  await again.getByRole('button', { name: 'Join the waitlist' }).click();
  await announced(again, 'You are already on the list; we will be in touch.');
  assert.equal(await again.getByLabel('Product you are interested in (optional)').inputValue(), '');
});

browserTest('the waitlist ignores an unknown product in its link and checks the name length', async (session) => {
  const page = await session.open('/waitlist?product=no-such-product', { viewport: SMALL_PHONE, label: 'waitlist-unknown' });
  const product = page.getByLabel('Product you are interested in (optional)');
  await productsLoaded(page);
  assert.equal(await product.inputValue(), '');
  await page.getByLabel('Email').fill(freshUser().email);
  await page.getByLabel('Name (optional)').fill('a'.repeat(101));
  await visible(page.getByText('Use at most 100 characters.'));
  await page.getByRole('button', { name: 'Join the waitlist' }).click();
  await focused(page, 'name');
  assert.equal(await page.getByRole('status').filter({ hasText: 'You are on the list' }).count(), 0);
  await assertNoHorizontalScroll(page);
});
