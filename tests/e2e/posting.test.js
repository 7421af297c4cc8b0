'use strict';
// posting.test.js — LangFlix Publisher in a real browser (headless
// chromium): the whole way from signing in to a TikTok post link, and the
// paths around it (Cancel on TikTok's page, the commercial disclosure rules
// of the composer, a post TikTok refuses). Every page is saved as a PNG
// under out/e2e/ (LF_E2E_OUT).
//
//   cd tests/e2e && npm ci && node --test      (with the LF_* variables of a
//                                               running stack exported)

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const lib = require('./lib');

const { BASE, EMU } = lib;
const POST_TIMEOUT_MS = 60000;
let browser;

before(async () => {
  await lib.emulatorProfiles();
  browser = await lib.launch();
});

after(async () => {
  if (browser) await browser.close();
});

// Our own pages must run without script errors.
function noScriptErrors() {
  assert.deepEqual(browser.errors, [], 'no JavaScript errors on the pages');
}

// Dashboard → "Upload to TikTok" on the card of `video` (found by search,
// as a user would with a big library).
async function clickUpload(page, video, title) {
  await page.goto(`${BASE}/?q=${encodeURIComponent(title)}`);
  const card = page.locator(`#video-${video}`);
  await card.waitFor();
  await card.getByRole('link', { name: 'Upload to TikTok' }).click();
}

// On the emulator's consent page: pick the creator, press a button.
async function tiktokConsent(page, openId, button, shotName) {
  await page.waitForURL((u) => u.href.startsWith(EMU));
  await page.selectOption('select[name=emulator_account]', openId);
  await lib.shot(page, shotName);
  await page.getByRole('button', { name: button }).click();
}

test('sign in, connect TikTok, compose, post and see the post link', { timeout: 120000 }, async () => {
  const user = lib.userAdd('e2e');
  const title = `Browser clip ${Date.now()}`;
  const video = lib.videoAdd(title);
  const page = await browser.context.newPage();

  await page.goto(`${BASE}/`);
  await page.waitForURL(/\/login/);
  await lib.shot(page, '01-login');
  await lib.login(page, user);
  await page.goto(`${BASE}/?q=${encodeURIComponent(title)}`);
  await assert.doesNotReject(page.locator(`#video-${video} .badge.good`).waitFor());
  await lib.shot(page, '02-dashboard');

  // no account yet: Upload goes through TikTok's consent page
  await clickUpload(page, video, title);
  await tiktokConsent(page, 'e2e00000-0000-4000-8000-0000000000e1', 'Authorize', '03-tiktok-authorize');

  // back on the composer of the same video, as the new account
  await page.waitForURL((u) => u.href.startsWith(`${BASE}/videos/${video}/tiktok`));
  await page.locator('#post-button').waitFor();
  assert.match(await page.locator('.creator').innerText(), /Erin \(browser test\)/);
  assert.match(await page.locator('h2.video-title').innerText(), new RegExp(title));
  // the composer says which account it chose: the one just connected
  assert.match(await page.locator('.composer .notice').first().innerText(), /Connected Erin \(browser test\)/);
  // nothing is chosen for the user: Post waits for a privacy choice
  assert.equal(await page.locator('#post-button').isDisabled(), true);
  assert.equal(await page.locator('#post-wrap').getAttribute('title'), 'Choose who can see this post first.');
  await lib.shot(page, '04-composer');

  await page.selectOption('#privacy', 'PUBLIC_TO_EVERYONE');
  const caption = 'Break the ice like Harvey Specter 🧊 #learnenglish #suits';
  await page.fill('#title', caption);
  assert.equal(await page.locator('#title-count').innerText(), String(caption.length));
  assert.equal(await page.locator('#post-button').isEnabled(), true);
  await lib.shot(page, '05-composer-filled');
  await page.locator('#post-button').click();

  // the job page: a progress bar while it runs, then the post link
  await page.waitForURL(/\/jobs\/\d+$/);
  const job = page.url().split('/').pop();
  await page.locator('#job-progress').waitFor();
  await lib.shot(page, '06-job-progress');
  const link = page.locator('#job-outcome a[href*="tiktok.com/@"]');
  await link.waitFor({ timeout: POST_TIMEOUT_MS });
  assert.match(await link.getAttribute('href'), /^https:\/\/www\.tiktok\.com\/@e2e\.public\/video\/\d+$/);
  assert.equal((await page.locator('#job-state').innerText()).trim(), 'Posted');
  await lib.shot(page, '07-job-posted');

  // Browser Back after posting: whether the browser restores the page or
  // loads it again, the counter and the Post button match the fields
  await page.goBack();
  await page.locator('#post-button').waitFor();
  const back = await page.evaluate(() => {
    const t = document.querySelector('#title');
    const b = document.querySelector('#post-button');
    return {
      counter: document.querySelector('#title-count').textContent,
      units: String(t.value.length),
      disabled: b.disabled,
      label: b.textContent.trim(),
      privacy: document.querySelector('#privacy').value,
    };
  });
  assert.equal(back.counter, back.units);
  assert.equal(back.disabled, back.privacy === '');
  assert.equal(back.label, 'Post');
  await lib.shot(page, '07b-composer-after-back');

  // what TikTok received is what was chosen on the page
  const row = lib.psql(`SELECT state || '|' || privacy_level || '|' || title FROM upload_jobs WHERE id = ${job}`);
  assert.equal(row, `published|PUBLIC_TO_EVERYONE|${caption}`);

  // the library shows the new state with a link to the post
  await page.goto(`${BASE}/?q=${encodeURIComponent(title)}`);
  await page.locator(`#video-${video} a:has-text("Posted · view")`).waitFor();
  await page.locator(`#video-${video} a:has-text("Post again")`).waitFor();
  await lib.shot(page, '08-dashboard-posted');
  noScriptErrors();

  // the same user, the disclosure rules of the composer (account connected now)
  const second = lib.videoAdd(`Disclosure clip ${Date.now()}`);
  await page.goto(`${BASE}/videos/${second}/tiktok`);
  await page.locator('#post-button').waitFor();
  await page.selectOption('#privacy', 'PUBLIC_TO_EVERYONE');
  assert.equal(await page.locator('#post-button').isEnabled(), true);
  // disclosure on, neither kind chosen: Post disabled, the reason on hover
  await page.locator('label[for=commercial]').click();
  assert.equal(await page.locator('#commercial').isChecked(), true);
  assert.equal(await page.locator('#post-button').isDisabled(), true);
  assert.equal(await page.locator('#post-wrap').getAttribute('title'),
    'You need to indicate if your content promotes yourself, a third party, or both.');
  assert.equal(await page.locator('#post-why').isVisible(), true);
  await lib.shot(page, '09-disclosure-nothing-chosen');
  // Your brand: Post possible again, labelled Promotional content
  await page.locator('label[for=brand_organic]').click();
  assert.equal(await page.locator('#post-button').isEnabled(), true);
  // Branded content: "Only me" cannot be chosen, and says why
  await page.locator('label[for=brand_content]').click();
  const onlyMe = page.locator('#privacy option[value=SELF_ONLY]');
  assert.equal(await onlyMe.isDisabled(), true);
  assert.match(await onlyMe.getAttribute('title'), /Branded content visibility cannot be set to private/i);
  assert.equal(await page.locator('#only-me-note').isVisible(), true);
  await lib.shot(page, '10-disclosure-branded');
  // and the other way round: Only me first → Branded content is not offered
  await page.locator('label[for=brand_content]').click();
  await page.selectOption('#privacy', 'SELF_ONLY');
  assert.equal(await page.locator('#brand_content').isDisabled(), true);
  assert.equal(await page.locator('#branded-blocked').isVisible(), true);
  await lib.shot(page, '11-disclosure-only-me');
  noScriptErrors();
  await page.close();
});

test('Cancel on TikTok\'s page connects nothing and shows the way back', { timeout: 120000 }, async () => {
  const user = lib.userAdd('e2ecancel');
  const title = `Cancel clip ${Date.now()}`;
  const video = lib.videoAdd(title);
  const page = await browser.context.newPage();

  await lib.login(page, user);
  await clickUpload(page, video, title);
  await tiktokConsent(page, 'e2e00000-0000-4000-8000-0000000000e1', 'Cancel', '12-tiktok-before-cancel');
  await page.waitForURL((u) => u.href.startsWith(`${BASE}/auth/tiktok/callback`));
  assert.match(await page.locator('h1').innerText(), /TikTok was not connected/);
  assert.match(await page.locator('main').innerText(), /You cancelled the sign-in on TikTok/);
  await lib.shot(page, '13-tiktok-cancelled');
  assert.equal(lib.psql(`SELECT count(*) FROM tiktok_accounts a JOIN users u ON u.id = a.user_id WHERE u.name = '${user}'`), '0');
  // "Back to the video" returns to where the user was
  await page.getByRole('link', { name: 'Back to the video' }).click();
  await page.waitForURL((u) => u.href.startsWith(EMU) || u.href === `${BASE}/videos/${video}/tiktok`);
  noScriptErrors();
  await page.close();
});

test('a post TikTok refuses ends on the job page with the reason in words', { timeout: 120000 }, async () => {
  const user = lib.userAdd('e2efail');
  const title = `Refused clip ${Date.now()}`;
  const video = lib.videoAdd(title);
  const page = await browser.context.newPage();

  await lib.login(page, user);
  await clickUpload(page, video, title);
  // the emulator's bad.framerate creator: every post fails at processing
  await tiktokConsent(page, '5f0c2a8e-1b7d-4c3e-9a61-000000000004', 'Authorize', '14-tiktok-authorize-failing');
  await page.waitForURL((u) => u.href.startsWith(`${BASE}/videos/${video}/tiktok`));
  await page.locator('#post-button').waitFor();
  // a private account: the composer says so and offers no "Everyone"
  assert.equal(await page.locator('#privacy option[value=PUBLIC_TO_EVERYONE]').count(), 0);
  await page.selectOption('#privacy', 'SELF_ONLY');
  await page.locator('#post-button').click();
  await page.waitForURL(/\/jobs\/\d+$/);
  const failed = page.locator('#job-outcome .alert');
  await failed.waitFor({ timeout: POST_TIMEOUT_MS });
  assert.match(await failed.innerText(), /The upload failed\./);
  assert.match(await failed.innerText(), /frame rate/i);
  assert.equal((await page.locator('#job-state').innerText()).trim(), 'Failed');
  // TikTok holds the whole file: no Retry button, and the page says why
  assert.equal(await page.getByRole('button', { name: 'Retry' }).count(), 0);
  assert.match(await page.locator('#job').innerText(), /trying again could post it twice/);
  await lib.shot(page, '15-job-failed');
  noScriptErrors();
  await page.close();
});
