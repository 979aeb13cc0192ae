// Accessibility checks for any page: axe-core's rules (WCAG 2.x A and AA, and axe's best
// practices), run inside the page as it is drawn now.
//
// `assertAccessible(page)` fails on every `serious` or `critical` violation with one line
// per element: the rule, the element's selector and axe's help text. `moderate` and
// `minor` ones are returned (callers print them as test diagnostics) without failing.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** axe-core's browser script, as the package hands it to test drivers. */
const AXE_SOURCE = require('axe-core').source;

/** The impacts that fail a page. */
const FAILING = new Set(['serious', 'critical']);

/**
 * Rules switched off, each because it is wrong for Gatehouse rather than because a page
 * breaks it. Keep this list minimal, and say why next to every entry.
 */
const DISABLED_RULES = {
  // Nothing yet: every rule applies.
};

/** Puts axe into `page` unless it is there already (a client-side navigation keeps it). */
async function inject(page) {
  const present = await page.evaluate(() => typeof window.axe?.run === 'function');
  if (!present) await page.addScriptTag({ content: AXE_SOURCE });
}

/** One line for each element a violation names. */
function describe(violations) {
  const lines = [];
  for (const violation of violations) {
    for (const node of violation.nodes) {
      const where = node.target.map((part) => (Array.isArray(part) ? part.join(' >>> ') : part)).join(' ');
      lines.push(`- [${violation.impact}] ${violation.id}: ${where}\n    ${violation.help} (${violation.helpUrl})`);
      const summary = node.failureSummary?.split('\n').slice(1, 3).join(' ').trim();
      if (summary) lines.push(`    ${summary}`);
    }
  }
  return lines.join('\n');
}

/** axe's violations on `page` as it is now (all impacts). */
export async function axeViolations(page) {
  await inject(page);
  return page.evaluate(async (disabled) => {
    const rules = Object.fromEntries(disabled.map((id) => [id, { enabled: false }]));
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      rules,
      resultTypes: ['violations'],
    });
    // Only what the report needs crosses back to Node.
    return result.violations.map(({ id, impact, help, helpUrl, nodes }) => ({
      id,
      impact,
      help,
      helpUrl,
      nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })),
    }));
  }, Object.keys(DISABLED_RULES));
}

/**
 * Fails when axe finds a `serious` or `critical` violation on `page` (`what` names the
 * page in the message). Resolves with the lesser violations' report ('' when none).
 */
export async function assertAccessible(page, what = page.url()) {
  const violations = await axeViolations(page);
  const failing = violations.filter((v) => FAILING.has(v.impact));
  assert.equal(failing.length, 0, `accessibility violations on ${what}:\n${describe(failing)}`);
  return describe(violations.filter((v) => !FAILING.has(v.impact)));
}
