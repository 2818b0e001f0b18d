/**
 * The dashboard in a real browser (Debian's Chromium, headless): type a
 * message, see it classified by app1 and listed in the history. Saves the
 * screenshot the README shows (docs/screenshot-dashboard.png).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { fixtureApp, root, startDev, tempDir, type Dev } from './harness.js';

let dev: Dev;
let browser: Browser;

before(async () => {
  const base = tempDir('ui');
  dev = await startDev([fixtureApp(base, 'app1'), fixtureApp(base, 'app2')]);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
after(async () => {
  await browser?.close();
  await dev?.stop();
});

test('type a message in the dashboard, see it classified and in the history', async () => {
  const page = await browser.newPage({ viewport: { width: 900, height: 640 } });
  await page.goto(dev.apps.app2!.url);
  await page.getByRole('heading', { name: 'Message classifier' }).waitFor();

  await page.fill('#message', 'It would be nice to export the report as PDF');
  await page.click('#classify');
  await page.locator('#result[data-classification]').waitFor();
  assert.equal(await page.getAttribute('#result', 'data-classification'), 'feature_request');
  assert.match((await page.textContent('#result')) ?? '', /Feature request/);

  await page.fill('#message', 'The login page crashes with an error');
  await page.click('#classify');
  await page.locator('#result[data-classification="bug"]').waitFor();
  const rows = page.locator('#history tr');
  await page.locator('#history tr', { hasText: 'login page crashes' }).waitFor();
  assert.match((await rows.nth(0).textContent()) ?? '', /login page crashes.*Bug/s, 'newest first');
  assert.match((await rows.nth(1).textContent()) ?? '', /export the report as PDF.*Feature request/s);

  // The README's picture is refreshed on request only, so a test run leaves the tree clean.
  const shot = process.env.PADDOCK_UPDATE_SCREENSHOT ? join(root, 'docs', 'screenshot-dashboard.png') : join(root, 'test-results', 'screenshot-dashboard.png');
  await page.screenshot({ path: shot });
});
