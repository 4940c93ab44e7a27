// overview.mjs BASE_URL [--shots DIR] [--users] - browser tests of the
// domains overview (issue 19) in real Chromium, in Japanese and English:
// the landing page is the overview when there is more than one domain; the
// cards show the API's totals; search (typing narrows the rows), sort (a
// header click, again for the other direction), a filter chip, paging
// (next page, other rows), the link from a domain to its statistics for the
// same period, the next step from the readiness (the label, the level, the
// record on hover, the link to the readiness screen), and the searchable domain picker on the other screens
// (typing narrows, arrow keys and Enter pick).  The texts are the ones of
// web/i18n/{ja,en}.json.  tests/web/overview.sh builds the data (80
// domains).  With --users: an operator (ops / ops-password-1) logs in and
// the tenant switcher narrows the overview to the tenant's domains.
// With --shots DIR the screens are saved in ja and en.  No page error,
// console error or CSP violation is allowed.
// Prints one line per check and a closing "N passed, N failed".
import { ok, check, finish, launch, newPage } from './lib.mjs';
import fs from 'node:fs';

const BASE = process.argv[2];
const shotsAt = process.argv.indexOf('--shots');
const SHOTS = shotsAt > 0 ? process.argv[shotsAt + 1] : null;
const USERS = process.argv.includes('--users');
const R = 'since=2026-11-01&until=2026-11-30';
const problems = [];
const browser = await launch();
const I18N = {
  ja: JSON.parse(fs.readFileSync(new URL('../../web/i18n/ja.json', import.meta.url))),
  en: JSON.parse(fs.readFileSync(new URL('../../web/i18n/en.json', import.meta.url))),
};

async function api(p) {
  const r = await fetch(BASE + '/api/v1/' + p);
  if (!r.ok) throw new Error(p + ': HTTP ' + r.status);
  return r.json();
}

async function redraw(page, screen, action) {
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  await action();
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 15000 });
}

async function open(page, hash, screen) {
  await page.goto('about:blank');
  await page.goto(BASE + '/' + hash);
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 15000 });
}

const domainsShown = page => page.$$eval('#ov-table tbody tr', rs => rs.map(r => r.dataset.domain));
const shot = async (page, name, L) => {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}-${L}.png`, fullPage: false });
};

const all = USERS ? null : await api('overview?per_page=200&' + R);

for (const [L, locale, zone] of [['ja', 'ja-JP', 'Asia/Tokyo'], ['en', 'en-US', 'UTC']]) {
  const tr = (k, vars) => (I18N[L][k] || k).replace(/\{(\w+)\}/g, (_, v) => (vars || {})[v]);
  const page = await newPage(browser, problems, { locale, timezoneId: zone, width: 1440, height: 1000 });
  if (USERS) {
    await check(`${L}: the operator's tenant switcher on the overview`, async () => {
      await page.goto(BASE + '/');
      await page.waitForSelector('#login-user');
      await page.fill('#login-user', 'ops');
      await page.fill('#login-password', 'ops-password-1');
      await page.click('#login-submit');
      await page.waitForFunction(() => document.body.dataset.ready === 'overview', null, { timeout: 15000 });
      await open(page, '#/overview?' + R, 'overview');
      const every = await page.$eval('#ov-total', e => e.textContent);
      ok(await page.$('#tenant-switch') !== null, `${L}: the switcher is in the pickers row`);
      ok(await page.$('th[data-col=tenant]') !== null, `${L}: an operator sees the tenant column`);
      const acme = await page.$eval('#tenant-switch', s => [...s.options].find(o => o.textContent === 'acme').value);
      await page.evaluate(() => { document.body.dataset.ready = ''; });
      await page.selectOption('#tenant-switch', acme);
      await page.waitForFunction(() => document.body.dataset.ready !== '' && document.body.dataset.ready !== undefined, null, { timeout: 15000 });
      await open(page, '#/overview?' + R, 'overview');
      const shown = await domainsShown(page);
      const want = (await (await fetch(BASE + '/api/v1/overview?per_page=200&' + R + '&tenant=' + acme,
        { headers: { Cookie: (await page.context().cookies()).map(c => c.name + '=' + c.value).join('; ') } })).json()).rows.map(r => r.domain);
      ok(shown.length > 0 && shown.join() === want.join() && want.length < 80, `${L}: switched to acme: acme's domains only (${shown.length})`, shown.join());
      ok(await page.$eval('#ov-total', e => e.textContent) !== every, `${L}: the count changed with the tenant`);
      await shot(page, 'overview-switcher', L);
      await page.evaluate(() => sessionStorage.clear());
    });
    await page.close();
    continue;
  }
  await check(`${L}: landing page`, async () => {
    await page.goto(BASE + '/');
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 15000 });
    ok(await page.evaluate(() => document.body.dataset.ready) === 'overview', `${L}: with 80 domains the portal opens on the overview`);
    ok(await page.textContent('#nav-overview') === tr('nav.overview'), `${L}: the nav item`, await page.textContent('#nav-overview'));
    ok(await page.isHidden('#domain-pick'), `${L}: no domain picker on the overview`);
  });
  await check(`${L}: table and cards`, async () => {
    await open(page, '#/overview?' + R, 'overview');
    ok((await page.textContent('h1')).startsWith(tr('ov.title')), `${L}: the title`, await page.textContent('h1'));
    const msgs = await page.$eval('#card-messages .card-value', e => e.textContent);
    ok(msgs === all.totals.messages.toLocaleString(L === 'ja' ? 'ja-JP' : 'en-US'), `${L}: the messages card = the API's total`, msgs);
    const rows = await domainsShown(page);
    ok(rows.length === 50, `${L}: 50 rows on the first page`, String(rows.length));
    ok(await page.textContent('#page-info') === tr('page_of', { page: 1, pages: 2 }), `${L}: page 1 of 2`, await page.textContent('#page-info'));
    ok(await page.$$eval('#ov-table svg.spark', s => s.length) === 50, `${L}: a sparkline per row`);
    const heads = await page.$$eval('#ov-table th', t => t.map(x => x.textContent));
    ok(heads.includes(tr('ov.last_report')) && heads.includes(tr('stats.next_step')), `${L}: the headers in the language`, heads.join('|'));
    ok(await page.$('th[data-col=tenant]') === null, `${L}: no tenant column without tenants`);
    await shot(page, 'overview', L);
  });
  await check(`${L}: the next step from the readiness`, async () => {
    await open(page, '#/overview?sort=next_step&dir=asc&' + R, 'overview');
    const api1 = await api('overview?sort=next_step&dir=asc&per_page=50&' + R);
    const cells = await page.$$eval('#ov-table tbody tr', rs => rs.map(r => {
      const a = r.querySelector('td.next a.ov-next');
      const lv = r.querySelector('td.next .ready-level');
      return { d: r.dataset.domain, text: a && a.textContent, title: a && a.title, href: a && a.getAttribute('href'),
        level: lv && lv.textContent };
    }));
    const bad = [];
    api1.rows.forEach((r, i) => {
      const c = cells[i] || {};
      const lv = tr('ov.ready.' + r.ready.level, { n: 14 });
      const want = r.ready.record ? tr('ready.next') + ': ' + r.ready.record : tr('ov.ready.current') + ': ' + r.ready.current;
      if (c.d !== r.domain || c.text !== tr('ov.step.' + r.next_step) || !c.level.startsWith(lv) || c.title !== want ||
          c.href !== '#/ready?domain=' + encodeURIComponent(r.domain) + '&since=2026-11-01&until=2026-11-30')
        bad.push(JSON.stringify([c, r.next_step, r.ready]));
    });
    ok(cells.length === 50 && bad.length === 0, `${L}: each row: the step's label, the level under it, the record on hover, the readiness link`, bad.slice(0, 2).join(' / '));
    const steps = new Set(api1.rows.map(r => r.next_step));
    ok(api1.rows[0].next_step === 'fix_senders' && steps.size >= 2, `${L}: sorted by the next step: fix_senders first`, [...steps].join());
    const below = cells.find((c, i) => api1.rows[i].ready.level === 'below_threshold');
    const bi = cells.indexOf(below);
    ok(below && below.level.endsWith('%') && below.level.includes(String(api1.rows[bi].ready.aligned_pct).split('.')[0]) &&
      await page.$eval(`#ov-table tbody tr:nth-child(${bi + 1}) .ready-level`, e => e.title).then(x => x.includes('99.5')),
      `${L}: a domain below the threshold shows its aligned share (the threshold on hover)`, below && below.level);
    await shot(page, 'overview-next', L);
    const d = cells[0].d;
    await redraw(page, 'ready', () => page.click('#ov-table tbody tr a.ov-next'));
    const u = new URLSearchParams(new URL(page.url()).hash.split('?')[1]);
    ok(u.get('domain') === d && u.get('since') === '2026-11-01' && (await page.textContent('h1')).includes(d) &&
      await page.$eval('#ptab-ready', e => e.classList.contains('on')), `${L}: the step opens ${d}'s readiness screen for the period`, page.url());
    const rd = await api('readiness?domain=' + encodeURIComponent(d) + '&since=2026-11-01&until=2026-11-30');
    ok(rd.verdict.step === api1.rows[0].next_step && rd.next.step === api1.rows[0].ready.step && await page.$eval('#ready-step', e => e.dataset.step) === rd.next.step,
      `${L}: the readiness screen's record step = the overview's ladder step (${rd.next.step})`, JSON.stringify(rd.verdict));
  });
  await check(`${L}: search`, async () => {
    await open(page, '#/overview?' + R, 'overview');
    const q = all.rows[7].domain.split('-')[1];
    await redraw(page, 'overview', () => page.fill('#ov-q', q));
    const rows = await domainsShown(page);
    const want = all.rows.filter(r => r.domain.includes(q)).length;
    ok(rows.length === Math.min(50, want) && rows.every(d => d.includes(q)), `${L}: typing "${q}" narrows to ${want} domains`, rows.join());
    ok(new URL(page.url()).hash.includes('q=' + q), `${L}: the search is in the address`);
  });
  await check(`${L}: sort`, async () => {
    await open(page, '#/overview?' + R, 'overview');
    await redraw(page, 'overview', () => page.click('th[data-col=spoofing] a'));
    const cell = async () => page.$$eval('#ov-table tbody tr', rs => rs.map(r => Number(r.children[5].textContent.replace(/[^0-9]/g, ''))));
    let v = await cell();
    ok(v.length === 50 && v.every((x, i) => i === 0 || v[i - 1] >= x) && v[0] === Math.max(...all.rows.map(r => r.spoofing)),
      `${L}: spoofing, most first`, v.slice(0, 6).join());
    await redraw(page, 'overview', () => page.click('th[data-col=spoofing] a'));
    v = await cell();
    ok(v.every((x, i) => i === 0 || v[i - 1] <= x), `${L}: again: fewest first`, v.slice(0, 6).join());
    await redraw(page, 'overview', () => page.click('th[data-col=domain] a'));
    const d = await domainsShown(page);
    ok(d.join() === [...all.rows.map(r => r.domain)].sort().slice(0, 50).join(), `${L}: by domain, A to Z`, d.slice(0, 3).join());
  });
  await check(`${L}: filter`, async () => {
    await open(page, '#/overview?' + R, 'overview');
    await redraw(page, 'overview', () => page.click('#ov-f-spoofed'));
    const rows = await domainsShown(page);
    const want = all.rows.filter(r => r.flags.includes('spoofed')).map(r => r.domain).sort();
    ok(rows.slice().sort().join() === want.slice(0, 50).join() || (rows.length === want.length && rows.every(x => want.includes(x))),
      `${L}: the spoofed chip: the ${want.length} spoofed domains`, rows.length + ' vs ' + want.length);
    ok(await page.$eval('#ov-f-spoofed', e => e.classList.contains('on')), `${L}: the chip shows it is on`);
    const badges = await page.$$eval('#ov-table tbody tr', rs => rs.every(r => r.querySelector('.flag-spoofed')));
    ok(badges, `${L}: every row carries the spoofed flag`);
    await shot(page, 'overview-filter', L);
    await redraw(page, 'overview', () => page.click('#ov-f-spoofed'));
    ok((await domainsShown(page)).length === 50, `${L}: the chip again: the filter is off`);
  });
  await check(`${L}: paging`, async () => {
    await open(page, '#/overview?' + R, 'overview');
    const first = await domainsShown(page);
    await redraw(page, 'overview', () => page.click('#page-next'));
    const second = await domainsShown(page);
    ok(second.length === all.total - 50 && second.every(d => !first.includes(d)), `${L}: page 2: the other ${all.total - 50}`, second.length);
    ok(await page.textContent('#page-info') === tr('page_of', { page: 2, pages: 2 }), `${L}: page 2 of 2`);
  });
  await check(`${L}: a domain's statistics`, async () => {
    await open(page, '#/overview?' + R, 'overview');
    const d = await page.$eval('#ov-table tbody tr a.ov-domain', a => a.textContent);
    await redraw(page, 'stats', () => page.click('#ov-table tbody tr a.ov-domain'));
    const u = new URL(page.url());
    const p = new URLSearchParams(u.hash.split('?')[1]);
    ok(p.get('domain') === d && p.get('since') === '2026-11-01' && p.get('until') === '2026-11-30', `${L}: the link opens ${d}'s statistics for the period`, u.hash);
    ok((await page.textContent('h1')).includes(d), `${L}: the statistics screen names it`);
    ok(await page.isVisible('#domain-pick'), `${L}: the domain picker is back`);
  });
  await check(`${L}: the domain picker`, async () => {
    await open(page, '#/stats?domain=' + all.rows[0].domain + '&' + R, 'stats');
    ok(await page.inputValue('#domain') === all.rows[0].domain, `${L}: the picker shows the domain`);
    await page.click('#domain');
    const n0 = await page.$$eval('#domain-list li[data-domain]', l => l.length);
    ok(n0 === 50 && await page.isVisible('#domain-more'), `${L}: opened: the first 50 of 80 and how many more`, String(n0));
    const target = all.rows[11].domain;
    await page.fill('#domain', target.slice(0, -3));
    const opts = await page.$$eval('#domain-list li[data-domain]', l => l.map(x => x.dataset.domain));
    ok(opts.length >= 1 && opts.every(x => x.includes(target.slice(0, -3))) && opts.includes(target), `${L}: typing narrows the list`, opts.join());
    await page.fill('#domain', target);
    await redraw(page, 'stats', async () => { await page.keyboard.press('ArrowDown'); await page.keyboard.press('Enter'); });
    ok(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('domain') === target, `${L}: arrow and Enter pick ${target}`, page.url());
    await page.click('#domain');
    await page.fill('#domain', 'no-such-domain-zz');
    ok(await page.isVisible('#domain-none'), `${L}: no match: said so`);
    await shot(page, 'picker', L);
    await page.keyboard.press('Escape');
    ok(await page.inputValue('#domain') === target && await page.isHidden('#domain-list'), `${L}: Escape puts the domain back`);
  });
  await page.close();
}
ok(problems.length === 0, 'no page errors, console errors or CSP violations', problems.join(' | '));
await browser.close();
finish();
