// Test harness: one fresh headless Chromium per test, screenshots as evidence.
//
// - The app under test is at env GATEHOUSE_E2E_URL (e.g. http://127.0.0.1:8080).
// - Chromium is Debian's /usr/bin/chromium (override with env CHROMIUM), driven by
//   playwright-core; nothing is downloaded.
// - Every page still open when a test ends is saved as a full-page screenshot in
//   e2e/artifacts/<test-name>--<page>.png; when the test fails, the page it was on is also
//   saved as e2e/artifacts/<test-name>.png.
// - An uncaught error in the page (a Wasm panic, say) fails the test.
// - Every browser and every test file's own API calls come from an address of their own
//   (X-Forwarded-For, which the server believes from 127.0.0.1 in these runs), as real
//   clients do: the sign-in throttle per client address then never mixes tests up.

import { test } from 'node:test';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

// Flags that keep Chromium from stalling on a machine without internet access (no
// background networking, updates or sync).
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A made-up client address (10.x.y.z) for `X-Forwarded-For`. */
export function clientAddress() {
  const part = () => 1 + Math.floor(Math.random() * 254);
  return `10.${part()}.${part()}.${part()}`;
}

/** The headers this test file's direct API calls carry: its own client address. */
export const CLIENT = { 'x-forwarded-for': clientAddress() };

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

/** How long any single wait may take before the test fails. */
const WAIT_MS = 10_000;

/** The base URL of the Gatehouse under test, without a trailing slash. */
export function baseUrl() {
  const url = process.env.GATEHOUSE_E2E_URL;
  if (!url) {
    throw new Error(
      'GATEHOUSE_E2E_URL is not set. Point it at a running Gatehouse, e.g. ' +
        'GATEHOUSE_E2E_URL=http://127.0.0.1:8080 npm test',
    );
  }
  return url.replace(/\/+$/, '');
}

function fileSafe(name) {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * A browser session for one test.
 * `open(pathname, {viewport, label})` opens a new page and waits for the document to load.
 */
class Session {
  constructor(testName, context, userDataDir) {
    this.testName = fileSafe(testName);
    this.context = context;
    this.userDataDir = userDataDir;
    this.pages = [];
    this.pageErrors = [];
    this.consoleErrors = [];
    this.current = null;
    this.devices = [];
  }

  /**
   * A second browser for the same test (another device: its own cookies and storage).
   * Its pages are saved as <test>-<label>--<page>.png; errors in them fail the test too.
   */
  async device(label) {
    const { context, userDataDir } = await launch();
    const device = new Session(`${this.testName}-${label}`, context, userDataDir);
    device.pageErrors = this.pageErrors;
    device.consoleErrors = this.consoleErrors;
    this.devices.push(device);
    return device;
  }

  async open(pathname, { viewport = DESKTOP, label } = {}) {
    // The persistent context starts with one blank tab: use it for the first page.
    const blank = this.context.pages().find((p) => p.url() === 'about:blank' && !this.pages.some((o) => o.page === p));
    const page = blank ?? (await this.context.newPage());
    await page.setViewportSize(viewport);
    const name = label ?? `page-${this.pages.length + 1}`;
    page.on('pageerror', (error) => this.pageErrors.push(`[${name}] ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push(`[${name}] ${message.text()}`);
    });
    this.pages.push({ page, name });
    this.current = page;
    await page.goto(baseUrl() + pathname);
    return page;
  }

  /** Saves a full-page screenshot of `page` as artifacts/<test>--<label>.png. */
  async screenshot(page, label) {
    await mkdir(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${this.testName}--${fileSafe(label)}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  }

  async finish(failed) {
    for (const device of this.devices) await device.finish(false);
    await mkdir(ARTIFACTS, { recursive: true });
    if (failed && this.current && !this.current.isClosed()) {
      const file = path.join(ARTIFACTS, `${this.testName}.png`);
      await this.current.screenshot({ path: file, fullPage: true }).catch(() => {});
    }
    for (const { page, name } of this.pages) {
      if (!page.isClosed()) await this.screenshot(page, name).catch(() => {});
    }
    await this.context.close().catch(() => {});
    await rm(this.userDataDir, { recursive: true, force: true }).catch(() => {});
  }
}

/** A fresh headless Chromium with its own profile directory. */
async function launch() {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: DESKTOP,
    extraHTTPHeaders: { 'x-forwarded-for': clientAddress() },
  });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS * 2);
  return { context, userDataDir };
}

/**
 * Declares a test that gets a fresh browser: `browserTest(name, async (session, t) => …)`.
 */
export function browserTest(name, body) {
  test(name, async (t) => {
    baseUrl(); // fail before starting a browser when there is nothing to test
    const { context, userDataDir } = await launch();
    const session = new Session(name, context, userDataDir);
    let failed = true;
    try {
      await body(session, t);
      if (session.pageErrors.length > 0) {
        throw new Error(`the page threw:\n${session.pageErrors.join('\n')}`);
      }
      failed = false;
    } catch (error) {
      if (session.consoleErrors.length > 0) {
        t.diagnostic(`browser console errors:\n${session.consoleErrors.join('\n')}`);
      }
      throw error;
    } finally {
      await session.finish(failed);
    }
  });
}

/** Waits until `locator` is visible (and is the only match). */
export async function visible(locator) {
  await locator.waitFor({ state: 'visible' });
  return locator;
}

/** Waits until `locator` is gone or hidden. */
export async function hidden(locator) {
  await locator.waitFor({ state: 'hidden' });
}
