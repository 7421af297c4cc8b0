'use strict';
// plan.test.js — a batch planned the way a creator does it: posting slots
// on the account's plan page, two clips ticked in the library, "Plan
// posts", one choice of privacy for every row on the review page, Confirm;
// then the schedule lists both clips at their planned slots.

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

test('a batch planned on the review page fills the schedule', { timeout: 180000 }, async () => {
  const page = await browser.context.newPage();
  const stamp = Date.now();
  const user = lib.userAdd('e2eplan');
  const first = lib.videoAdd(`Planned one ${stamp}`, {}, { distinct: true });
  const second = lib.videoAdd(`Planned two ${stamp}`, {}, { distinct: true });

  await lib.login(page, user);
  // connect the account through the composer, as a new user does
  await page.goto(`${BASE}/videos/${first}/tiktok`);
  await page.waitForURL((u) => u.href.startsWith(EMU));
  await page.selectOption('select[name=emulator_account]', ERIN);
  await page.getByRole('button', { name: 'Authorize' }).click();
  await page.waitForURL((u) => u.href.startsWith(`${BASE}/videos/${first}/tiktok`));
  const account = lib.psql(`SELECT a.id FROM tiktok_accounts a JOIN users u ON u.id = a.user_id
    WHERE u.name = '${user}' AND a.open_id = '${ERIN}'`);

  // two slots every day, in the account's plan, hours away from now (so
  // no worker starts them while the test looks)
  const hh = (n) => String((new Date().getUTCHours() + n) % 24).padStart(2, '0');
  const slots = [`${hh(3)}:00`, `${hh(9)}:00`];
  await page.goto(`${BASE}/accounts/${account}/plan`);
  await page.fill('#slots', `Mon-Sun ${slots.join(' ')}`);
  await page.fill('#time_zone', 'UTC');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save the plan' }).click()]);
  assert.equal(lib.psql(`SELECT count(*) FROM account_slots WHERE account_id = ${account}`), '14');

  // the library: tick both clips, Plan posts
  await page.goto(`${BASE}/?q=${encodeURIComponent(String(stamp))}`);
  await page.locator(`#video-${first} input[name=video]`).check();
  await page.locator(`#video-${second} input[name=video]`).check();
  await Promise.all([page.waitForURL(/\/plan/),
    page.getByRole('button', { name: 'Plan posts for the ticked videos' }).click()]);
  await lib.shot(page, 'plan-01-review');

  // the review: nothing chosen for the user until they choose it for all rows
  await page.selectOption('#privacy_all', 'SELF_ONLY');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Apply to all rows' }).click()]);
  assert.equal(await page.locator(`#privacy_${first}`).inputValue(), 'SELF_ONLY');
  assert.equal(await page.locator(`#privacy_${second}`).inputValue(), 'SELF_ONLY');
  await lib.shot(page, 'plan-02-review-chosen');
  await Promise.all([page.waitForURL(/\/jobs$/), page.locator('#confirm').click()]);

  // two scheduled jobs, both in the future at a slot, and the schedule lists them
  const planned = lib.psql(`SELECT count(*) FROM upload_jobs WHERE account_id = ${account}
    AND video_id IN (${first}, ${second}) AND state = 'queued' AND run_at > now()
    AND to_char(run_at AT TIME ZONE 'UTC', 'HH24:MI') IN ('${slots[0]}', '${slots[1]}')`);
  assert.equal(planned, '2');
  await page.goto(`${BASE}/schedule`);
  await page.locator('.schedule-job', { hasText: `Planned one ${stamp}` }).waitFor();
  await page.locator('.schedule-job', { hasText: `Planned two ${stamp}` }).waitFor();
  await lib.shot(page, 'plan-03-schedule');
  assert.deepEqual(browser.errors, [], 'no JavaScript errors on the pages');
  await page.close();
});
