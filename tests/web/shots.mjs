// shots.mjs BASE_URL OUTDIR - the screenshots in docs/screenshots/, taken in
// real Chromium (Debian's /usr/bin/chromium via playwright-core) of a portal
// serving exactly what `make run` loads (scripts/screenshots.sh starts it).
// Every screen, in ja (Asia/Tokyo) and en, 1280 px wide, full page:
//   overview (the domains), stats, mail, senders (Unauthorized tab), map, reports, report (the raw
//   XML of the newest report), record (a spoofed record), host (its source),
//   threats (Email Threats), urls, tls, threat (a failure report's sample
//   view) and threat-download (its download confirmation) when the demo has
//   failure reports.
// The login, users, API tokens, audit log, password and tenant-switcher
// screens need users: tests/web/login.mjs --shots DIR takes them
// (scripts/screenshots.sh runs both).
// Fails (exit 1) when a screen does not draw, on a page error or a CSP
// violation, so a broken screen is never saved as if it were fine.
import { launch, newPage } from './lib.mjs';
import path from 'node:path';

const [BASE, OUT] = process.argv.slice(2);
const DOMAIN = 'example.co.jp';
const problems = [];

const browser = await launch();

async function api(p) {
  const r = await fetch(BASE + '/api/v1/' + p);
  if (!r.ok) throw new Error(p + ': HTTP ' + r.status + ' ' + await r.text());
  return r.json();
}

// the default view: the last 30 days up to yesterday (UTC), as the portal opens
const day = n => new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);
const RANGE = `since=${day(30)}&until=${day(1)}`;
const recs = await api(`records?domain=${DOMAIN}&${RANGE}&class=spoofing_suspected&per_page=1`);
const rec = recs.rows[0];
const reps = await api(`reports?domain=${DOMAIN}&${RANGE}&per_page=1`);
const rep = (reps.rows || reps.reports || [])[0];
const SCREENS = [
  ['overview', '#/overview', 'overview'],	// the landing page: the demo has two domains
  ['stats', `#/stats?domain=${DOMAIN}`, 'stats'],
  ['mail', `#/mail?domain=${DOMAIN}`, 'mail'],
  ['senders', `#/senders?domain=${DOMAIN}&tab=unauthorized`, 'senders'],
  ['map', `#/map?domain=${DOMAIN}`, 'map'],
  ['reports', `#/reports?domain=${DOMAIN}`, 'reports'],
  ['report', `#/report/${rep.id}?domain=${DOMAIN}`, 'report'],
  ['record', `#/record/${rec.id}?domain=${DOMAIN}`, 'record'],
  ['host', `#/host/${encodeURIComponent(rec.source_ip)}?domain=${DOMAIN}`, 'host'],
  ['threats', `#/threats?domain=${DOMAIN}`, 'threats'],
  ['urls', `#/urls?domain=${DOMAIN}`, 'urls'],
  ['tls', `#/tls?domain=${DOMAIN}`, 'tls'],
];
// the sample view of a failure report: one with an attachment and the most
// URLs (shown with the download's confirmation open as well)
const thr = await api(`threats?domain=${DOMAIN}&${RANGE}&per_page=200`).catch(() => ({ rows: [] }));
const score = r => (r.attachment_count > 0 ? 1000 : 0) + (r.url_count || 0);
const sample = thr.rows.slice().sort((a, b) => score(b) - score(a))[0];
if (sample) {
  SCREENS.push(['threat', `#/threat/${sample.id}?domain=${DOMAIN}`, 'threat']);
  if (sample.attachment_count > 0) SCREENS.push(['threat-download', `#/threat/${sample.id}?domain=${DOMAIN}`, 'threat']);
}

for (const [locale, L, tz] of [['ja-JP', 'ja', 'Asia/Tokyo'], ['en-US', 'en', 'UTC']]) {
  const page = await newPage(browser, problems, { locale, timezoneId: tz, width: 1280, height: 900 });
  for (const [name, hash, screen] of SCREENS) {
    await page.evaluate(() => { if (document.body) document.body.dataset.ready = ''; }).catch(() => {});
    await page.goto(BASE + '/' + hash);
    await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 30000 });
    if (name === 'report') {	// the stored XML, as the user opens it
      await page.click('#show-raw');
      await page.waitForFunction(() => /<feedback/.test(document.querySelector('#raw-xml').textContent), null, { timeout: 30000 });
    }
    if (name === 'threat-download') {	// the confirmation before an attachment is downloaded
      await page.click('#threat-attachments .att-download');
      await page.waitForSelector('#att-confirm[open]');
    }
    await page.waitForTimeout(700);	// chart animations end
    const file = path.join(OUT, `${name}-${L}.png`);
    // the confirmation is a modal over the window: photographed as the window shows it
    await page.screenshot({ path: file, fullPage: name !== 'threat-download' });
    console.log('saved ' + file);
  }
  const csp = await page.evaluate(() => window.__csp || []);
  if (csp.length) problems.push(L + ' CSP: ' + csp.join('; '));
  await page.context().close();
}
await browser.close();
if (problems.length) {
  console.log('problems:\n' + problems.join('\n'));
  process.exit(1);
}
