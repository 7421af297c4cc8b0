'use strict';
// cover.test.js — posters and the cover picker in a real browser: the
// library's cards show a poster picture and load no video until "Play
// preview" is clicked; the composer's cover frame is a row of the video's
// frames (made by `langflix import`), the one nearest the sidecar's
// expression_start_ms chosen; clicking another fills the number field and
// that time is what TikTok's init body carries (the emulator's record).
// Screenshots: cover-dashboard-{wide,phone}.png, cover-composer-{wide,phone}.png.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const lib = require('./lib');

const { BASE, EMU } = lib;
let browser;

before(async () => {
  await lib.emulatorProfiles();
  browser = await lib.launch();
});

after(async () => {
  if (browser) await browser.close();
});

// The problems checkPage found that concern these pages' pictures.
function ours(problems) {
  return problems.filter((p) => /px wide|poster|preview|cover/.test(p));
}

async function emulatorCover(caption) {
  for (let i = 0; i < 600; i++) {
    const state = await (await fetch(`${EMU}/_emulator/state`)).json();
    const post = state.posts.find((p) => p.title === caption);
    if (post) return post.flags.video_cover_timestamp_ms;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

test('posters on the library, a cover frame picked from the strip', { timeout: 120000 }, async () => {
  const user = lib.userAdd('cover');
  const title = `Cover clip ${Date.now()}`;
  // 3 s: the strip at 187, 562, 937, 1312, 1687, 2062, 2437, 2812 ms
  const video = lib.videoAdd(title, { expression_start_ms: 1700 });
  const page = await browser.context.newPage();
  const videoRequests = [];
  page.on('request', (r) => { if (/\/videos\/\d+\/file/.test(r.url())) videoRequests.push(r.url()); });

  await lib.login(page, user);
  await page.goto(`${BASE}/?q=${encodeURIComponent(title)}`);
  const card = page.locator(`#video-${video}`);
  const poster = card.locator('img.poster');
  await poster.waitFor();
  // the picture arrived and is portrait, as the clip is shown
  await page.waitForFunction((sel) => { const i = document.querySelector(sel); return i && i.complete && i.naturalWidth > 0; },
    `#video-${video} img.poster`);
  const size = await poster.evaluate((i) => [i.naturalWidth, i.naturalHeight]);
  assert.deepEqual(size, [320, 568]);
  assert.equal(await page.locator('video').count(), 0, 'no <video> element on the library');
  assert.deepEqual(videoRequests, [], 'the library loads no video');
  assert.deepEqual(ours(await lib.checkPage(page, 'cover-dashboard')), []);
  // the preview plays only when asked, in place of the poster
  await card.getByRole('link', { name: 'Play preview' }).click();
  await card.locator('video').waitFor();
  assert.equal(page.url(), `${BASE}/?q=${encodeURIComponent(title)}`);
  assert.equal(videoRequests.length > 0, true, 'the video loads once asked for');

  // connect a TikTok account through the composer's way in
  await card.getByRole('link', { name: 'Upload to TikTok' }).click();
  await page.waitForURL((u) => u.href.startsWith(EMU));
  await page.selectOption('select[name=emulator_account]', 'e2e00000-0000-4000-8000-0000000000e1');
  await page.getByRole('button', { name: 'Authorize' }).click();
  await page.waitForURL(`${BASE}/videos/${video}/tiktok`);
  await page.locator('#post-button').waitFor();

  // the strip: eight frames and "TikTok's choice"; the expression's frame chosen
  const radios = page.locator('input[name=cover_frame]');
  assert.equal(await radios.count(), 9);
  const expression = page.locator('.cover-frame.expression input');
  assert.equal(await expression.getAttribute('value'), '1687');
  assert.equal(await expression.isChecked(), true);
  assert.equal(await page.locator('#cover_ms').inputValue(), '1687', 'the chosen frame fills the number field');
  assert.deepEqual(ours(await lib.checkPage(page, 'cover-composer')), []);

  // click another frame: its time goes into the field, and to TikTok
  const third = page.locator('.cover-frame').filter({ has: page.locator('input[value="937"]') });
  await third.locator('img').click();
  assert.equal(await page.locator('input[name=cover_frame][value="937"]').isChecked(), true);
  assert.equal(await page.locator('#cover_ms').inputValue(), '937');
  // a typed time that is one of the frames picks that frame
  await page.fill('#cover_ms', '2437');
  assert.equal(await page.locator('input[name=cover_frame][value="2437"]').isChecked(), true);
  await third.locator('img').click();
  assert.equal(await page.locator('#cover_ms').inputValue(), '937');

  await page.selectOption('#privacy', 'SELF_ONLY');
  const caption = `Cover picked ${Date.now()}`;
  await page.fill('#title', caption);
  await page.locator('#post-button').click();
  await page.waitForURL(/\/jobs\/\d+$/);
  assert.equal(await emulatorCover(caption), 937);
  assert.deepEqual(browser.errors, [], 'no JavaScript errors on the pages');
  await page.close();
});
