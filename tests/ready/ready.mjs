// ready.mjs BASE_URL [--shots DIR] - the readiness screen (web/js/screens/
// ready.js) in real Chromium, in Japanese and English, on the database
// `tests/ready/cases.py BIN --build` makes (met since 2024-04-13, SendGrid
// failing the first 12 days, p=none with rua/ruf in the DNS history): the
// tab bar under the DNS check nav item (check | fixes | ready) on both
// screens, the cards, the met status, the trend chart by day and by week,
// the next record with rua/ruf kept and a copy button, the period's verdict
// as the domains overview judges it (readiness' `verdict`), the what-if table,
// the table by sender, a threshold that is not met, no untranslated key,
// and no page error, console error or CSP violation.  With --shots DIR the
// screen is saved as ready-ja.png and ready-en.png.
// Prints one line per check and a closing "N passed, N failed".
import { ok, check, finish, launch, newPage } from '../web/lib.mjs';
import path from 'node:path';

const BASE = process.argv[2];
const shotsAt = process.argv.indexOf('--shots');
const SHOTS = shotsAt > 0 ? process.argv[shotsAt + 1] : null;
const problems = [];
const browser = await launch();
const Q = 'domain=example.co.jp&since=2024-04-01&until=2024-04-30';
const NEXT = 'v=DMARC1; p=quarantine; t=y; rua=mailto:dmarc-rua@example.co.jp; ruf=mailto:dmarc-ruf@example.co.jp; fo=1';

async function open(page, hash, screen) {
  if (page.url().startsWith(BASE)) await page.evaluate(() => { document.body.dataset.ready = ''; });
  await page.goto(BASE + '/' + hash);
  if (page.url() === BASE + '/' + hash) await page.reload();
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 15000 });
}

const W = {
  ja: { nav: 'DNSチェック', title: 'p=reject への準備状況', tabs: ['DNSレコード', '対処', 'p=reject への準備'],
    met: '2024-04-13 から 18 日連続', notyet: 'まだ基準に達していません', svc: 'Twilio SendGrid', other: '（その他の送信元）',
    week: '週ごと', verdict: 'ドメイン一覧は期間全体の集計', step_fix: 'まず送信元の認証を直す' },
  en: { nav: 'DNS Check', title: 'Readiness for p=reject', tabs: ['DNS records', 'Fixes', 'Readiness for p=reject'],
    met: 'since 2024-04-13: 18 days in a row', notyet: 'Not yet', svc: 'Twilio SendGrid', other: '(other sources)',
    week: 'By week', verdict: 'it judges the whole period', step_fix: 'Fix your senders first' },
};

for (const [L, locale, zone] of [['ja', 'ja-JP', 'Asia/Tokyo'], ['en', 'en-US', 'UTC']]) {
  const w = W[L];
  const page = await newPage(browser, problems, { locale, timezoneId: zone, width: 1280, height: 1100 });
  await check(`${L}: readiness screen`, async () => {
    await open(page, '#/ready?' + Q, 'ready');
    ok(await page.textContent('#nav-check') === w.nav, `${L}: nav item`, await page.textContent('#nav-check'));
    ok(await page.getAttribute('#nav-check', 'class') === 'on', `${L}: the DNS check nav item is on`);
    ok((await page.textContent('h1')).includes(w.title), `${L}: title`, await page.textContent('h1'));
    const tabs = await page.$$eval('#policy-tabs a', as => as.map(a => [a.textContent, a.getAttribute('href'), a.className]));
    ok(tabs.length === 3 && tabs.every((x, i) => x[0] === w.tabs[i]), `${L}: three tabs`, JSON.stringify(tabs));
    ok(tabs[2][2].includes('on') && tabs[1][1].startsWith('#/fixes?') && tabs[1][1].includes('domain=example.co.jp'),
      `${L}: ready is on, fixes keeps the domain`, JSON.stringify(tabs));
    const legit = await page.textContent('#card-ready-legit .card-value');
    ok(legit.replace(/[,\s]/g, '') === '147424', `${L}: legitimate mail card`, legit);
    const failing = await page.textContent('#card-ready-failing .card-value');
    ok(failing.replace(/[,\s]/g, '') === '1204', `${L}: would-fail card`, failing);
    const st = await page.textContent('#ready-status');
    ok(st.includes(w.met) && await page.getAttribute('#ready-status', 'data-met') === '1', `${L}: met since`, st);
    ok(await page.locator('#ready-chart canvas').count() > 0, `${L}: the trend chart is drawn`);
    ok((await page.textContent('#ready-record')) === NEXT, `${L}: the next record keeps rua, ruf and fo`,
      await page.textContent('#ready-record'));
    ok(await page.getAttribute('#ready-step', 'data-step') === 'quarantine_test', `${L}: the step`);
    const api = await page.evaluate(async q => (await (await fetch('/api/v1/readiness?' + q)).json()).verdict, Q);
    const vt = await page.textContent('#ready-verdict');
    ok(api && await page.getAttribute('#ready-verdict', 'data-level') === api.level &&
      await page.getAttribute('#ready-verdict', 'data-step') === api.step &&
      api.level === 'below_threshold' && api.step === 'fix_senders' && vt.includes(w.verdict) && vt.includes(w.step_fix),
      `${L}: the whole period's verdict as on the Domains screen (the first 12 days fail: ${api && api.level}, ${api && api.step})`, vt);
    ok(await page.locator('#ready-copy').count() === 1, `${L}: a copy button`);
    const spoof = await page.$$eval('#ready-whatif-table tr[data-class="spoofing_suspected"] td', tds => tds.map(t => t.textContent));
    ok(spoof[1].replace(/,/g, '') === '4167' && spoof[3] === '0', `${L}: what-if: spoofing, none quarantined under t=y`,
      JSON.stringify(spoof));
    const rows = await page.$$eval('#ready-senders-table tbody tr', trs => trs.map(t => t.textContent));
    ok(rows[0].includes(w.svc) && rows.some(r => r.includes('192.0.2.0/24')) && rows.some(r => r.includes(w.other)),
      `${L}: senders: SendGrid first, the registered network, the others`, JSON.stringify(rows));
    const keys = await page.evaluate(() => document.body.innerText.match(/\b(ready|policytabs)\.[a-z_]+\b/g));
    ok(keys === null, `${L}: no untranslated key`, String(keys));
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `ready-${L}.png`), fullPage: true });
  });
  await check(`${L}: by week`, async () => {
    await page.click('#ready-by-week');
    await page.waitForFunction(() => document.body.dataset.ready === 'ready' && location.hash.includes('by=week'));
    await page.waitForSelector('#ready-by-week.on');
    ok((await page.textContent('#ready-by-week')) === w.week, `${L}: the week tab is on`);
  });
  await check(`${L}: a threshold not met`, async () => {
    await open(page, '#/ready?' + Q + '&threshold=100', 'ready');
    const st = await page.textContent('#ready-status');
    ok(st.includes(w.notyet) && await page.getAttribute('#ready-status', 'data-met') === '0', `${L}: 100% is not met`, st);
    ok(await page.inputValue('#ready-threshold') === '100', `${L}: the threshold field shows 100`);
  });
  await check(`${L}: the check screen has the tab bar`, async () => {
    await open(page, '#/check?' + Q, 'check');
    const on = await page.$eval('#policy-tabs a.on', a => a.id);
    ok(on === 'ptab-check', `${L}: on the check screen, check is on`, on);
    await page.click('#ptab-ready');
    await page.waitForFunction(() => document.body.dataset.ready === 'ready');
    ok(page.url().includes('#/ready?') && page.url().includes('domain=example.co.jp'), `${L}: the ready tab opens it`, page.url());
  });
  await check(`${L}: CSP`, async () => ok((await page.evaluate(() => window.__csp || [])).length === 0, `${L}: no CSP violation`));
}
ok(problems.length === 0, 'no page or console errors', problems.join('; '));
await browser.close();
finish();
