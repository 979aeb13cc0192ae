// The onboarding wizard: its own Wasm bundle, served for every path under /onboarding.

import assert from 'node:assert/strict';

import { browserTest, DESKTOP, PHONE, visible } from '../lib/browser.mjs';

const PLANS = [
  { name: 'Starter', monthly: '9.00 EUR', yearly: '90.00 EUR' },
  { name: 'Team', monthly: '29.00 EUR', yearly: '290.00 EUR' },
  { name: 'Business', monthly: '79.00 EUR', yearly: '790.00 EUR' },
];

/** The card of a plan, found by its accessible name (its heading). */
function card(page, name) {
  return page.getByRole('article', { name, exact: true });
}

async function assertNoHorizontalScroll(page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport`);
}

/** The URL of the Wasm module the page loaded. */
async function wasmUrl(page) {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((entry) => entry.name)
      .find((name) => name.endsWith('.wasm')),
  );
}

browserTest('onboarding keeps the first name across a reload and lists the plans', async (session) => {
  const page = await session.open('/onboarding', { viewport: PHONE, label: 'welcome-phone' });
  await visible(page.getByRole('heading', { name: 'Welcome to Gatehouse', level: 1 }));
  assert.equal(await page.title(), 'Welcome · Gatehouse');
  await visible(page.getByText('Step 1 of 4'));
  // Its own bundle, not the main app's.
  assert.match(await wasmUrl(page), /\/onboarding\/gatehouse-onboarding-[0-9a-f]+_bg\.wasm$/);
  await assertNoHorizontalScroll(page);

  // Continue with nothing typed: an inline error on the labelled field.
  const name = page.getByLabel('Your first name');
  await page.getByRole('button', { name: 'Continue' }).click();
  await visible(page.getByText('Enter your first name.'));
  assert.equal(await name.getAttribute('aria-invalid'), 'true');

  await name.fill('Ada');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/onboarding/plan');
  await visible(page.getByRole('heading', { name: 'Ada, choose your plan', level: 1 }));
  for (const plan of PLANS) {
    await visible(card(page, plan.name).getByText(plan.monthly, { exact: true }));
  }
  await page.getByRole('radio', { name: 'Yearly' }).click();
  for (const plan of PLANS) {
    await visible(card(page, plan.name).getByText(plan.yearly, { exact: true }));
  }
  await assertNoHorizontalScroll(page);
  await session.screenshot(page, 'plan-phone');

  // A reload of the plan page comes back with the same bundle, the name and the period.
  await page.reload();
  await visible(page.getByRole('heading', { name: 'Ada, choose your plan', level: 1 }));
  await visible(card(page, 'Team').getByText('290.00 EUR', { exact: true }));

  // Back to step 1, then reload: the name is still in the field.
  await page.getByRole('link', { name: 'Back' }).click();
  await visible(page.getByRole('heading', { name: 'Welcome to Gatehouse', level: 1 }));
  await page.reload();
  await visible(page.getByRole('heading', { name: 'Welcome to Gatehouse', level: 1 }));
  assert.equal(await page.getByLabel('Your first name').inputValue(), 'Ada');
});

browserTest('the pricing page links to onboarding, a deep link works, and the brand leads back', async (session) => {
  const pricing = await session.open('/', { viewport: DESKTOP, label: 'pricing' });
  await visible(card(pricing, 'Starter'));
  assert.match(await wasmUrl(pricing), /\/gatehouse-web-[0-9a-f]+_bg\.wasm$/);
  await pricing.getByRole('link', { name: 'Get started' }).click();
  await pricing.waitForURL('**/onboarding');
  await visible(pricing.getByRole('heading', { name: 'Welcome to Gatehouse', level: 1 }));

  // A deep link straight to step 2 (no name yet) starts at step 1.
  const plan = await session.open('/onboarding/plan', { label: 'plan-deep-link' });
  await plan.waitForURL((url) => url.pathname === '/onboarding');
  await visible(plan.getByRole('heading', { name: 'Welcome to Gatehouse', level: 1 }));
  await plan.getByRole('link', { name: 'Gatehouse' }).click();
  await plan.waitForURL((url) => url.pathname === '/');
  await visible(card(plan, 'Starter'));

  const missing = await session.open('/onboarding/no-such-step', { label: 'onboarding-not-found' });
  await visible(missing.getByRole('heading', { name: 'Page not found', level: 1 }));
});
