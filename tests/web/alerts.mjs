// alerts.mjs BASE_URL MAILDIR [--shots DIR] - browser tests of the alert
// screens (issue 15) in real Chromium, in Japanese and English: the list of
// a domain's alerts (open / acknowledged), each with its numbers in words
// and the link to the mail list that shows them; acknowledging one (the
// bell's count goes down, the alert moves to the acknowledged tab); the
// settings form (the defaults shown, a save, a validation message at the
// field, the secret never shown back); the test-send button (a mail arrives
// at the SMTP server in MAILDIR).  tests/web/alerts.sh builds the data:
// spoofing started and a new source on 2026-11-21, a policy change on
// 2026-11-16.  With --shots DIR the screens are saved in ja and en.
// Prints one line per check and a closing "N passed, N failed".
import { ok, check, finish, launch, newPage as libPage } from './lib.mjs';
import fs from 'node:fs';
import path from 'node:path';

const BASE = process.argv[2];
const MAILDIR = process.argv[3];
const shotsAt = process.argv.indexOf('--shots');
const SHOTS = shotsAt > 0 ? process.argv[shotsAt + 1] : null;
const Q = 'domain=example.jp&since=2026-10-25&until=2026-11-23';
const problems = [];
const browser = await launch();

async function api(p) {
  const r = await fetch(BASE + '/api/v1/' + p);
  if (!r.ok) throw new Error(p + ': HTTP ' + r.status);
  return r.json();
}

async function open(page, hash, screen) {
  if (page.url().startsWith(BASE)) await page.evaluate(() => { document.body.dataset.ready = ''; });
  await page.goto(BASE + '/' + hash);
  if (page.url() === BASE + '/' + hash) await page.reload();
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 15000 });
}

const mails = () => { try { return fs.readdirSync(path.join(MAILDIR, 'new')).length; } catch (e) { return 0; } };
const bellCount = page => page.$eval('#bell', b => Number(b.dataset.open));
const KEY_RE = /\b(alerts|as|bell|nav)\.[a-z_0-9]+\b/;

const W = {
  ja: { nav: 'アラート', title: 'なりすましの疑い', text: 'なりすましの疑いが 200 通', ack: '確認済みにする', acked: '確認済み',
    defaults: '既定値: 50', saved: '保存しました。', whole: '整数で入力してください', sent: '送信しました' },
  en: { nav: 'Alerts', title: 'Spoofing suspected', text: '200 messages suspected of spoofing', ack: 'Acknowledge', acked: 'Acknowledged',
    defaults: 'default: 50', saved: 'Saved.', whole: 'a whole number', sent: 'sent' },
};

const before = await api('alerts/count');
ok(before.open === 3, 'the data: 3 open alerts after the ingest', JSON.stringify(before));

for (const [L, locale, zone] of [['ja', 'ja-JP', 'Asia/Tokyo'], ['en', 'en-US', 'UTC']]) {
  const w = W[L];
  const page = await libPage(browser, problems, { locale, timezoneId: zone, width: 1280, height: 900 });
  await check(`${L}: alert list`, async () => {
    await open(page, '#/alerts?' + Q, 'alerts');
    const nav = await page.textContent('#nav-alerts');
    ok(nav === w.nav, `${L}: nav item`, nav);
    const open0 = await api('alerts/count');
    await page.waitForFunction(n => document.getElementById('bell').dataset.open === String(n), open0.open, { timeout: 5000 });
    ok(await bellCount(page) === open0.open, `${L}: the bell shows the open count`, String(await bellCount(page)));
    const rows = await page.$$eval('#alerts-list tbody tr', xs => xs.map(x => ({ rule: x.dataset.rule, id: x.dataset.id, text: x.innerText,
      link: x.querySelector('a.alert-link') && x.querySelector('a.alert-link').getAttribute('href') })));
    ok(rows.length === open0.open, `${L}: one row per open alert`, String(rows.length));
    const sp = rows.find(r => r.rule === 'spoofing_started');
    ok(sp && sp.text.includes(w.title) && sp.text.includes(w.text), `${L}: spoofing started, its numbers in words`, sp && sp.text);
    ok(sp && sp.link === '#/mail?domain=example.jp&since=2026-11-21&until=2026-11-21&class=spoofing_suspected',
      `${L}: the link to the messages`, sp && sp.link);
    const main = await page.evaluate(() => document.querySelector('#main').innerText);
    ok(!KEY_RE.test(main), `${L}: no untranslated key`, (main.match(KEY_RE) || [''])[0]);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `alerts-${L}.png`), fullPage: true });
    // the link opens the mail list with the day and the class
    await page.click(`tr[data-rule=spoofing_started] a.alert-link`);
    await page.waitForFunction(() => document.body.dataset.ready === 'mail', null, { timeout: 15000 });
    ok(page.url().includes('class=spoofing_suspected'), `${L}: the link opens the mail list`, page.url());
  });
  await check(`${L}: acknowledge`, async () => {
    await open(page, '#/alerts?' + Q, 'alerts');
    const n0 = await bellCount(page);
    const first = await page.$eval('#alerts-list tbody tr', x => x.dataset.id);
    await page.evaluate(() => { document.body.dataset.ready = ''; });
    await page.click(`tr[data-id="${first}"] button.ack`);
    await page.waitForFunction(() => document.body.dataset.ready === 'alerts', null, { timeout: 15000 });
    await page.waitForFunction(n => document.getElementById('bell').dataset.open === String(n), n0 - 1, { timeout: 5000 });
    ok(await bellCount(page) === n0 - 1, `${L}: the bell counts one less`, String(await bellCount(page)));
    const ids = await page.$$eval('#alerts-list tbody tr', xs => xs.map(x => x.dataset.id));
    ok(!ids.includes(first), `${L}: the alert left the open list`, ids.join(','));
    await open(page, '#/alerts?' + Q + '&state=acknowledged', 'alerts');
    const acked = await page.$$eval('#alerts-list tbody tr', xs => xs.map(x => x.dataset.id));
    ok(acked.includes(first), `${L}: it is on the acknowledged tab`, acked.join(','));
    ok((await page.textContent('#tab-acknowledged')).includes(w.acked), `${L}: the tab's name`);
    const st = (await api('alerts?domain=example.jp&state=acknowledged')).alerts.map(a => String(a.id));
    ok(st.includes(first), `${L}: acknowledged in the database (API)`);
  });
  await check(`${L}: settings`, async () => {
    await open(page, '#/alertsettings?' + Q, 'alertsettings');
    const hint = await page.textContent('[data-field=spoof_min] .hint');
    ok(hint === w.defaults, `${L}: the default is shown beside the threshold`, hint);
    const th0 = (await api('alert-settings?domain=example.jp')).settings.thresholds.spoof_min;
    ok(await page.inputValue('#as-spoof_min') === String(th0), `${L}: the threshold's value`, await page.inputValue('#as-spoof_min'));
    // validation: an empty whole-number field, then a bad value the server refuses
    await page.fill('#as-cooldown_days', '');
    await page.click('#as-save');
    await page.waitForFunction(() => document.getElementById('err-cooldown_days').textContent !== '', null, { timeout: 5000 });
    ok((await page.textContent('#err-cooldown_days')) === w.whole, `${L}: a message at the field (browser side)`);
    await page.fill('#as-cooldown_days', '7');
    await page.fill('#as-spoof_min', '-3');
    await page.click('#as-save');
    await page.waitForFunction(() => document.getElementById('err-spoof_min').textContent !== '', null, { timeout: 5000 });
    const err = await page.textContent('#err-spoof_min');
    ok(/spoof_min/.test(err), `${L}: the server's message at the field`, err);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `alertsettings-invalid-${L}.png`), fullPage: true });
    ok((await api('alert-settings?domain=example.jp')).settings.thresholds.spoof_min === th0, `${L}: nothing saved`);
    // a valid save: a recipient in the language, a threshold, a webhook secret
    await page.fill('#as-spoof_min', L === 'ja' ? '80' : '90');
    if (!(await page.$('#as-recipients .rcpt'))) await page.click('#as-add');
    await page.fill('#as-recipients .rcpt:last-child .addr', 'admin@example.jp');
    await page.selectOption('#as-recipients .rcpt:last-child select', L);
    await page.fill('#as-webhook_secret', 'not shown again');
    await page.evaluate(() => { document.body.dataset.ready = ''; });
    await page.click('#as-save');
    await page.waitForFunction(() => document.body.dataset.ready === 'alertsettings', null, { timeout: 15000 });
    ok((await page.textContent('#as-status')) === w.saved, `${L}: saved`, await page.textContent('#as-status'));
    const s = (await api('alert-settings?domain=example.jp')).settings;
    ok(s.thresholds.spoof_min === (L === 'ja' ? 80 : 90) && s.recipients.length === 1 && s.recipients[0].lang === L,
      `${L}: stored (threshold, recipient and language)`, JSON.stringify(s.recipients));
    ok(s.webhook_secret_set === true && !JSON.stringify(s).includes('not shown again'), `${L}: the secret is never sent back`);
    ok(await page.inputValue('#as-webhook_secret') === '', `${L}: the secret field stays empty`);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `alertsettings-${L}.png`), fullPage: true });
    // test-send: the same path as `alerts test`, a mail at the SMTP server
    const m0 = mails();
    await page.click('#as-test');
    await page.waitForFunction(() => document.querySelectorAll('#as-test-results li').length > 0, null, { timeout: 20000 });
    const res = await page.textContent('#as-test-results');
    ok(res.includes('admin@example.jp') && res.includes(w.sent), `${L}: test-send result`, res);
    for (let i = 0; i < 30 && mails() === m0; i++) await new Promise(r => setTimeout(r, 100));
    ok(mails() === m0 + 1, `${L}: the test mail arrived`, String(mails() - m0));
  });
  await page.context().close();
}
// the refused saves above answer 400 on purpose: the browser logs those
const real = problems.filter(p => !/status of 400/.test(p));
ok(real.length === 0, 'no page or console error (but the refused saves)', real.slice(0, 3).join(' | '));
await browser.close();
finish();
