'use strict';
// lib.js — what the browser tests share: the stack's addresses (the LF_*
// variables that tests/run.sh exports), test data made through the same
// tools an operator uses (`langflix user add`, `langflix import`, the
// emulator's control API), Debian's chromium started headless through
// playwright-core, and screenshots under out/e2e/.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through tests/run.sh (or eval "$(scripts/stack.sh env)")`);
  return v;
}

const BASE = env('LF_BASE_URL');
const EMU = env('LF_EMU_URL');
const ROOT = process.env.LF_ROOT || path.resolve(__dirname, '../..');
const OUT = process.env.LF_E2E_OUT || path.join(ROOT, 'out', 'e2e');
const CHROMIUM = process.env.LF_CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'e2e-browser-password';

fs.mkdirSync(OUT, { recursive: true });

const unique = `${process.pid}-${Date.now().toString(36)}`;
let seq = 0;

function langflix(args, input) {
  return execFileSync(path.join(env('LF_BIN'), 'langflix'), ['-c', env('LF_CONFIG'), ...args], {
    input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function psql(sql) {
  return execFileSync('psql', [env('LF_DB_URL'), '-XAtqc', sql], { encoding: 'utf8' }).trim();
}

// A dashboard user; returns its name.
function userAdd(prefix) {
  const name = `${prefix}${unique.replace(/[^a-z0-9]/gi, '')}${++seq}`;
  langflix(['user', 'add', name], `${PASSWORD}\n`);
  return name;
}

// A real 3-second 720x1280 clip with its LangFlix sidecar, imported the
// way an operator imports a folder. Returns the video id.
// Clips are the same bytes unless `distinct` (then the title goes into the
// file's metadata): the duplicate guard treats equal bytes as one clip.
function videoAdd(title, extra = {}, { distinct = false } = {}) {
  const dir = path.join(env('LF_MEDIA'), `e2e-${unique}-${++seq}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'clip.mp4');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i',
    'testsrc2=size=720x1280:rate=30', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast',
    '-pix_fmt', 'yuv420p', ...(distinct ? ['-metadata', `comment=${title}`] : []), file]);
  fs.writeFileSync(`${file}.meta.json`, JSON.stringify({
    title,
    title_translation: 'Romper el hielo en una reunión',
    expression: 'break the ice',
    expression_translation: 'romper el hielo',
    catchy_keywords: ['small talk', 'business English'],
    language: 'es', learn_language: 'en', show_name: 'Suits', episode: 'S01E02',
    ...extra,
  }));
  langflix(['import', dir]);
  const id = psql(`SELECT id FROM videos WHERE path LIKE '%${path.basename(dir)}/clip.mp4'`);
  if (!/^\d+$/.test(id)) throw new Error(`import did not create the video (${id})`);
  return Number(id);
}

// Creators of our own in the emulator (beside its built-in ones), with a
// daily cap that no run reaches; added once.
async function emulatorProfiles() {
  const mine = [
    { open_id: 'e2e00000-0000-4000-8000-0000000000e1', username: 'e2e.public',
      display_name: 'Erin (browser test)', private: false, daily_post_cap: 100000 },
  ];
  const cfg = await (await fetch(`${EMU}/_emulator/config`)).json();
  const names = new Set(cfg.profiles.map((p) => p.username));
  const missing = mine.filter((p) => !names.has(p.username));
  if (!missing.length) return;
  const res = await fetch(`${EMU}/_emulator/config`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ profiles: [...cfg.profiles, ...missing] }),
  });
  if (res.status !== 200) throw new Error(`emulator config: ${res.status} ${await res.text()}`);
}

async function launch() {
  const userDataDir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'lf-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
      '--disable-dev-shm-usage'],
  });
  context.setDefaultTimeout(15000);
  const errors = [];
  context.on('weberror', (e) => errors.push(String(e.error())));
  return {
    context, errors,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

async function shot(page, name) {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// The two sizes every page is checked at: a laptop and a phone.
const VIEWPORTS = [
  { name: 'wide', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
];
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// The page as it is now, at both sizes: nothing scrolls sideways, axe-core
// finds no serious or critical violation (WCAG 2.1 A and AA rules), and a
// screenshot per size (<name>-wide.png, <name>-phone.png). Returns the
// problems found, as text, so that one run reports every page at once.
async function checkPage(page, name) {
  const problems = [];
  for (const vp of VIEWPORTS) {
    await page.setViewportSize({ width: vp.width, height: vp.height });
    await page.waitForTimeout(50);
    const { scroll, inner } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
    }));
    if (scroll > inner) {
      const wide = await page.evaluate((w) => [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > w + 1)
        .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`), inner);
      problems.push(`${name} at ${vp.width}px: ${scroll}px wide (${wide.join(', ')})`);
    }
    if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        resultTypes: ['violations'],
      });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
    });
    for (const v of violations) problems.push(`${name} at ${vp.width}px: ${v}`);
    await shot(page, `${name}-${vp.name}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  return problems;
}

// Sign in as `name` (a fresh start: the browser forgets earlier sessions).
async function login(page, name) {
  await page.context().clearCookies();
  await page.goto(`${BASE}/login`);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/`), page.click('button[type=submit]')]);
}

// The emulator's run-time knobs (POST /_emulator/faults), e.g. how long
// TikTok "processes" a video; returns the value before.
async function emulatorProcessingDelay(ms) {
  const state = await (await fetch(`${EMU}/_emulator/state`)).json();
  const before = state.faults && state.faults.processing_delay_ms;
  const res = await fetch(`${EMU}/_emulator/faults`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ processing_delay_ms: ms }),
  });
  if (res.status !== 200) throw new Error(`emulator faults: ${res.status} ${await res.text()}`);
  return before;
}

module.exports = {
  BASE, EMU, OUT, PASSWORD, VIEWPORTS, env, psql, langflix, userAdd, videoAdd, emulatorProfiles, launch,
  shot, login, checkPage, emulatorProcessingDelay,
};
