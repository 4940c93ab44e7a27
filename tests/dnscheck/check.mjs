// check.mjs BASE_URL [--shots DIR] - the DNS record check screen
// (web/js/screens/check.js) in real Chromium, in Japanese and English, on
// the database tests/dnscheck/run.sh built (good.test checked and changed):
// the nav item, the cards (errors, warnings, SPF lookups), the findings by
// record with severity, text in the page's language and RFC section, the
// record history with the three records that changed, a domain never
// checked, and no page error, console error or CSP violation.  With
// --shots DIR the screen is saved as check-ja.png and check-en.png.
// Prints one line per check and a closing "N passed, N failed".
import { ok, check, finish, launch, newPage } from '../web/lib.mjs';
import path from 'node:path';

const BASE = process.argv[2];
const shotsAt = process.argv.indexOf('--shots');
const SHOTS = shotsAt > 0 ? process.argv[shotsAt + 1] : null;
const problems = [];
const browser = await launch();

async function open(page, hash, screen) {
  if (page.url().startsWith(BASE)) await page.evaluate(() => { document.body.dataset.ready = ''; });
  await page.goto(BASE + '/' + hash);
  if (page.url() === BASE + '/' + hash) await page.reload();
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 15000 });
}

const W = {
  ja: { nav: 'DNSチェック', title: 'DNS レコードのチェック', quarantine: '迷惑メールフォルダ', sev: '情報', history: 'レコードの履歴',
    current: '現在', empty: 'まだチェックされていません' },
  en: { nav: 'DNS Check', title: 'DNS Record Check', quarantine: 'spam folders', sev: 'Info', history: 'Record history',
    current: 'current', empty: 'has not been checked yet' },
};

for (const [L, locale, zone] of [['ja', 'ja-JP', 'Asia/Tokyo'], ['en', 'en-US', 'UTC']]) {
  const w = W[L];
  const page = await newPage(browser, problems, { locale, timezoneId: zone, width: 1280, height: 1100 });
  await check(`${L}: check screen`, async () => {
    await open(page, '#/check?domain=good.test', 'check');
    ok(await page.textContent('#nav-check') === w.nav, `${L}: nav item`, await page.textContent('#nav-check'));
    ok((await page.textContent('h1')).includes(w.title), `${L}: title`, await page.textContent('h1'));
    const spf = await page.textContent('#card-check-spf .card-value');
    ok(spf.replace(/\s/g, '') === '0/10', `${L}: SPF lookups card`, spf);
    const row = page.locator('#check-dmarc tr[data-code="dmarc.p_quarantine"]');
    ok(await row.count() === 1, `${L}: the DMARC finding p=quarantine`);
    const txt = await row.textContent();
    ok(txt.includes(w.quarantine) && txt.includes(w.sev) && txt.includes('RFC 9989'), `${L}: its text, severity and RFC`, txt);
    ok(await page.locator('#check-dkim tr[data-code="dkim.ok"]').count() === 1, `${L}: the DKIM key of the reports' selector`);
    ok(await page.locator('#check-sts tr[data-code="sts.ok"]').count() === 1, `${L}: the MTA-STS policy`);
    const gone = await page.locator('#check-history-table tr[data-gone="1"]').count();
    ok(gone === 3, `${L}: history: the 3 records that changed`, String(gone));
    const hist = await page.textContent('#check-history');
    ok(hist.includes(w.history) && hist.includes(w.current) && hist.includes('p=reject') && hist.includes('p=quarantine'),
      `${L}: history shows before and after`);
    const keys = await page.evaluate(() => document.body.innerText.match(/\bcheck\.[a-z_]+\b/g));
    ok(keys === null, `${L}: no untranslated key`, String(keys));
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `check-${L}.png`), fullPage: true });
  });
  await check(`${L}: errors and warnings`, async () => {
    await open(page, '#/check?domain=dkim.test', 'check');
    const errs = await page.textContent('#card-check-errors .card-value');
    ok(errs.trim() === '4', `${L}: dkim.test: 4 errors`, errs);
    const short = page.locator('#check-dkim tr[data-code="dkim.short"]');
    ok(await short.count() === 1 && (await short.getAttribute('data-severity')) === 'error', `${L}: the 512-bit key is an error`);
    const first = await page.$eval('#check-dkim tbody tr', tr => tr.dataset.severity);
    ok(first === 'error', `${L}: errors listed first`, first);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `check-findings-${L}.png`), fullPage: true });
  });
  await check(`${L}: never checked`, async () => {
    await open(page, '#/check?domain=never.test', 'check');
    ok((await page.textContent('#check-empty')).includes(w.empty), `${L}: a domain never checked says how`);
  });
  ok((await page.evaluate(() => window.__csp || [])).length === 0, `${L}: no CSP violation`);
}
ok(problems.length === 0, 'no page or console errors', problems.join('; '));
await browser.close();
finish();
