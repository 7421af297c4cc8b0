'use strict';
// results.test.js — the results page in a real browser (headless chromium):
// a clip posted publicly through the composer gets its TikTok link and a
// first reading of its counts from the worker, and /results then draws its
// chart as SVG on the server (no script needed), with a title and a
// description for screen readers. A clip sent to the inbox waits on
// /drafts, whose Copy button puts its caption on the clipboard. /results and
// /drafts are checked like every page (fits 390 px, axe at both sizes);
// screenshots in out/e2e/.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const lib = require('./lib');

const { BASE, EMU } = lib;
const ERIN = 'e2e00000-0000-4000-8000-0000000000e1';
let browser;

before(async () => {
  await lib.emulatorProfiles();
  browser = await lib.launch();
});

after(async () => {
  if (browser) await browser.close();
});

test('a posted clip gets its counts and a chart on /results', { timeout: 180000 }, async () => {
  const problems = [];
  const user = lib.userAdd('e2eresults');
  const title = `Results clip ${Date.now()}`;
  const video = lib.videoAdd(title, { show_name: 'Suits', expression: 'break the ice' });
  const page = await browser.context.newPage();

  await lib.login(page, user);
  await page.goto(`${BASE}/videos/${video}/tiktok`);
  await page.waitForURL((u) => u.href.startsWith(EMU));
  await page.selectOption('select[name=emulator_account]', ERIN);
  await page.getByRole('button', { name: 'Authorize' }).click();
  await page.waitForURL((u) => u.href.startsWith(`${BASE}/videos/${video}/tiktok`));
  await page.locator('#post-button').waitFor();
  await page.selectOption('#privacy', 'PUBLIC_TO_EVERYONE');
  await Promise.all([page.waitForURL(/\/jobs\/\d+$/), page.locator('#post-button').click()]);
  const job = page.url().match(/\/jobs\/(\d+)$/)[1];
  await page.locator('#job-outcome .good-box').waitFor({ timeout: 60000 });

  // the worker reads a new post's counts at once: wait for the first reading
  const until = Date.now() + 60000;
  while (lib.psql(`SELECT count(*) FROM clip_readings WHERE job_id = ${job}`) === '0') {
    if (Date.now() > until) throw new Error(`no reading of job ${job} within 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await page.goto(`${BASE}/results`);
  const row = page.locator(`tr[data-job="${job}"]`);
  await row.waitFor();
  const chart = row.locator('svg.spark');
  assert.equal(await chart.count(), 1, 'the clip has a chart');
  const box = await chart.boundingBox();
  assert.ok(box && box.width > 50 && box.height > 20, 'the chart is drawn with a size');
  assert.equal(await chart.locator('polyline').count(), 1);
  assert.match(await chart.locator('title').textContent(), /over its first 30 days/);
  assert.match(await chart.locator('desc').textContent(), /reading/);
  assert.equal(await chart.getAttribute('role'), 'img');
  // the roll-ups have their bar charts, and the show is there
  assert.ok(await page.locator('svg.bars').count() >= 4, 'a bar chart per roll-up');
  assert.equal(await page.locator('#rollup-show tr[data-key="Suits"]').count(), 1);
  problems.push(...await lib.checkPage(page, 'r01-results'));
  // sorting happens on the server: a link, no script
  await page.locator('th a', { hasText: 'Views' }).first().click();
  await page.waitForURL(/sort=views/);
  // a second clip sent to the TikTok inbox as a draft waits on /drafts with
  // its caption, and the Copy button puts that caption on the clipboard
  const caption = `Draft caption ${Date.now()} #langflix`;
  const draftVideo = lib.videoAdd(`Draft clip ${Date.now()}`, { show_name: 'Suits' }, { distinct: true });
  await page.goto(`${BASE}/videos/${draftVideo}/tiktok`);
  await page.locator('#post-button').waitFor();
  await page.locator('#mode-inbox').check();
  await page.locator('#title').fill(caption);
  await Promise.all([page.waitForURL(/\/jobs\/\d+$/), page.locator('#post-button').click()]);
  const draft = page.url().match(/\/jobs\/(\d+)$/)[1];
  const inboxedBy = Date.now() + 60000;
  while (lib.psql(`SELECT state FROM upload_jobs WHERE id = ${draft}`) !== 'inboxed') {
    if (Date.now() > inboxedBy) throw new Error(`job ${draft} not in the inbox within 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  await page.goto(`${BASE}/drafts`);
  assert.match(await page.locator('h1').innerText(), /Finish in TikTok/);
  const item = page.locator(`#draft-${draft}`);
  assert.equal(await item.locator('textarea.caption-copy').inputValue(), caption);
  const copy = item.getByRole('button', { name: 'Copy caption' });
  assert.equal(await copy.count(), 1, 'the draft has a Copy button');
  await page.evaluate(() => navigator.clipboard.writeText(''));
  await copy.click();
  await item.getByRole('status').filter({ hasText: 'Copied.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), caption,
    'the clipboard holds the caption');
  problems.push(...await lib.checkPage(page, 'r02-drafts'));
  assert.deepEqual(problems, [], problems.join('\n'));
  assert.deepEqual(browser.errors, [], 'no JavaScript errors on the pages');
  await page.close();
});
