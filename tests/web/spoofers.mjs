// spoofers.mjs BASE_URL [--shots DIR] - browser test of the spoofing-host
// screen (issue 18 part 5, web/js/screens/spoofers.js) in real Chromium, in
// Japanese (Asia/Tokyo) and English (UTC).  The server is the one
// tests/feed/run.sh starts on its November 2026 data (example.jp: three
// spoofers, four hosts never listed, the allow-list 203.0.113.64/28).
// Covered: the tab under Email Threats (the nav item on), the table as the
// API gives it (hosts, abuse contact), the CSV and zone downloads, the
// take-down box (fetched on opening, both languages, copy), the hosts never
// listed with their reasons in words, the allow-list (add from the form: the
// host leaves the table; remove: it is back), no untranslated key, no page
// error or CSP violation.  With --shots DIR: spoofers-ja.png, spoofers-en.png
// (the first host's take-down box open).
// Prints one line per check and a closing "N passed, N failed".
import { ok, check, finish, launch, newPage as libPage } from './lib.mjs';
import fs from 'node:fs';
import path from 'node:path';

const BASE = process.argv[2];
const shotsAt = process.argv.indexOf('--shots');
const SHOTS = shotsAt > 0 ? process.argv[shotsAt + 1] : null;
const Q = 'domain=example.jp&since=2026-11-01&until=2026-11-30';
const problems = [];
const browser = await launch();
const LANGS = [['ja', 'ja-JP', 'Asia/Tokyo'], ['en', 'en-US', 'UTC']];
const newPage = (locale, timezoneId) => libPage(browser, problems, { locale, timezoneId, width: 1280, height: 900 });

async function api(p) {
  const r = await fetch(BASE + '/api/v1/' + p);
  if (!r.ok) throw new Error(p + ': HTTP ' + r.status);
  return r.json();
}

async function open(page, hash, screen) {
  const url = BASE + '/' + hash;
  if (page.url().startsWith(BASE)) await page.evaluate(() => { document.body.dataset.ready = ''; });
  if (page.url() === url) await page.reload();
  else await page.goto(url);
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 15000 });
}

const texts = (page, sel) => page.$$eval(sel, xs => xs.map(x => x.textContent.trim()));
const rowIps = page => page.$$eval('#spoofers-table tbody tr[data-ip]', xs => xs.map(x => x.dataset.ip));

const feed = await api(`spoofers?${Q}`);

for (const [L, locale, zone] of LANGS) {
  const ja = L === 'ja';
  await check(`screen ${L}`, async () => {
    const page = await newPage(locale, zone);
    await open(page, `#/spoofers?${Q}`, 'spoofers');
    ok(await page.getAttribute('#nav-threats', 'class') === 'on', `${L}: the Email Threats nav item is on`);
    ok((await page.getAttribute('#tab-spoofers', 'class')).includes('on') &&
      (await page.textContent('#tab-spoofers')) === (ja ? 'なりすまし送信元' : 'Spoofing hosts'), `${L}: the spoofing-hosts tab`);
    const ips = await rowIps(page);
    ok(JSON.stringify(ips) === JSON.stringify(feed.hosts.map(x => x.ip)) && ips.length === 3, `${L}: the API's hosts in its order`, ips.join(','));
    const abuse = await texts(page, '#spoofers-table td.abuse');
    ok(abuse[0] === 'abuse@spoof-isp.example' && abuse[1] === (ja ? 'RDAP に連絡先なし' : 'none in RDAP'), `${L}: abuse contact from RDAP`, abuse.join(','));
    const th = await texts(page, '#spoofers-table th');
    ok(th.includes(ja ? 'メール数' : 'Messages') && th.includes(ja ? '不正利用の連絡先' : 'Abuse contact') &&
      th.includes(ja ? '失敗レポート' : 'Failure reports'), `${L}: the columns`, th.join(','));
    // the threats screen links here
    await open(page, `#/threats?${Q}`, 'threats');
    ok(await page.$('#tab-spoofers') !== null, `${L}: the threats screen has the tab`);
    await page.click('#tab-spoofers');
    await page.waitForFunction(() => document.body.dataset.ready === 'spoofers', null, { timeout: 15000 });
    ok(true, `${L}: the tab opens the screen`);
    // downloads
    const csvHref = await page.getAttribute('#dl-csv', 'href');
    const zoneHref = await page.getAttribute('#dl-zone', 'href');
    const csv = await (await fetch(BASE + csvHref)).text();
    const zoneText = await (await fetch(BASE + zoneHref)).text();
    ok(csv.startsWith('ip,messages,days') && csv.includes('203.0.113.5,60,3') && !csv.includes('192.0.2.20'), `${L}: CSV download`, csv.slice(0, 120));
    ok(zoneText.includes('$DATASET ip4set:spoofers4 @') && zoneText.includes('!203.0.113.64/28') &&
      zoneText.includes('2001:db8:bad::5 :127.0.0.2:'), `${L}: zone download`, zoneText.slice(0, 200));
    // the take-down box
    await page.click('#spoofers-table button[data-ip="203.0.113.5"]');
    await page.waitForFunction(() => { const a = document.querySelector('#takedown-203\\.0\\.113\\.5 textarea'); return a && a.value.length > 100; }, null, { timeout: 10000 });
    const v1 = await page.inputValue('#takedown-203\\.0\\.113\\.5 textarea');
    ok(ja ? v1.startsWith('件名: なりすましメール送信ホストの調査と停止のお願い') && v1.includes('60 通')
      : v1.startsWith('Subject: Spoofed mail sent from 203.0.113.5') && v1.includes('Messages: 60 on 3 days'),
    `${L}: take-down text in the UI's language`, v1.slice(0, 80));
    ok(v1.includes('abuse@spoof-isp.example') && v1.includes('お支払い情報の確認'), `${L}: abuse contact and sample subject in it`);
    await page.click(`#takedown-203\\.0\\.113\\.5 button[data-lang="${ja ? 'en' : 'ja'}"]`);
    const v2 = await page.inputValue('#takedown-203\\.0\\.113\\.5 textarea');
    ok(ja ? v2.startsWith('Subject:') : v2.startsWith('件名:'), `${L}: the other language on a click`);
    await page.click('#takedown-203\\.0\\.113\\.5 button.copy');
    await page.waitForFunction(() => document.querySelector('#takedown-203\\.0\\.113\\.5 [role=status]').textContent !== '', null, { timeout: 5000 }).catch(() => null);
    ok((await page.textContent('#takedown-203\\.0\\.113\\.5 [role=status]')) === (ja ? 'コピーしました。' : 'Copied.'), `${L}: copy`);
    ok((await page.textContent('#takedown-203\\.0\\.113\\.5 .banner')).includes(ja ? '送信されません' : 'never sends'), `${L}: says it is never sent`);
    // never listed
    const ex = await page.$$eval('#spoofers-excluded tr', xs => xs.map(x => x.dataset.ip + '=' + x.querySelector('.reason').textContent));
    const want = ja ? ['192.0.2.20=登録済みの送信元', '203.0.113.66=許可リスト', '203.0.113.80=既知の転送サービス', '203.0.113.81=既知の配信サービス']
      : ['192.0.2.20=My Senders', '203.0.113.66=Allow-list', '203.0.113.80=Known forwarder', '203.0.113.81=Known sending service'];
    ok(JSON.stringify(ex.sort()) === JSON.stringify(want), `${L}: hosts never listed, with the reason`, ex.join(','));
    const text = await page.evaluate(() => document.querySelector('#main').innerText);
    const key = text.match(/\b(spoofers|threats|stats|host|col)\.[a-z_.]+[a-z]\b/);
    ok(!key, `${L}: no untranslated key`, key && key[0]);
    if (!ja) {
      // the allow-list from the form, and back
      await page.fill('#allow-cidr', '198.51.100.20');
      await page.fill('#allow-note', 'browser test');
      await page.click('#allow-add button[type=submit]');
      await page.waitForFunction(() => document.body.dataset.ready === 'spoofers' && document.querySelector('#allow-list') &&
        document.querySelector('#allow-list').innerText.includes('198.51.100.20/32'), null, { timeout: 10000 });
      ok(!(await rowIps(page)).includes('198.51.100.20'), 'allow-list add: the host left the table');
      const rm = await page.$$('#allow-list button.btn.small');
      const rows = await texts(page, '#allow-list td.mono');
      await rm[rows.indexOf('198.51.100.20/32')].click();
      await page.waitForFunction(() => !document.querySelector('#allow-list').innerText.includes('198.51.100.20/32'), null, { timeout: 10000 });
      await page.waitForFunction(() => document.querySelector('#spoofers-table tr[data-ip="198.51.100.20"]'), null, { timeout: 10000 });
      ok(true, 'allow-list remove: the host is back');
    }
    ok(!(await page.evaluate(() => window.__csp || [])).length, `${L}: no CSP violation`);
    await page.context().close();
  });
}

if (SHOTS) {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const [L, locale, zone] of LANGS) {
    const page = await newPage(locale, zone);
    await open(page, `#/spoofers?${Q}`, 'spoofers');
    await page.click('#spoofers-table button[data-ip="203.0.113.5"]');
    await page.waitForFunction(() => { const a = document.querySelector('#takedown-203\\.0\\.113\\.5 textarea'); return a && a.value.length > 100; }, null, { timeout: 10000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, `spoofers-${L}.png`), fullPage: true });
    await page.context().close();
  }
  console.log('screenshots in ' + SHOTS);
}

ok(problems.length === 0, 'spoofers: no page or console errors', problems.slice(0, 3).join(' | '));
await browser.close();
finish();
