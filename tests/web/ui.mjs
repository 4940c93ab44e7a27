// ui.mjs BASE_URL [--shots DIR] - browser tests of what a Japanese mail
// administrator noticed on the screens (issue 11 §3), in real Chromium
// (/usr/bin/chromium driven by playwright-core), at 1,280 px.
//
// The server (started by tests/web/run.sh, after browser.mjs has run) serves
// the demo data.  Covered: the time zone (the browser's by default, Tokyo
// for Japanese, a picker that is saved, the zone named over every time, a
// record's time shifting with it, the CSV link passing lang and tz); the
// mail list's IIJ column names and no heading or value broken inside a word;
// on the Senders screen each tab's list adding up to its matrix, the matrix
// with DKIM rows and SPF columns, registering several groups at once; one
// Japanese vocabulary; the raw report indented and no local paths; the
// policy guidance never proposing p=quarantine to a domain that has it.
// With --shots DIR the screens are saved in ja and en (1,280 px wide).
//
// Prints one line per check and a closing "N passed, N failed".
import { ok, check, finish, launch, newPage as libPage } from './lib.mjs';
import fs from 'node:fs';
import path from 'node:path';

const BASE = process.argv[2];
const shotsAt = process.argv.indexOf('--shots');
const SHOTS = shotsAt > 0 ? process.argv[shotsAt + 1] : null;
const DOMAIN = 'example.co.jp';
const RANGE = 'since=2026-11-01&until=2026-11-30';
const IIJ = ['日付', 'ポリシードメイン', '送信元IPアドレス', '逆引きドメイン', '判定数', 'ヘッダFrom', 'DMARC検証結果',
  'SPFアライメント', 'SPF検証結果', 'DKIMアライメント', 'DKIM検証結果', '動作', '国コード'];
const problems = [];

const browser = await launch();

const newPage = (locale, timezoneId) => libPage(browser, problems,
  { locale, timezoneId, width: 1280, height: 900, acceptDownloads: true });

async function open(page, hash, screen) {
  // a new hash on the same page only redraws: forget the last screen first;
  // the same hash does nothing: load it again
  const url = BASE + '/' + hash;
  if (page.url() === url) await page.reload();
  else {
    if (page.url().startsWith(BASE)) await page.evaluate(() => { document.body.dataset.ready = ''; });
    await page.goto(url);
  }
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 15000 });
}

async function redrawn(page, screen, fn) {
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  await fn();
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 15000 });
}

const heads = page => page.$$eval('#mail-table thead th', ths => ths.map(th => th.textContent.trim()));
// the record id and time of the first row
const firstRow = page => page.$eval('#mail-table tbody tr', tr => [tr.dataset.id, tr.children[0].textContent.trim()]);
const minutes = s => Date.parse(s.replace(' ', 'T') + ':00Z') / 60000;

await check('time zone', async () => {
  const en = await newPage('en-US', 'America/New_York');
  await open(en, `#/mail?domain=${DOMAIN}&${RANGE}`, 'mail');
  ok(await en.inputValue('#tz') === 'America/New_York', 'tz: English defaults to the browser\'s zone', await en.inputValue('#tz'));
  const h0 = (await heads(en))[0];
  ok(/^Date \((EST|EDT|GMT-[45])\)$/.test(h0), 'tz: the date heading names the zone', h0);
  const [id, nyTime] = await firstRow(en);
  await redrawn(en, 'mail', () => en.selectOption('#tz', 'UTC'));
  ok((await heads(en))[0] === 'Date (UTC)', 'tz: the heading follows the picker', (await heads(en))[0]);
  const [id2, utcTime] = await firstRow(en);
  ok(id === id2 && minutes(utcTime) - minutes(nyTime) === 5 * 60, 'tz: a record\'s time shifts with the zone (New York +5 h = UTC)', nyTime + ' / ' + utcTime);
  await en.reload();
  await en.waitForFunction(() => document.body.dataset.ready === 'mail');
  ok(await en.inputValue('#tz') === 'UTC' && (await heads(en))[0] === 'Date (UTC)', 'tz: the choice is saved');
  const csv = new URL(await en.getAttribute('#csv', 'href'), BASE);
  ok(csv.searchParams.get('lang') === 'en' && csv.searchParams.get('tz') === 'UTC', 'tz: the CSV link passes lang and tz', csv.search);
  await en.context().close();

  const ja = await newPage('ja-JP', 'Europe/Berlin');
  await open(ja, `#/mail?domain=${DOMAIN}&${RANGE}`, 'mail');
  ok(await ja.inputValue('#tz') === 'Asia/Tokyo', 'tz: Japanese defaults to Asia/Tokyo', await ja.inputValue('#tz'));
  ok((await heads(ja))[0] === '日付 (JST)', 'tz: 日付 (JST)', (await heads(ja))[0]);
  const [jid, jst] = await firstRow(ja);
  await redrawn(ja, 'mail', () => ja.selectOption('#tz', 'UTC'));
  const [jid2, utc] = await firstRow(ja);
  ok(jid === jid2 && minutes(jst) - minutes(utc) === 9 * 60, 'tz: JST is UTC + 9 h for the same record', jst + ' / ' + utc);
  const csvj = new URL(await ja.getAttribute('#csv', 'href'), BASE);
  ok(csvj.searchParams.get('lang') === 'ja' && csvj.searchParams.get('tz') === 'UTC', 'tz: the CSV link in Japanese', csvj.search);
  await redrawn(ja, 'mail', () => ja.selectOption('#tz', 'Asia/Tokyo'));
  await open(ja, `#/report/1?domain=${DOMAIN}&${RANGE}`, 'report');
  ok((await ja.textContent('#screen-report')).includes('期間 (JST)'), 'tz: the report period names the zone');
  await open(ja, `#/reports?domain=${DOMAIN}&${RANGE}`, 'reports');
  ok((await ja.$$eval('#reports-table thead th', t => t.map(x => x.textContent))).includes('期間 (JST)'), 'tz: the reports list names the zone');
  await open(ja, `#/stats?domain=${DOMAIN}&${RANGE}`, 'stats');
  ok((await ja.textContent('#daily-title')).includes('(JST)'), 'tz: the daily chart names the zone');
  await ja.context().close();
});

await check('mail list', async () => {
  const ja = await newPage('ja-JP', 'Asia/Tokyo');
  await open(ja, `#/mail?domain=${DOMAIN}&${RANGE}`, 'mail');
  const hs = await heads(ja);
  ok(JSON.stringify(hs.slice(0, 13).map((x, i) => i === 0 ? x.replace(' (JST)', '') : x.replace(/ [▲▼]$/, ''))) === JSON.stringify(IIJ),
    'mail: IIJ\'s column names', hs.join(','));
  // a heading on one line: its text has one line box
  const broken = await ja.$$eval('#mail-table thead th', ths => ths.filter(th => {
    const r = document.createRange();
    r.selectNodeContents(th);
    const tops = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
    return tops.size > 1;
  }).map(th => th.textContent));
  ok(broken.length === 0, 'mail: no heading breaks inside a word at 1,280 px', broken.join(','));
  // a result: domain on one line, the result on one line
  const split = await ja.$$eval('#mail-table td.res .tok span', spans => spans.filter(s => {
    const tops = new Set([...s.getClientRects()].map(x => Math.round(x.top)));
    return tops.size > 1;
  }).map(s => s.textContent));
  ok(split.length === 0, 'mail: no result or domain broken inside', split.slice(0, 3).join(','));
  const cells = await ja.$$eval('#mail-table tbody tr:first-child td', tds => tds.map(td => td.textContent.trim()));
  ok(cells[6] === '成功' || cells[6] === '失敗', 'mail: DMARC検証結果 in words (成功 / 失敗)', cells[6]);
  ok(/^[\d,]+$/.test(cells[4]), 'mail: 判定数 with separators', cells[4]);
  await ja.context().close();
});

await check('senders', async () => {
  const en = await newPage('en-US', 'UTC');
  for (const tab of ['internal', 'third_party', 'unauthorized']) {
    await open(en, `#/senders?domain=${DOMAIN}&${RANGE}&tab=${tab}`, 'senders');
    const listed = Number(await en.getAttribute('#groups-total', 'data-total'));
    const rows = await en.$$eval('#groups tbody tr[data-prefix]', x => x.length);
    const sum = await en.$$eval('#groups tbody tr[data-prefix]', trs => trs.reduce((a, tr) =>
      a + Number(tr.querySelector('td.num').textContent.replace(/,/g, '')), 0));
    const matrix = Number(await en.getAttribute(`#matrix-${tab} h3 [data-total]`, 'data-total'));
    ok(listed === matrix && sum === matrix && (rows > 0 || matrix === 0), `senders ${tab}: the list and the matrix add up to the same total`,
      `${listed} / ${sum} / ${matrix}`);
  }
  const api = await (await fetch(`${BASE}/api/v1/senders?domain=${DOMAIN}&${RANGE}`)).json();
  const corner = await en.textContent('#matrix-all thead th.corner');
  const cols = await en.$$eval('#matrix-all thead th[data-spf]', t => t.map(x => x.textContent));
  const rowsH = await en.$$eval('#matrix-all tbody th[data-dkim]', t => t.map(x => x.textContent));
  ok(/^DKIM/.test(corner) && cols.length === 3 && cols.every(x => x.startsWith('SPF')) &&
    rowsH.length === 3 && rowsH.every(x => x.startsWith('DKIM')), 'matrix: DKIM rows, SPF columns', corner + ' | ' + cols + ' | ' + rowsH);
  // the cell in row DKIM fail, column SPF pass+aligned is count[spf=0][dkim=2]
  const cell = Number(await en.getAttribute('#matrix-all tbody tr:nth-child(3) td:nth-of-type(1)', 'data-count'));
  const cell2 = Number(await en.getAttribute('#matrix-all tbody tr:nth-child(1) td:nth-of-type(3)', 'data-count'));
  ok(cell === api.matrix.all.count[0][2] && cell2 === api.matrix.all.count[2][0] && cell !== cell2,
    'matrix: the cells are transposed from the API\'s [spf][dkim]', `${cell} ${cell2}`);

  // several groups registered at once
  await open(en, `#/senders?domain=${DOMAIN}&${RANGE}&tab=unauthorized`, 'senders');
  const pick = await en.$$eval('#groups tbody tr[data-prefix]', trs => trs.slice(-2).map(tr => tr.dataset.prefix + '|' + tr.dataset.service));
  ok(pick.length === 2, 'senders: two unauthorized groups to select', pick.length);
  ok(await en.isDisabled('#reg-sel-third'), 'senders: the batch button waits for a selection');
  const boxes = await en.$$('#groups tbody tr[data-prefix] .sel-group');
  await boxes[boxes.length - 1].check();
  await boxes[boxes.length - 2].check();
  ok((await en.textContent('#sel-count')).startsWith('2'), 'senders: the selection is counted', await en.textContent('#sel-count'));
  await redrawn(en, 'senders', () => en.click('#reg-sel-third'));
  await en.waitForFunction(p => !p.some(x => [...document.querySelectorAll('#groups tbody tr[data-prefix]')]
    .some(tr => tr.dataset.prefix + '|' + tr.dataset.service === x)), pick, { timeout: 10000 });
  ok(true, 'senders: both selected groups left Unauthorized');
  ok((await en.textContent('#senders-status')).includes('2'), 'senders: one message for the batch', await en.textContent('#senders-status'));
  const listed = Number(await en.getAttribute('#groups-total', 'data-total'));
  const matrix = Number(await en.getAttribute('#matrix-unauthorized h3 [data-total]', 'data-total'));
  ok(listed === matrix, 'senders: still adding up after registering', `${listed} / ${matrix}`);
  await en.context().close();
});

await check('japanese vocabulary', async () => {
  const ja = await newPage('ja-JP', 'Asia/Tokyo');
  const screens = [['stats', `#/stats?domain=${DOMAIN}&${RANGE}`], ['mail', `#/mail?domain=${DOMAIN}&${RANGE}`],
    ['senders', `#/senders?domain=${DOMAIN}&${RANGE}&tab=unauthorized`], ['senders', `#/senders?domain=${DOMAIN}&${RANGE}&tab=third_party`],
    ['senders', `#/senders?domain=${DOMAIN}&${RANGE}&tab=internal`], ['reports', `#/reports?domain=${DOMAIN}&${RANGE}`],
    ['record', `#/record/5?domain=${DOMAIN}&${RANGE}`]];
  const bad = [];
  for (const [s, hash] of screens) {
    await open(ja, hash, s);
    const text = await ja.textContent('body');
    for (const w of ['整合', 'アライン', 'なりすまし疑い', 'DMARC pass', 'cidr', 'service', 'rdns'])
      if (text.replace(/アラインメント|アライメント/g, '').includes(w)) bad.push(s + ': ' + w);
  }
  ok(bad.length === 0, 'ja: one vocabulary (アライメント, なりすましの疑い, no untranslated words)', bad.join(', '));
  await open(ja, `#/senders?domain=${DOMAIN}&${RANGE}&tab=third_party`, 'senders');
  ok((await ja.textContent('#registered')).includes('IPアドレス範囲'), 'ja: 種別 cidr shown as IPアドレス範囲');
  await open(ja, `#/stats?domain=${DOMAIN}&${RANGE}`, 'stats');
  const msgs = await ja.textContent('#card-messages .card-value');
  ok(/^\d{1,3}(,\d{3})+$/.test(msgs), 'ja: thousands separators', msgs);
  ok((await ja.textContent('#card-dmarc .card-label')) === 'DMARC認証成功', 'ja: DMARC pass translated');
  await ja.context().close();
});

await check('raw report and paths', async () => {
  const en = await newPage('en-US', 'UTC');
  await open(en, `#/report/1?domain=${DOMAIN}&${RANGE}`, 'report');
  const src = await en.textContent('#report-source');
  ok(src.length > 0 && !src.includes('/'), 'report: the source without directories', src);
  await en.click('#show-raw');
  await en.waitForFunction(() => document.querySelector('#raw-xml').textContent.includes('</feedback>'));
  const lines = (await en.textContent('#raw-xml')).split('\n');
  ok(lines[0].startsWith('==> ') && lines[1].startsWith('<feedback') && lines.includes('  <report_metadata>') &&
    lines.some(l => /^ {4}<org_name>[^<]+<\/org_name>$/.test(l)) && lines[lines.length - 1] === '</feedback>',
    'report: the raw XML indented two spaces a level', lines.slice(0, 4).join(' | '));
  ok(await en.$$eval('#raw-xml *', x => x.length) === 0, 'report: the XML is text, no elements');
  const pretty = await en.textContent('#raw-xml');
  await en.click('#raw-mode');
  const stored = await en.textContent('#raw-xml');
  ok(stored !== pretty && stored.includes('</feedback>'), 'report: as stored on request');
  await open(en, `#/reports?domain=${DOMAIN}&${RANGE}`, 'reports');
  const q = await en.$$eval('#quarantine tbody tr td:nth-child(2)', t => t.map(x => x.textContent));
  ok(q.length > 0 && q.every(x => !x.includes('/')), 'quarantine: sources without directories', q.join(','));
  await en.context().close();

  const x = await newPage('en-US', 'UTC');
  await open(x, `#/reports?domain=xss.example&since=2026-10-31&until=2026-11-30`, 'reports');
  await redrawn(x, 'report', () => x.click('#reports-table tbody tr:first-child a'));
  await x.click('#show-raw');
  await x.waitForFunction(() => document.querySelector('#raw-xml').textContent.includes('feedback'));
  const flags = await x.evaluate(() => ({ xss: window.__xss, els: document.querySelectorAll('#raw-xml *').length }));
  ok(flags.xss === undefined && flags.els === 0, 'report: a hostile report indented stays inert', JSON.stringify(flags));
  await x.context().close();
});

await check('policy guidance', async () => {
  const en = await newPage('en-US', 'UTC');
  await open(en, `#/stats?domain=shop.example.jp&${RANGE}`, 'stats');
  const cur = await en.textContent('#guidance strong');
  const next = await en.textContent('#next-step');
  const rows = await en.$$eval('#guidance tbody tr td:first-child', t => t.map(x => x.textContent));
  ok(cur === 'quarantine' && !next.includes('p=quarantine') && !rows.includes('p=quarantine'),
    'guidance: p=quarantine is not proposed to a p=quarantine domain', `${cur} → ${next}; ${rows}`);
  await en.context().close();
});

if (SHOTS) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const screens = [['stats', `#/stats?domain=${DOMAIN}&${RANGE}`], ['mail', `#/mail?domain=${DOMAIN}&${RANGE}`],
    ['senders', `#/senders?domain=${DOMAIN}&${RANGE}&tab=unauthorized`],
    ['senders-third', `#/senders?domain=${DOMAIN}&${RANGE}&tab=third_party`],
    ['record', `#/record/5?domain=${DOMAIN}&${RANGE}`], ['reports', `#/reports?domain=${DOMAIN}&${RANGE}`],
    ['report', `#/report/1?domain=${DOMAIN}&${RANGE}`], ['stats-shop', `#/stats?domain=shop.example.jp&${RANGE}`]];
  for (const l of ['en', 'ja']) {
    const s = await newPage(l === 'ja' ? 'ja-JP' : 'en-US', l === 'ja' ? 'Asia/Tokyo' : 'Europe/London');
    for (const [name, hash] of screens) {
      const screen = name.split('-')[0];
      await open(s, hash, screen);
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

ok(problems.length === 0, 'ui: no page or console errors', problems.slice(0, 3).join(' | '));
await browser.close();
finish();
