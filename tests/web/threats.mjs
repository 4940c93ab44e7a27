// threats.mjs BASE_URL [--shots DIR] - browser tests of the failure-report
// and TLS-report screens (issue 13) in real Chromium (/usr/bin/chromium via
// playwright-core), in Japanese (Asia/Tokyo) and English (UTC).
//
// The server (tests/web/kinds.sh) serves the November 2026 aggregate data of
// example.co.jp, gen_kinds.py's failure and TLS reports for it (192.0.2.10 is
// a registered internal sender) and tests/kinds/cases.  Covered: the nav; the
// Email Threats list (totals as the API gives them, My Senders vs
// Unauthorized, the columns, times in the chosen zone, the IP linking to the
// host screen, the filters by reporter, IP and URL domain, kind=all showing
// the abuse report, the CSV link and download, the empty state telling how to
// get failure reports); the sample view (the malware warning first, headers
// and body as text only, URLs defanged and never links, the download only
// after a confirmation naming malware, the attachment as
// application/octet-stream); the URL view (by URL and by URL domain, first
// and last seen); the TLS screen (totals, chart, failure types in words, the
// failure details, the empty state with the _smtp._tls record); failure
// reports on the statistics, record and host screens; no untranslated key.
// With --shots DIR the new screens are saved in ja and en.
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
const Q = `domain=${DOMAIN}&${RANGE}`;
const problems = [];
const browser = await launch();
const LANGS = [['ja', 'ja-JP', 'Asia/Tokyo'], ['en', 'en-US', 'UTC']];

const newPage = (locale, timezoneId) => libPage(browser, problems,
  { locale, timezoneId, width: 1280, height: 900, acceptDownloads: true });

async function api(p) {
  const r = await fetch(BASE + '/api/v1/' + p);
  if (!r.ok) throw new Error(p + ': HTTP ' + r.status);
  return r.json();
}

async function open(page, hash, screen) {
  const url = BASE + '/' + hash;
  if (page.url() === url) await page.reload();
  else {
    if (page.url().startsWith(BASE)) await page.evaluate(() => { document.body.dataset.ready = ''; });
    await page.goto(url);
  }
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 15000 });
}

const num = s => Number(String(s).replace(/[^\d]/g, ''));
const texts = (page, sel) => page.$$eval(sel, xs => xs.map(x => x.textContent.trim()));
// i18n keys of the new screens left untranslated (t() returns the key)
const KEY_RE = /\b(threats?|tls|urls|flag|urlflag|attflag|tlstype|tlspolicy|auth|delivery|nav|stats|record|host)\.[a-z_]+[a-z]\b/;
async function untranslated(page) {
  const text = await page.evaluate(() => document.querySelector('#main').innerText);
  const m = text.match(KEY_RE);
  return m ? m[0] : '';
}

const list = await api(`threats?${Q}`);
const all = await api(`threats?${Q}&kind=all`);
const phishing = list.rows.find(r => r.attachment_count > 0);
const japanese = list.rows.find(r => /アカウント/.test(r.subject || ''));

for (const [L, locale, zone] of LANGS) {
  await check(`nav and list ${L}`, async () => {
    const page = await newPage(locale, zone);
    await open(page, `#/threats?${Q}`, 'threats');
    const nav = await texts(page, '#nav a');
    ok(nav.includes(L === 'ja' ? '脅威メール' : 'Email Threats') && nav.includes(L === 'ja' ? 'TLSレポート' : 'TLS Reports'),
      `${L}: nav has Email Threats and TLS reports`, nav.join(','));
    ok(await page.getAttribute('#nav-threats', 'class') === 'on', `${L}: the threats nav item is on`);
    const card = async id => num(await page.textContent(`#${id} .card-value`));
    const s = list.summary;
    ok(await card('card-threats') === s.threats && await card('card-my-senders') === s.my_senders &&
      await card('card-unauthorized') === s.unauthorized && await card('card-received') === s.reports_received,
    `${L}: the totals are the API's (threats, My Senders, Unauthorized, received)`, JSON.stringify(s));
    ok(s.threats === 4 && s.my_senders === 1 && s.unauthorized === 3 && s.reports_received >= 5,
      `${L}: 4 threats, 1 from My Senders (192.0.2.10), 3 unauthorized, the abuse report received`, JSON.stringify(s));
    const rows = await page.$$('#threats-table tbody tr');
    ok(rows.length === list.rows.length && rows.length === 4, `${L}: one row per failure report`, rows.length);
    const heads = await texts(page, '#threats-table thead th');
    const want = L === 'ja' ? ['受信日時 (JST)', 'レポート送信者', '送信元IPアドレス', '件名', 'ヘッダFrom', 'ポリシードメイン', '認証失敗の種類', '送信元の登録', 'URL数']
      : ['Arrived (UTC)', 'Reporter', 'Source IP', 'Subject', 'Header From', 'Policy domain', 'Auth failure', 'Sender', 'URLs'];
    ok(want.every((w, i) => heads[i] === w), `${L}: the columns (date in the zone, reporter, IP, subject, From, domain, auth failure, sender, URLs)`, heads.join(','));
    // the first row: its time in the zone, its IP a link to the host screen, its subject a link to the sample
    const r0 = list.rows[0];
    const cells = await page.$$eval('#threats-table tbody tr:first-child td', tds => tds.map(td => td.textContent.trim()));
    const utc = new Date(r0.arrival_time * 1000 + (zone === 'Asia/Tokyo' ? 9 * 3600000 : 0)).toISOString().slice(0, 16).replace('T', ' ');
    ok(cells[0] === utc, `${L}: the arrival time in ${zone}`, cells[0] + ' vs ' + utc);
    const ipHref = await page.getAttribute('#threats-table tbody tr:first-child td:nth-child(3) a', 'href');
    ok(ipHref.startsWith('#/host/' + encodeURIComponent(r0.source_ip)), `${L}: the IP links to the host screen`, ipHref);
    ok(cells[3].includes(r0.subject) && cells[4] === r0.mail_from && cells[5] === r0.policy_domain, `${L}: subject, From and domain`, cells.slice(3, 6).join(' | '));
    const regs = await page.$$eval('#threats-table tbody tr', trs => trs.map(tr => tr.children[7].textContent.trim()));
    ok(regs.filter(x => x === (L === 'ja' ? '登録済み' : 'My Senders')).length === 1, `${L}: one row from My Senders`, regs.join(','));
    ok(!await untranslated(page), `${L}: threats list fully translated`, await untranslated(page));

    // filters: IP, reporter, URL domain, kind
    await page.fill('#f-ip', '203.0.113.5');
    await page.evaluate(() => { document.body.dataset.ready = ''; });
    await page.click('#f-apply');
    await page.waitForFunction(() => document.body.dataset.ready === 'threats');
    const ips = await page.$$eval('#threats-table tbody tr td:nth-child(3) a', as => as.map(a => a.textContent));
    ok(ips.length === 2 && ips.every(x => x === '203.0.113.5') && page.url().includes('ip=203.0.113.5'), `${L}: filter by IP`, ips.join(','));
    const csv = new URL(await page.getAttribute('#csv', 'href'), BASE);
    ok(csv.pathname === '/api/v1/threats.csv' && csv.searchParams.get('ip') === '203.0.113.5' && csv.searchParams.get('lang') === L &&
      csv.searchParams.get('tz') === zone && csv.searchParams.get('domain') === DOMAIN, `${L}: the CSV link carries the filters, lang and tz`, csv.search);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
    const body = fs.readFileSync(await dl.path(), 'utf8').replace(/^\ufeff/, '');
    ok(body.split('\n').filter(x => x.trim()).length === 3 && body.includes('203.0.113.5'), `${L}: the CSV download holds the two filtered rows`, body.split('\n')[0]);
    await open(page, `#/threats?${Q}&reporter=reporter-b.example`, 'threats');
    const reps = await page.$$eval('#threats-table tbody tr td:nth-child(2)', tds => tds.map(td => td.textContent));
    ok(reps.length === 2 && reps.every(x => x.endsWith('@reporter-b.example')), `${L}: filter by reporter`, reps.join(','));
    await open(page, `#/threats?${Q}&url_domain=phish.example`, 'threats');
    ok((await page.$$('#threats-table tbody tr')).length === 3, `${L}: filter by URL domain (phish.example in 3 reports)`);
    ok(await page.inputValue('#f-url_domain') === 'phish.example', `${L}: the filter shows what is applied`);
    await open(page, `#/threats?${Q}&kind=all`, 'threats');
    const subj = await texts(page, '#threats-table tbody td.subject');
    ok(subj.length === all.rows.length && subj.some(x => x.includes('cheap watches')) && subj.length === 5,
      `${L}: kind=all lists the abuse report too`, subj.length);
    ok((await page.$$('#threats-table tbody td.subject .badge')).length === 1, `${L}: the abuse report is marked as such`);
    // a domain without failure reports: what to do
    await open(page, `#/threats?domain=shop.example.jp&${RANGE}`, 'threats');
    const empty = await page.textContent('#threats-empty').catch(() => '');
    ok(empty.includes('ruf=mailto:') && empty.includes('dmarcscope ingest') && empty.includes('shop.example.jp'),
      `${L}: no failure reports: the empty state says how to get them (ruf=)`, empty.slice(0, 80));
    await page.context().close();
  });

  await check(`sample view ${L}`, async () => {
    const page = await newPage(locale, zone);
    const d = await api('threats/' + phishing.id);
    await open(page, `#/threats?${Q}`, 'threats');
    await page.evaluate(() => { document.body.dataset.ready = ''; });
    await page.click(`#threats-table tbody tr[data-id="${phishing.id}"] td.subject a`);
    await page.waitForFunction(() => document.body.dataset.ready === 'threat');
    ok(page.url().includes('#/threat/' + phishing.id), `${L}: the subject opens the sample view`, page.url());
    const order = await page.$$eval('#screen-threat > *', xs => xs.map(x => x.id || x.tagName));
    ok(order.indexOf('malware-warning') >= 0 && order.indexOf('malware-warning') < order.indexOf('sample'),
      `${L}: the malware warning comes before the sample`, order.join(','));
    const warn = await page.textContent('#malware-warning');
    ok(await page.getAttribute('#malware-warning', 'role') === 'alert' && (L === 'ja' ? /マルウェア/.test(warn) : /malware/.test(warn)),
      `${L}: a clear malware warning`, warn.slice(0, 60));
    ok((await page.$$('#sample-headers tr')).length === d.sample.headers.length, `${L}: every header of the sample`, d.sample.headers.length);
    ok(await page.$eval('#sample-text', el => el.tagName === 'PRE' && el.children.length === 0), `${L}: the body is a <pre> of text`);
    const bodyText = await page.textContent('#sample-text');
    ok(bodyText.includes('Please pay the attached invoice today') && !/https?:\/\//i.test(bodyText) && bodyText.includes('hxxps://secure-login[.]phish[.]example/pay'),
      `${L}: the body's URL defanged`, bodyText.trim());
    const urlCells = await texts(page, '#threat-urls td.defanged');
    ok(urlCells.length === d.urls.length && urlCells.every((x, i) => x === d.urls[i].defanged), `${L}: the URLs defanged as the API gives them`, urlCells.join(','));
    const hrefs = await page.$$eval('#main a[href]', as => as.map(a => a.getAttribute('href')));
    ok(hrefs.every(h => h.startsWith('#/')), `${L}: no link leaves the portal (no URL of the sample is a link)`, hrefs.filter(h => !h.startsWith('#/')).join(','));
    ok((await page.textContent('#threat-ip')) === phishing.source_ip && (await page.getAttribute('#threat-ip', 'href')).startsWith('#/host/'),
      `${L}: the source IP links to the host screen`);
    ok((await page.textContent('#threat-host')).includes('host5.spoof.example') && await page.$('#threat-class.cls-spoofing_suspected') !== null,
      `${L}: host facts of the source (PTR, class in the aggregate data)`);
    ok((await page.textContent('#threat-authorized')) === (L === 'ja' ? '未承認' : 'Unauthorized'), `${L}: the source is not one of My Senders`);
    ok(!await untranslated(page), `${L}: sample view fully translated`, await untranslated(page));

    // the attachment: nothing to download before the confirmation
    const before = await page.$$eval('a[href*="/attachment"]', as => as.length);
    ok(before === 0, `${L}: no link to the attachment before the confirmation`);
    ok((await page.textContent('#threat-attachments')).includes('payment.pdf.exe'), `${L}: the attachment listed`);
    await page.click('#threat-attachments .att-download');
    await page.waitForSelector('#att-confirm[open]');
    const dlgText = await page.textContent('#att-confirm');
    ok((L === 'ja' ? /マルウェア/.test(dlgText) : /malware/.test(dlgText)) && dlgText.includes('payment.pdf.exe'),
      `${L}: the confirmation says the file may be malware`, dlgText.slice(0, 80));
    await page.click('#att-confirm-cancel');
    ok(await page.$('#att-confirm') === null, `${L}: cancel closes it, nothing downloaded`);
    await page.click('#threat-attachments .att-download');
    await page.waitForSelector('#att-confirm[open]');
    const href = await page.getAttribute('#att-confirm-ok', 'href');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#att-confirm-ok')]);
    const bytes = fs.readFileSync(await dl.path());
    ok(bytes.slice(0, 2).toString() === 'MZ' && bytes.length === d.attachments[0].size, `${L}: the attachment downloaded after the confirmation`, bytes.length);
    const r = await fetch(BASE + href);
    ok(r.headers.get('content-type') === 'application/octet-stream' && /^attachment/.test(r.headers.get('content-disposition') || '') &&
      r.headers.get('x-content-type-options') === 'nosniff', `${L}: served as application/octet-stream, as an attachment`,
    r.headers.get('content-type') + ' ' + r.headers.get('content-disposition'));
    await page.context().close();
  });

  await check(`japanese subject and own server ${L}`, async () => {
    const page = await newPage(locale, zone);
    await open(page, `#/threat/${japanese.id}?${Q}`, 'threat');
    ok((await page.textContent('#threat-subject')) === '【重要】お客様のアカウントを確認してください', `${L}: an encoded Japanese subject decoded`);
    const own = list.rows.find(x => x.source_ip === '192.0.2.10');
    await open(page, `#/threat/${own.id}?${Q}`, 'threat');
    ok((await page.textContent('#threat-authorized')) === (L === 'ja' ? '登録済み' : 'My Senders'), `${L}: a failure from a registered sender says so`);
    ok((await page.textContent('#threat-auth')) === 'DKIM', `${L}: the auth failure type`, await page.textContent('#threat-auth'));
    await page.context().close();
  });

  await check(`long lists ${L}`, async () => {
    // cap-arf-urls: 500 URLs kept (100 past the cap): the first 50, then all on request
    const capped = (await api('threats?domain=example.com&since=2024-01-01&until=2024-01-31&kind=all&per_page=100')).rows
      .find(r => r.subject === 'urls');
    const page = await newPage(locale, zone);
    await open(page, `#/threat/${capped.id}?domain=example.com&since=2024-01-01&until=2024-01-31`, 'threat');
    const visible = () => page.$$eval('#threat-urls tbody tr', trs => trs.filter(tr => !tr.hidden).length);
    ok(await visible() === 50, `${L}: a sample with 500 URLs shows the first 50`, await visible());
    ok((await page.textContent('#threat-urls')).includes('100'), `${L}: ... says 100 more were past the cap`);
    await page.click('#threat-urls .show-all');
    ok(await visible() === 500, `${L}: ... and all 500 on request`, await visible());
    await page.context().close();
  });

  await check(`urls ${L}`, async () => {
    const page = await newPage(locale, zone);
    const u = await api(`threat-urls?${Q}`);
    await open(page, `#/threats?${Q}`, 'threats');
    await page.evaluate(() => { document.body.dataset.ready = ''; });
    await page.click('#tab-urls');
    await page.waitForFunction(() => document.body.dataset.ready === 'urls');
    const rows = await page.$$eval('#urls-table tbody tr', trs => trs.map(tr => [...tr.children].map(td => td.textContent.trim())));
    ok(rows.length === u.rows.length && rows.length === 5, `${L}: one row per URL`, rows.length);
    ok(rows.every((r, i) => r[0] === u.rows[i].defanged && !/https?:/.test(r[0])), `${L}: URLs defanged`, rows.map(r => r[0]).join(' '));
    ok((await page.$$('#urls-table a[href^="http"], #urls-table a[href^="javascript"]')).length === 0, `${L}: no URL is a link`);
    const heads = await texts(page, '#urls-table thead th');
    ok(heads.some(x => x === (L === 'ja' ? '初回 (JST)' : 'First seen (UTC)')) && heads.some(x => x === (L === 'ja' ? '最終 (JST)' : 'Last seen (UTC)')),
      `${L}: first and last seen in the zone`, heads.join(','));
    await page.evaluate(() => { document.body.dataset.ready = ''; });
    await page.click('#by-domain');
    await page.waitForFunction(() => document.body.dataset.ready === 'urls');
    const doms = await page.$$eval('#urls-table tbody tr', trs => trs.map(tr => [...tr.children].map(td => td.textContent.trim())));
    ok(doms.length === 2 && doms[0][0] === 'phish[.]example' && num(doms[0][1]) === 3, `${L}: by URL domain, phish.example in 3 reports`, JSON.stringify(doms[0]));
    await page.evaluate(() => { document.body.dataset.ready = ''; });
    await page.click('#urls-table tbody tr:first-child a');
    await page.waitForFunction(() => document.body.dataset.ready === 'threats');
    ok(page.url().includes('url_domain=phish.example') && (await page.$$('#threats-table tbody tr')).length === 3,
      `${L}: a URL domain leads to its failure reports`);
    ok(!await untranslated(page), `${L}: fully translated`, await untranslated(page));
    await page.context().close();
  });

  await check(`tls ${L}`, async () => {
    const page = await newPage(locale, zone);
    const d = await api(`tls?${Q}`);
    await open(page, `#/tls?${Q}`, 'tls');
    ok(await page.getAttribute('#nav-tls', 'class') === 'on', `${L}: the TLS nav item is on`);
    ok(num(await page.textContent('#card-tls-success .card-value')) === d.summary.success && d.summary.success === 3570 &&
      num(await page.textContent('#card-tls-failure .card-value')) === d.summary.failure && d.summary.failure === 55,
    `${L}: successful and failed sessions (3,570 / 55)`);
    ok((await page.textContent('#card-tls-rate .card-value')) === '1.5%', `${L}: the failure rate`, await page.textContent('#card-tls-rate .card-value'));
    ok(await page.$('#tls-chart canvas') !== null, `${L}: the daily chart is drawn`);
    ok((await page.textContent('#tls-chart-title')).includes('UTC'), `${L}: the chart names its days' zone`);
    const types = await page.$$eval('#tls-types tbody tr', trs => trs.map(tr => tr.dataset.type));
    ok(JSON.stringify(types) === JSON.stringify(d.failure_types.map(x => x.result_type)), `${L}: the failure types`, types.join(','));
    ok((await page.textContent('#tls-types')).includes(L === 'ja' ? '証明書の期限切れ' : 'Certificate expired'), `${L}: failure types in words`);
    const det = await page.$$eval('#tls-failures-table tbody tr', trs => trs.map(tr => [...tr.children].map(td => td.textContent.trim())));
    ok(det.length === 3 && det[0][1] === '198.51.100.200' && det[0][2] === '192.0.2.25' && det[0][3] === 'mx1.example.co.jp' && num(det[0][4]) === 40,
      `${L}: failure details with sending MTA, receiving IP and MX host`, JSON.stringify(det[0]));
    ok(det[1][6].includes('hxxps://reporter-b[.]example') && (await page.$$('#tls-failures-table a')).length === 0, `${L}: additional information defanged, not a link`, det[1][6]);
    ok((await page.$$('#tls-reports-table tbody tr')).length === 3, `${L}: the three TLS reports`);
    ok(!await untranslated(page), `${L}: fully translated`, await untranslated(page));
    await open(page, `#/tls?domain=shop.example.jp&${RANGE}`, 'tls');
    const empty = await page.textContent('#tls-empty').catch(() => '');
    ok(empty.includes('_smtp._tls.shop.example.jp') && empty.includes('v=TLSRPTv1'), `${L}: no TLS reports: the empty state says how to get them`, empty.slice(0, 80));
    ok((await page.$$('#tls-other-domains a')).length > 0, `${L}: and lists the domains that have some`);
    await page.context().close();
  });

  await check(`stats, record and host ${L}`, async () => {
    const page = await newPage(locale, zone);
    const s = await api(`stats?${Q}`);
    await open(page, `#/stats?${Q}`, 'stats');
    ok(await page.$('#card-failure-reports') !== null && num(await page.textContent('#card-failure-reports .card-value')) === s.failure_reports,
      `${L}: the statistics show the failure reports received`, s.failure_reports);
    ok((await page.getAttribute('#failure-reports-link', 'href')).startsWith('#/threats'), `${L}: ... linking to Email Threats`);
    // a record of 203.0.113.5 on 2026-11-20, the day of a failure report from it
    const recs = await api(`records?${Q}&ip=203.0.113.5&per_page=100`);
    const rec = recs.rows.find(r => new Date(r.date_begin * 1000).toISOString().startsWith('2026-11-20'));
    const detail = await api('records/' + rec.id);
    await open(page, `#/record/${rec.id}?${Q}`, 'record');
    const fr = await page.$$eval('#record-failures tbody tr', trs => trs.map(tr => tr.dataset.id));
    ok(Array.isArray(detail.failure_reports) && detail.failure_reports.length > 0 && fr.length === detail.failure_reports.length,
      `${L}: a record lists the failure reports of its IP and day`, fr.join(','));
    await open(page, `#/host/203.0.113.5?${Q}`, 'host');
    const hf = await page.$$eval('#host-failures tbody tr', trs => trs.map(tr => tr.dataset.id));
    ok(hf.length === 2, `${L}: the host screen lists its failure reports`, hf.join(','));
    ok((await page.getAttribute('#host-failures-all', 'href')).includes('ip=203.0.113.5'), `${L}: ... and links to all of them`);
    await page.evaluate(() => { document.body.dataset.ready = ''; });
    await page.click('#host-failures tbody tr:first-child a');
    await page.waitForFunction(() => document.body.dataset.ready === 'threat');
    ok(page.url().includes('#/threat/'), `${L}: a failure report opens its sample view`);
    await page.context().close();
  });
}

if (SHOTS) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const shots = [['threats', `#/threats?${Q}`], ['threat', `#/threat/${phishing.id}?${Q}`], ['urls', `#/urls?${Q}`],
    ['tls', `#/tls?${Q}`], ['threats-empty', `#/threats?domain=shop.example.jp&${RANGE}`]];
  for (const [L, locale, zone] of LANGS) {
    const page = await newPage(locale, zone);
    for (const [name, hash] of shots) {
      await open(page, hash, name.split('-')[0]);
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${L}.png`), fullPage: true });
    }
    await page.context().close();
  }
  console.log('screenshots in ' + SHOTS);
}

ok(problems.length === 0, 'threats: no page or console errors', problems.slice(0, 3).join(' | '));
await browser.close();
finish();
