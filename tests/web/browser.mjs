// browser.mjs BASE_URL [--shots DIR] - browser tests of the portal in real
// Chromium (Debian's /usr/bin/chromium driven by playwright-core).
//
// The server (started by tests/web/run.sh) serves a temp DB built from the
// demo data plus tests/web/fixtures (a hostile report, a quarantined input)
// and seeded host facts.  Covered: every screen loads with data, filters
// change the rows, sorting and paging, the CSV download matches the filter,
// the language switch (and the browser-language default), the map draws,
// one-click sender registration, quarantine retry, live update without
// reload, hostile report fields render inert, and no CSP violation or page
// error anywhere.  With --shots DIR every screen is saved in ja and en.
//
// Prints one line per check and a closing "N passed, N failed".
import { ok, check, finish, launch, newPage as libPage } from './lib.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const BASE = process.argv[2];
const shotsAt = process.argv.indexOf('--shots');
const SHOTS = shotsAt > 0 ? process.argv[shotsAt + 1] : null;
const BIN = process.env.DMARCSCOPE_BIN;
const DB = process.env.DMARCSCOPE_TEST_DB;
const FIX = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures');
const DOMAIN = 'example.co.jp';
const RANGE = 'since=2026-11-01&until=2026-11-30';
const problems = [];

const browser = await launch();

const newPage = locale => libPage(browser, problems, { locale, acceptDownloads: true });

async function open(page, hash, screen) {
  await page.goto(BASE + '/' + hash);
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 15000 });
}

async function redrawn(page, screen, fn) {
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  await fn();
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 15000 });
}

const mailRows = page => page.$$eval('#mail-table tbody tr', trs => trs.map(tr =>
  [...tr.children].map(td => td.textContent.trim())));

const page = await newPage('en-US');

await check('statistics screen', async () => {
  await open(page, `#/stats?domain=${DOMAIN}&${RANGE}`, 'stats');
  const msgs = await page.textContent('#card-messages .card-value');
  ok(Number(msgs.replace(/,/g, '')) > 1000, 'statistics: totals shown', msgs);
  ok(/%/.test(await page.textContent('#card-dmarc .card-value')), 'statistics: DMARC pass %');
  ok(await page.$('#daily-chart canvas') !== null, 'statistics: daily chart drawn');
  ok(await page.$('#spoof-banner') !== null, 'statistics: spoofing banner');
  ok((await page.$$('#reporters tbody tr')).length >= 3, 'statistics: reporters');
  ok((await page.textContent('#policy')).includes('p=none'), 'statistics: published policy');
  ok((await page.textContent('#next-step')).length > 3, 'statistics: guidance card');
  ok((await page.$$('#dispositions tbody tr')).length >= 1, 'statistics: dispositions');
});

await check('mail list', async () => {
  await open(page, `#/mail?domain=${DOMAIN}&${RANGE}`, 'mail');
  const all = await mailRows(page);
  const total = await page.textContent('#mail-total');
  ok(all.length === 50, 'mail: first page has 50 rows', all.length);
  ok((await page.$$('#mail-table thead th')).length === 14, 'mail: IIJ columns + class');
  await redrawn(page, 'mail', () => page.selectOption('#f-class', 'spoofing_suspected'));
  const sp = await mailRows(page);
  ok(sp.length > 0 && sp.every(r => r[13] === 'Spoofing suspected'), 'mail: class filter changes rows', sp.length);
  ok(await page.textContent('#mail-total') !== total, 'mail: class filter changes total');
  await redrawn(page, 'mail', async () => { await page.fill('#f-q', '203.0.113.5'); await page.click('#f-apply'); });
  const ipr = await mailRows(page);
  ok(ipr.length > 0 && ipr.every(r => r[2] === '203.0.113.5'), 'mail: IP search filters rows', ipr.length);
  await redrawn(page, 'mail', () => page.selectOption('#f-result', 'pass'));
  ok((await mailRows(page)).length === 0, 'mail: result filter (spoofing source never passes)');
  await open(page, `#/mail?domain=${DOMAIN}&${RANGE}&sort=count&dir=desc`, 'mail');
  const counts = (await mailRows(page)).map(r => Number(r[4].replace(/,/g, '')));
  ok(counts.every((c, i) => i === 0 || counts[i - 1] >= c), 'mail: sorted by count on the server');
  await redrawn(page, 'mail', () => page.click('#page-next'));
  ok((await page.textContent('#page-info')).includes('2'), 'mail: paging');
  await open(page, `#/mail?domain=${DOMAIN}&since=2026-01-01&until=2026-11-30`, 'mail');
  ok(await page.$('#range-too-long') !== null, 'mail: range longer than 90 days refused');
});

await check('csv download', async () => {
  await open(page, `#/mail?domain=${DOMAIN}&${RANGE}&class=spoofing_suspected`, 'mail');
  const total = Number((await page.textContent('#mail-total')).split(' ')[0].replace(/,/g, ''));
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
  const file = await dl.path();
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  // the UI asks for lang=en and its time zone: a BOM and English headings are fine, the columns stay in order
  ok(/^date( \([^)]*\))?,policy_domain,source_ip,reverse_dns,count,header_from,dmarc_result/.test(lines[0].replace(/^\uFEFF/, '')), 'csv: header', lines[0]);
  ok(lines.length - 1 === total, 'csv: row count matches the filter', `${lines.length - 1} vs ${total}`);
  ok(lines.slice(1).every(l => l.endsWith(',spoofing_suspected') && l.includes(DOMAIN)), 'csv: rows match the filter');
});

await check('senders', async () => {
  await open(page, `#/senders?domain=${DOMAIN}&${RANGE}&tab=unauthorized`, 'senders');
  const before = (await page.$$('#groups tbody tr[data-prefix]')).length;
  ok(before > 0, 'senders: unauthorized groups listed', before);
  ok(await page.$('#matrix-all table') !== null && await page.$('#matrix-unauthorized') !== null, 'senders: 3x3 matrices');
  const prefix = await page.getAttribute('#groups tbody tr[data-prefix="192.0.2.0/24"]', 'data-prefix');
  await redrawn(page, 'senders', () => page.click('#groups tbody tr[data-prefix="192.0.2.0/24"] .reg-internal'));
  await page.waitForFunction(() => !document.querySelector('#groups tbody tr[data-prefix="192.0.2.0/24"]'), null, { timeout: 10000 });
  ok(prefix === '192.0.2.0/24', 'senders: one-click registration moves the prefix out of Unauthorized');
  await open(page, `#/senders?domain=${DOMAIN}&${RANGE}&tab=internal`, 'senders');
  await page.waitForSelector('#groups tbody tr[data-prefix="192.0.2.0/24"]', { timeout: 10000 });
  ok((await page.textContent('#registered')).includes('192.0.2.0/24'), 'senders: registered under Internal');
});

await check('host drill-down', async () => {
  await open(page, `#/host/203.0.113.5?domain=${DOMAIN}&${RANGE}`, 'host');
  ok((await page.textContent('#host-ptr')).includes('spoof'), 'host: reverse DNS');
  ok((await page.textContent('#host-facts')).includes('RU'), 'host: country');
  ok((await page.textContent('#host-facts')).includes('AS64503'), 'host: ASN');
  ok((await page.textContent('#host-facts')).includes('not confirmed'), 'host: forward-confirmed state');
  ok((await page.textContent('#host-dnsbl-table')).includes('bl.test'), 'host: DNSBL listing');
  ok((await page.textContent('#host-abuse')) === 'abuse@spoof.example', 'host: whois abuse contact');
  ok(await page.$('#host-chart canvas') !== null, 'host: messages-over-time chart');
  const rows = await mailRows(page);
  ok(rows.length > 0 && rows.every(r => r[2] === '203.0.113.5'), 'host: its records');
});

await check('world map', async () => {
  await open(page, `#/map?domain=${DOMAIN}&${RANGE}`, 'map');
  const n = await page.$$eval('#worldmap path', p => p.length);
  ok(n > 200, 'map: countries drawn', n);
  const jp = await page.getAttribute('#worldmap path[data-cc="JP"]', 'fill');
  ok(jp && jp !== '#e6e8eb', 'map: coloured by messages', jp);
  await redrawn(page, 'map', () => page.click('#mode-spoofing'));
  const ru = await page.getAttribute('#worldmap path[data-cc="RU"]', 'fill');
  const jp2 = await page.getAttribute('#worldmap path[data-cc="JP"]', 'fill');
  ok(ru && ru !== '#e6e8eb' && jp2 === '#e6e8eb', 'map: coloured by spoofing', ru + ' ' + jp2);
});

await check('record detail', async () => {
  await open(page, `#/mail?domain=${DOMAIN}&${RANGE}&class=spoofing_suspected`, 'mail');
  await redrawn(page, 'record', () => page.click('#mail-table tbody tr:first-child td:first-child a'));
  ok((await page.textContent('#judgment')).includes('Spoofing suspected'), 'record: judgment');
  ok((await page.textContent('#explanation')).length > 10, 'record: path-case explanation');
  ok((await page.textContent('#rec-reporter')).length > 1, 'record: reporter');
  ok((await page.$$('#identifiers tbody tr')).length >= 3, 'record: header / DKIM / SPF domains');
});

await check('reports and quarantine', async () => {
  await open(page, `#/reports?domain=${DOMAIN}&${RANGE}`, 'reports');
  ok((await page.$$('#reports-table tbody tr')).length > 10, 'reports: listed');
  ok((await page.$$('#quarantine tbody tr')).length >= 1, 'reports: quarantine with reasons');
  ok((await page.textContent('#quarantine')).includes('unrecognised format'), 'reports: quarantine reason shown');
  await redrawn(page, 'reports', () => page.click('#quarantine .retry'));
  ok((await page.textContent('#quarantine-status')).includes('refused'), 'reports: quarantine retry');
  await redrawn(page, 'report', () => page.click('#reports-table tbody tr:first-child a'));
  await page.click('#show-raw');
  await page.waitForFunction(() => document.querySelector('#raw-xml').textContent.includes('</feedback>'));
  ok(true, 'reports: raw XML shown');
});

await check('hostile report renders inert', async () => {
  const x = await newPage('en-US');
  await open(x, `#/reports?domain=xss.example&since=2026-10-31&until=2026-11-30`, 'reports');
  ok((await x.textContent('#reports-table')).includes('<script>window.__xss=1</script>'), 'xss: org_name shown as text');
  await redrawn(x, 'report', () => x.click('#reports-table tbody tr:first-child a'));
  await x.click('#show-raw');
  await x.waitForFunction(() => document.querySelector('#raw-xml').textContent.includes('feedback'));
  await open(x, `#/mail?domain=xss.example&since=2026-10-31&until=2026-11-30`, 'mail');
  await redrawn(x, 'record', () => x.click('#mail-table tbody tr:first-child td:first-child a'));
  ok((await x.textContent('#rec-reason')).includes('<script>window.__xss=4</script>'), 'xss: reason comment shown as text');
  await x.hover('#rec-reason');
  const flags = await x.evaluate(() => ({ xss: window.__xss, scripts: document.scripts.length,
    imgs: document.querySelectorAll('main img, main svg[onload], main [onerror], main [onmouseover]').length }));
  ok(flags.xss === undefined && flags.imgs === 0, 'xss: nothing executed or injected', JSON.stringify(flags));
  await x.context().close();
});

await check('language', async () => {
  await open(page, `#/stats?domain=${DOMAIN}&${RANGE}`, 'stats');
  await redrawn(page, 'stats', () => page.click('#lang button[data-lang="ja"]'));
  ok((await page.textContent('#nav-stats')) === '統計' && (await page.textContent('h1')).includes('統計'), 'language: switch to Japanese');
  ok(await page.evaluate(() => document.documentElement.lang) === 'ja', 'language: html lang=ja');
  await redrawn(page, 'stats', () => page.click('#lang button[data-lang="en"]'));
  ok((await page.textContent('#nav-stats')) === 'Statistics', 'language: switch back to English');
  const j = await newPage('ja-JP');
  await open(j, `#/stats?domain=${DOMAIN}&${RANGE}`, 'stats');
  ok((await j.textContent('#nav-mail')) === 'メール一覧', 'language: browser language picks Japanese');
  await j.context().close();
});

await check('live update', async () => {
  if (!BIN || !DB) { ok(false, 'live: DMARCSCOPE_BIN and DMARCSCOPE_TEST_DB not set'); return; }
  await open(page, `#/reports?domain=${DOMAIN}&${RANGE}`, 'reports');
  const before = await page.$$eval('#reports-table tbody tr', t => t.map(r => r.textContent).join('|'));
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  const t0 = Date.now();
  execFileSync(BIN, ['--db', DB, '-q', 'ingest', path.join(FIX, 'live.xml')]);
  await page.waitForFunction(() => document.body.dataset.ready === 'reports' &&
    document.querySelector('#reports-table').textContent.includes('live-test.example'), null, { timeout: 5000 });
  const dt = Date.now() - t0;
  const after = await page.$$eval('#reports-table tbody tr', t => t.map(r => r.textContent).join('|'));
  ok(after !== before, 'live: new report shown without reload in ' + dt + ' ms');
  ok(dt < 2500, 'live: within about a second', dt + ' ms');
});

if (SHOTS) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const screens = [['stats', `#/stats?domain=${DOMAIN}&${RANGE}`], ['mail', `#/mail?domain=${DOMAIN}&${RANGE}`],
    ['senders', `#/senders?domain=${DOMAIN}&${RANGE}&tab=unauthorized`], ['host', `#/host/203.0.113.5?domain=${DOMAIN}&${RANGE}`],
    ['map', `#/map?domain=${DOMAIN}&${RANGE}`], ['record', `#/record/5?domain=${DOMAIN}&${RANGE}`],
    ['reports', `#/reports?domain=${DOMAIN}&${RANGE}`], ['report', `#/report/1?domain=${DOMAIN}&${RANGE}`]];
  for (const l of ['en', 'ja']) {
    const s = await newPage(l === 'ja' ? 'ja-JP' : 'en-US');
    for (const [name, hash] of screens) {
      await open(s, hash, name === 'report' ? 'report' : name);
      if (name === 'report') {
        await s.click('#show-raw');
        await s.waitForFunction(() => document.querySelector('#raw-xml').textContent.includes('feedback'));
      }
      await s.waitForTimeout(300);
      await s.screenshot({ path: path.join(SHOTS, `${name}-${l}.png`), fullPage: true });
    }
    await s.context().close();
  }
  console.log('screenshots in ' + SHOTS);
}

const csp = await page.evaluate(() => window.__csp || []);
ok(csp.length === 0, 'no CSP violations', csp.join('; '));
ok(problems.length === 0, 'no page or console errors', problems.slice(0, 3).join(' | '));
await browser.close();
finish();
