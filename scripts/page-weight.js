'use strict';
// page-weight.js BASE USER PASSWORD ACCESS_LOG OUTPREFIX — what the library
// page costs a browser: headless chromium (a fresh profile, nothing cached)
// signs in, opens / at 1280x900 and at 390x844, waits until the network is
// idle, then scrolls the whole page; the bytes and requests are counted from
// nginx's access log ($body_bytes_sent, per kind: html, video ranges,
// poster pictures) and a screenshot of each size is saved as
// OUTPREFIX-dashboard-{wide,phone}.png. Static files are not in the log
// (their location has access_log off): add their sizes from static/.
// A figure for the notes, never a pass/fail test. With a running stack:
//   node scripts/page-weight.js http://127.0.0.1:8080 demo PASSWORD var/log/nginx-access.log out/weight
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require(path.join(__dirname, '../tests/e2e/node_modules/playwright-core'));
const [BASE, USER, PASS, LOG, OUT] = process.argv.slice(2);

function count(lines) {
  const c = {};
  for (const l of lines) {
    const m = l.match(/"GET ([^ ]+) HTTP[^"]*" (\d+) (\d+)/);
    if (!m) continue;
    const [, url, status, bytes] = m;
    let k = 'other';
    if (url === '/' || url.startsWith('/?')) k = 'html';
    else if (/\.css/.test(url)) k = 'css';
    else if (/\.js/.test(url)) k = 'js';
    else if (/\/videos\/\d+\/file/.test(url)) k = `video (status ${status})`;
    else if (/\/frames\//.test(url)) k = 'poster images';
    else if (/favicon/.test(url)) k = 'favicon';
    c[k] = c[k] || { requests: 0, bytes: 0 };
    c[k].requests++;
    c[k].bytes += Number(bytes);
  }
  return c;
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-weight-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  const page = await ctx.newPage();
  await page.goto(`${BASE}/login`);
  await page.fill('input[name=name]', USER);
  await page.fill('input[name=password]', PASS);
  await Promise.all([page.waitForURL(`${BASE}/`), page.click('button[type=submit]')]);
  // a fresh browser for the measurement: a new context with the session cookie only
  const cookies = await ctx.cookies();
  await ctx.close();
  const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-weight-'));
  for (const vp of [{ n: 'wide', width: 1280, height: 900 }, { n: 'phone', width: 390, height: 844 }]) {
    const c2 = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'lf-weight-')), {
      executablePath: '/usr/bin/chromium', headless: true, viewport: { width: vp.width, height: vp.height },
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
    await c2.addCookies(cookies);
    const p = await c2.newPage();
    const from = fs.statSync(LOG).size;   /* only this page's lines */
    const since = () => fs.readFileSync(LOG).subarray(from).toString('utf8').split('\n');
    await p.goto(`${BASE}/`, { waitUntil: 'networkidle' });
    await p.waitForTimeout(4000);
    const first = since();
    const videos = await p.locator('li.video').count();
    await p.screenshot({ path: `${OUT}-dashboard-${vp.n}.png` });
    // then scroll the whole library into view (lazy pictures load)
    await p.evaluate(async () => {
      for (let y = 0; y < document.body.scrollHeight; y += 400) { window.scrollTo(0, y); await new Promise((r) => setTimeout(r, 60)); }
    });
    await p.waitForLoadState('networkidle');
    await p.waitForTimeout(3000);
    const all = since();
    console.log(JSON.stringify({ viewport: vp.n, cards: videos, on_load: count(first), after_scrolling_all: count(all) }, null, 1));
    await c2.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(dir2, { recursive: true, force: true });
})();
