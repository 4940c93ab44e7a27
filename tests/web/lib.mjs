// lib.mjs - what every browser script of tests/web shares: the checks'
// bookkeeping, Chromium as this machine must start it, and a page that
// records page errors, console errors and CSP violations.
// Exports:
//   ok(cond, name, extra)   one "PASS name" / "FAIL name: extra" line
//   check(name, fn)         runs fn; an exception is one failed check
//   finish()                prints "N passed, N failed" and exits 1 on any failure
//   launch()                Debian's /usr/bin/chromium, headless, no background traffic
//   newPage(browser, problems, opts)  a page in a new context (opts: locale, timezoneId,
//                           width, height, acceptDownloads); page and console errors are
//                           pushed to problems, CSP violations kept in window.__csp
import { chromium } from 'playwright-core';

let passed = 0, failed = 0;

export function ok(cond, name, extra) {
  if (cond) { passed++; console.log('PASS ' + name); }
  else { failed++; console.log('FAIL ' + name + (extra !== undefined && extra !== '' ? ': ' + extra : '')); }
}

export async function check(name, fn) {
  try { await fn(); } catch (e) { ok(false, name, e.message.split('\n')[0]); }
}

export function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function newPage(browser, problems, opts = {}) {
  const ctx = await browser.newContext({
    locale: opts.locale || 'en-US', timezoneId: opts.timezoneId,
    viewport: { width: opts.width || 1440, height: opts.height || 1000 },
    acceptDownloads: !!opts.acceptDownloads,
  });
  const page = await ctx.newPage();
  page.on('pageerror', e => problems.push('pageerror: ' + e.message));
  page.on('console', m => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', e => {
      window.__csp = (window.__csp || []).concat(e.violatedDirective + ' ' + e.blockedURI);
    });
  });
  return page;
}
