// The tour's stops: one page of the SPA, checked at desktop and phone width — loaded (no
// spinner left), axe finds nothing serious, nothing scrolls sideways on the phone — and
// photographed as artifacts/tour/<page>--<desktop|phone>.png.
//
// With env GATEHOUSE_TOUR_SCREENSHOTS=docs/screenshots (a directory, relative to the
// repository root), the stops listed in README_SHOTS are also saved there as the
// README's desktop screenshots (the 1280x800 viewport, not the whole page).

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { assertAccessible } from './a11y.mjs';
import { DESKTOP, PHONE, visible } from './browser.mjs';
import { assertNoHorizontalScroll } from './pages.mjs';

const E2E = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOUR_ARTIFACTS = path.join(E2E, 'artifacts', 'tour');

/** The stops whose desktop view the README shows (docs/screenshots/<stop>.png). */
export const README_SHOTS = new Set([
  'pricing',
  'onboarding-plan',
  'dashboard',
  'billing',
  'account-security',
  'admin-overview',
  'admin-account',
  'admin-instances',
]);

/** Where the README's screenshots go, or null when they are not asked for. */
function readmeShots() {
  const dir = process.env.GATEHOUSE_TOUR_SCREENSHOTS;
  return dir ? path.resolve(E2E, '..', dir) : null;
}

/** Resolves once the page has drawn twice more (after a resize, say). */
function painted(page) {
  return page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

/** Waits until nothing on the page says it is loading. */
async function settled(page) {
  await page.waitForFunction(
    () =>
      !document.querySelector('[aria-busy="true"], .spinner, .loading') &&
      document.querySelector('h1') !== null,
  );
}

/**
 * Checks and photographs the page `page` shows as the tour's stop `name`, once `ready`
 * (a locator, or a function of the page) shows it loaded. Records the stop in `log`
 * (an array the spec reports from). The README's screenshot shows the top of the page,
 * or `shot` (a locator) at the top of the window. The page ends at desktop width.
 */
export async function tourStop(t, log, page, name, ready, { shot } = {}) {
  for (const [width, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ]) {
    await page.setViewportSize(viewport);
    // The page's own content first: a locator's wait outlasts a navigation still under way.
    if (typeof ready === 'function') await ready(page);
    else await visible(ready);
    await settled(page);
    await painted(page);
    if (width === 'phone') await assertNoHorizontalScroll(page);
    const lesser = await assertAccessible(page, `${name} (${width})`);
    if (lesser) t.diagnostic(`${name} (${width}), moderate or minor:\n${lesser}`);
    await mkdir(TOUR_ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(TOUR_ARTIFACTS, `${name}--${width}.png`), fullPage: true, animations: 'disabled' });
    const docs = readmeShots();
    if (docs && width === 'desktop' && README_SHOTS.has(name)) {
      await mkdir(docs, { recursive: true });
      if (shot) {
        await shot.evaluate((element) => {
          element.scrollIntoView({ block: 'start' });
          window.scrollBy(0, -16);
        });
      } else {
        await page.evaluate(() => window.scrollTo(0, 0));
      }
      await page.screenshot({ path: path.join(docs, `${name}.png`), animations: 'disabled' });
    }
  }
  await page.setViewportSize(DESKTOP);
  await painted(page);
  log.push(name);
}

/** Reports the stops of one spec as a diagnostic line. */
export function reportTour(t, log) {
  t.diagnostic(`tour: ${log.length} pages × 2 widths checked: ${log.join(', ')}`);
}
