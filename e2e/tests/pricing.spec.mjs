// The public pricing page against the seeded demo catalog (`api seed`).

import assert from 'node:assert/strict';

import { browserTest, DESKTOP, hidden, PHONE, visible } from '../lib/browser.mjs';

const PLANS = [
  { name: 'Starter', monthly: '9.00 EUR', yearly: '90.00 EUR' },
  { name: 'Team', monthly: '29.00 EUR', yearly: '290.00 EUR' },
  { name: 'Business', monthly: '79.00 EUR', yearly: '790.00 EUR' },
];
const ADD_ONS = ['Priority support', 'Extra storage 100 GB'];

/** The card of a product, found by its accessible name (its heading). */
function card(page, name) {
  return page.getByRole('article', { name, exact: true });
}

async function waitForPlans(page) {
  for (const plan of PLANS) {
    await visible(card(page, plan.name).getByRole('heading', { name: plan.name, exact: true }));
  }
}

/** Fails when the page is wider than the viewport (sideways scrolling on a phone). */
async function assertNoHorizontalScroll(page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport`);
}

browserTest('pricing page shows the seeded plans', async (session) => {
  const page = await session.open('/', { viewport: DESKTOP, label: 'desktop' });
  await waitForPlans(page);
  assert.equal(await page.title(), 'Pricing · Gatehouse');
  for (const landmark of ['banner', 'main', 'contentinfo']) {
    await visible(page.getByRole(landmark));
  }
  await visible(page.getByRole('navigation', { name: 'Main' }));

  // Monthly is the default.
  assert.equal(await page.getByRole('radio', { name: 'Monthly' }).isChecked(), true);
  for (const plan of PLANS) {
    const planCard = card(page, plan.name);
    await visible(planCard.getByText(plan.monthly, { exact: true }));
    await visible(planCard.getByText('/month', { exact: true }));
  }
  assert.equal(await card(page, 'Starter').getByText('Save 16%').count(), 0);

  // Switch to yearly with the keyboard: arrow keys move through the radio group.
  await page.getByRole('radio', { name: 'Monthly' }).focus();
  await page.keyboard.press('ArrowRight');
  for (const plan of PLANS) {
    const planCard = card(page, plan.name);
    await visible(planCard.getByText(plan.yearly, { exact: true }));
    await visible(planCard.getByText('/year', { exact: true }));
  }
  assert.equal(await page.getByRole('radio', { name: 'Yearly' }).isChecked(), true);
  await visible(card(page, 'Starter').getByText('Save 16%', { exact: true }));
  await session.screenshot(page, 'desktop-yearly');

  // And back with a click.
  await page.getByRole('radio', { name: 'Monthly' }).click();
  await visible(card(page, 'Starter').getByText('9.00 EUR', { exact: true }));
  await hidden(card(page, 'Starter').getByText('Save 16%'));

  await visible(page.getByRole('heading', { name: 'Add-ons', level: 2 }));
  for (const name of ADD_ONS) {
    await visible(card(page, name).getByRole('heading', { name, exact: true }));
  }
  await visible(card(page, 'Priority support').getByText('15.00 EUR', { exact: true }));
  await visible(card(page, 'Extra storage 100 GB').getByText('Available with the Team plan'));

  // Desktop: the plans sit side by side.
  const starter = await card(page, 'Starter').boundingBox();
  const team = await card(page, 'Team').boundingBox();
  assert.ok(Math.abs(starter.y - team.y) < 1 && team.x > starter.x, 'plans should form a row at 1280px');
  await assertNoHorizontalScroll(page);

  // Phone: the plans stack, nothing scrolls sideways.
  const phone = await session.open('/', { viewport: PHONE, label: 'phone' });
  await waitForPlans(phone);
  const starterPhone = await card(phone, 'Starter').boundingBox();
  const teamPhone = await card(phone, 'Team').boundingBox();
  assert.ok(teamPhone.y >= starterPhone.y + starterPhone.height, 'plans should stack at 375px');
  await assertNoHorizontalScroll(phone);
});

browserTest('pricing page explains a failed load and retries', async (session) => {
  // Fail the first catalog request with the API's envelope, let the retry through.
  let failures = 1;
  await session.context.route('**/api/v1/catalog', (route) => {
    if (failures-- > 0) {
      return route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({
          error: { code: 'internal_error', message: 'Something went wrong on our side.' },
        }),
      });
    }
    return route.continue();
  });
  const page = await session.open('/', { label: 'after-retry' });

  const alert = await visible(page.getByRole('alert'));
  await visible(alert.getByText('Something went wrong on our side.'));
  await session.screenshot(page, 'error');
  await alert.getByRole('button', { name: 'Retry' }).click();
  await waitForPlans(page);
  await hidden(page.getByRole('alert'));
});

browserTest('unknown pricing pages and paths say so', async (session) => {
  const pricing = await session.open('/pricing/no-such-page', { label: 'unknown-pricing-page' });
  await visible(pricing.getByRole('heading', { name: 'No such pricing page' }));
  await visible(pricing.getByText('no-such-page'));

  const missing = await session.open('/no/such/path', { label: 'not-found' });
  await visible(missing.getByRole('heading', { name: 'Page not found', level: 1 }));
  assert.equal(await missing.title(), 'Page not found · Gatehouse');
  await session.screenshot(missing, 'not-found-before-click');
  await missing.getByRole('link', { name: 'See plans and pricing' }).click();
  await waitForPlans(missing);
});
