// fixes.mjs BASE_URL [--shots DIR] - the fixes screen (web/js/screens/fixes.js)
// and the fix lines of My Senders (web/js/screens/senders.js) in real
// Chromium, in Japanese and English, on the database tests/fixes/run.sh built
// (portal.test, checked and saved): the tab bar under the 'check' nav item,
// the cards, each fix with its severity, text in the page's language,
// change, record after it, evidence and RFC section, errors first; the SPF
// record after every fix; a fix line under the failing groups of My
// Senders; a domain with nothing to fix; no untranslated key, page error,
// console error or CSP violation.  With --shots DIR: fixes-{ja,en}.png and
// senders-fixes-{ja,en}.png.  Prints one line per check and "N passed, N failed".
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
  ja: { nav: 'DNSチェック', tab: '対処', title: '認証に失敗している送信元への対処', add: 'を追加してください', sev: 'エラー',
    dkim: 'sendgrid.net として DKIM 認証に成功していますが、アライメントしていません', fwd: '対処は不要です',
    key: 'google._domainkey.portal.test に DKIM 公開鍵がありません', unknown: 'で数えられます', none: '対処の必要はありません' },
  en: { nav: 'DNS Check', tab: 'Fixes', title: 'Fixes for failing senders', add: 'add `ip4:192.0.2.40/31`', sev: 'Error',
    dkim: 'passes DKIM as sendgrid.net, not aligned', fwd: 'No fix needed',
    key: 'there is no key at google._domainkey.portal.test', unknown: 'to count the DNS lookups', none: 'Nothing to fix' },
};

for (const [L, locale, zone] of [['ja', 'ja-JP', 'Asia/Tokyo'], ['en', 'en-US', 'UTC']]) {
  const w = W[L];
  const page = await newPage(browser, problems, { locale, timezoneId: zone, width: 1280, height: 1100 });
  await check(`${L}: fixes screen`, async () => {
    await open(page, '#/fixes?domain=portal.test', 'fixes');
    ok((await page.getAttribute('#nav-check', 'class')) === 'on', `${L}: under the 'check' nav item`);
    ok(await page.locator('#policy-tabs a').count() === 3, `${L}: the tab bar has three tabs`);
    ok((await page.textContent('#ptab-fixes')) === w.tab && (await page.getAttribute('#ptab-fixes', 'class')).includes('on'),
      `${L}: the fixes tab is on`, await page.textContent('#ptab-fixes'));
    ok((await page.textContent('h1')).includes(w.title), `${L}: title`, await page.textContent('h1'));
    const errs = await page.textContent('#card-fixes-errors .card-value');
    ok(errs.trim() === '7', `${L}: 7 error-level fixes`, errs);
    const range = page.locator('#fixes-table tr[data-code="spf.add_range"]');
    ok(await range.count() === 1, `${L}: one ip4 term for the two own hosts of one /24`);
    const rt = await range.textContent();
    ok(rt.includes(w.add) && rt.includes('RFC 7208 §5.6') && rt.includes(w.sev), `${L}: its text, severity and RFC`, rt);
    ok((await range.locator('.fix-change').textContent()) === 'ip4:192.0.2.40/31', `${L}: the change to paste`);
    ok((await range.locator('.fix-after').textContent()) ===
      'v=spf1 ip4:198.51.100.0/24 include:_spf.prov.test ip4:192.0.2.40/31 -all', `${L}: the record after it`);
    ok(rt.includes('example.net'), `${L}: evidence names the reporter`, rt);
    const sg = await page.textContent('#fixes-table tr[data-code="dkim.not_aligned"]');
    ok(sg.includes(w.dkim) && sg.includes('Twilio SendGrid'), `${L}: SendGrid DKIM not aligned`, sg);
    const key = await page.textContent('#fixes-table tr[data-code="dkim.key_missing"]');
    ok(key.includes(w.key), `${L}: the missing key of the report's selector (saved check)`, key);
    const inc = await page.textContent('#fixes-table tr[data-code="spf.add_include"]');
    ok(inc.includes('include:_spf.google.com') && inc.includes(w.unknown), `${L}: Google's include, count via the CLI`, inc);
    const fwd = await page.textContent('#fixes-table tr[data-code="fwd.dkim_survived"]');
    ok(fwd.includes(w.fwd), `${L}: forwarded mail: no fix needed`, fwd);
    const order = await page.$$eval('#fixes-table tbody tr', trs => trs.map(tr => tr.dataset.severity));
    ok(order.indexOf('info') > order.lastIndexOf('error'), `${L}: errors first`, order.join(','));
    ok((await page.textContent('#card-fixes-spf .card-value')).replace(/\s/g, '') === '2/10', `${L}: SPF lookups card`);
    ok((await page.textContent('#fixes-spf-after')).includes('ip4:192.0.2.40/31'), `${L}: SPF record after every fix`);
    const keys = await page.evaluate(() => document.body.innerText.match(/\b(fixes|policytabs)\.[a-z_]+\b/g));
    ok(keys === null, `${L}: no untranslated key`, String(keys));
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `fixes-${L}.png`), fullPage: true });
  });
  await check(`${L}: My Senders fix lines`, async () => {
    await open(page, '#/senders?domain=portal.test&tab=internal', 'senders');
    const line = page.locator('#groups tr.fix-line[data-fix-for="192.0.2.0/24"]');
    ok(await line.count() === 1, `${L}: a fix line under the failing own /24`);
    const lt = await line.textContent();
    ok(lt.includes(w.sev) && lt.includes('192.0.2.40'), `${L}: the most severe fix first`, lt);
    ok(await page.locator('#groups tr.fix-line[data-fix-for="198.51.100.0/24"]').count() === 0, `${L}: no line under a passing group`);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `senders-fixes-${L}.png`), fullPage: true });
    await open(page, '#/senders?domain=portal.test&tab=third_party', 'senders');
    const sg = await page.textContent('#groups tr.fix-line[data-service="Twilio SendGrid"], #groups tr.fix-line');
    ok(sg.includes('sendgrid.net') || sg.includes('google'), `${L}: third-party tab: a fix line`, sg);
  });
  await check(`${L}: nothing to fix`, async () => {
    await open(page, '#/fixes?domain=quiet.test', 'fixes');
    ok((await page.textContent('#fixes-empty')).includes(w.none), `${L}: a domain with nothing to fix says so`);
    ok(await page.locator('#fixes-nocheck').count() === 1, `${L}: and how to save a check`);
  });
  ok((await page.evaluate(() => window.__csp || [])).length === 0, `${L}: no CSP violation`);
}
ok(problems.length === 0, 'no page or console errors', problems.join('; '));
await browser.close();
finish();
