// demo.mjs BASE_URL "SPOOFER_IP ..." [--shots DIR] - browser checks of the
// `make run` demo in real Chromium (Debian's /usr/bin/chromium driven by
// playwright-core), against a portal tests/demo.sh started on a DB that
// scripts/run-demo.sh filled.  The default view (the last 30 days of the
// first domain) is what a new user sees, so that is what is checked:
//   - the world map colours at least 5 countries;
//   - the statistics screen warns about spoofing, and the daily chart of the
//     90-day view shows none in its first part and some at its end;
//   - the host page of every spoofer: no fact is "–", the demo-data badge,
//     the total mail, "not registered", the whois summary and the small map
//     with the host's country; a registered host says how it is registered;
//   - the same in Japanese; no page error and no CSP violation anywhere.
// With --shots DIR: demo-host-{ja,en}.png, demo-host-registered-{ja,en}.png,
// demo-map-{ja,en}.png and demo-stats-90d-{ja,en}.png.
// Prints one line per check and a closing "N passed, N failed".
import { ok, check, finish, launch, newPage as libPage } from './lib.mjs';
import path from 'node:path';

const BASE = process.argv[2];
const SPOOFERS = (process.argv[3] || '').split(/\s+/).filter(Boolean);
const shotsAt = process.argv.indexOf('--shots');
const SHOTS = shotsAt > 0 ? process.argv[shotsAt + 1] : null;
const DOMAIN = 'example.co.jp';
const problems = [];

const browser = await launch();

const newPage = locale => libPage(browser, problems, { locale });

// The portal is one page: a new hash redraws it, so the old screen's
// "ready" mark is cleared first and only the new screen's counts.
async function open(page, hash, screen) {
  await page.evaluate(() => { if (document.body) document.body.dataset.ready = ''; }).catch(() => {});
  await page.goto(BASE + '/' + hash);
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 20000 });
}

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}

// The facts of the host page's "Host facts" list, as [label, text] pairs.
const facts = page => page.$$eval('#host-facts dl.facts dt', dts => dts.map(dt =>
  [dt.textContent.trim(), dt.nextElementSibling ? dt.nextElementSibling.textContent.trim() : '']));

for (const [locale, L] of [['en-US', 'en'], ['ja-JP', 'ja']]) {
  const page = await newPage(locale);

  await check(L + ': world map', async () => {
    await open(page, `#/map?domain=${DOMAIN}`, 'map');
    const coloured = await page.$$eval('#worldmap path.has-data', ps =>
      [...new Set(ps.filter(p => p.getAttribute('fill') !== '#e6e8eb').map(p => p.dataset.cc))]);
    ok(coloured.length >= 5, L + ': map colours at least 5 countries', coloured.join(' '));
    const rows = await page.$$eval('#countries tbody tr', trs => trs.map(tr => tr.children[0].textContent));
    ok(!rows.some(r => /unknown|不明/.test(r)), L + ': no "(unknown)" country row', rows.join(' '));
    await shot(page, `demo-map-${L}.png`);
  });

  await check(L + ': statistics tell the spoofing story', async () => {
    await open(page, `#/stats?domain=${DOMAIN}`, 'stats');
    ok(await page.$('#spoof-banner') !== null, L + ': spoofing banner in the default view');
    const until = await page.inputValue('#until');
    const since = new Date(Date.parse(until + 'T00:00:00Z') - 89 * 86400e3).toISOString().slice(0, 10);
    const s = await page.evaluate(async q => (await fetch('/api/v1/stats?' + q)).json(),
      `domain=${DOMAIN}&since=${since}&until=${until}`);
    const d = s.daily || [];
    const sp = d.map(x => x.spoofing_suspected || 0);
    ok(d.length === 90, L + ': the 90-day view is full', d.length);
    ok(sp.slice(0, 20).every(x => x === 0) && sp.slice(-20).every(x => x > 0), L + ': spoofing starts mid-period',
      sp.join(','));
    await open(page, `#/stats?domain=${DOMAIN}&since=${since}&until=${until}`, 'stats');
    ok(await page.$('#daily-chart canvas') !== null, L + ': 90-day chart drawn');
    await shot(page, `demo-stats-90d-${L}.png`);
  });

  await check(L + ': host pages of the spoofers', async () => {
    for (const ip of SPOOFERS) {
      await open(page, `#/host/${encodeURIComponent(ip)}?domain=${DOMAIN}`, 'host');
      await page.waitForSelector('#host-map path.has-data', { timeout: 20000 });
      const f = await facts(page);
      const dash = f.filter(([, v]) => v === '' || v === '–' || v.startsWith('–'));
      ok((await page.textContent('#host-ip')) === ip, `${L} ${ip}: its page`);
      ok(f.length >= 10 && dash.length === 0, `${L} ${ip}: no host fact is "–"`, JSON.stringify(dash.length ? dash : f.length));
      ok(await page.$('#host-demo.badge') !== null, `${L} ${ip}: demo data badge`);
      ok(/^\d[\d,]*/.test((await page.textContent('#host-total')).trim()) &&
        Number((await page.textContent('#host-total strong')).replace(/,/g, '')) > 0, `${L} ${ip}: total mail`);
      const reg = (await page.textContent('#host-registered')).trim();
      ok(reg === (L === 'ja' ? '未登録' : 'Not registered'), `${L} ${ip}: My Senders state`, reg);
      const who = (await page.textContent('#host-whois')).trim();
      ok(who.length > 5 && !who.startsWith('–'), `${L} ${ip}: whois summary`, who);
      const lk = (await page.textContent('#host-lookups')).trim();
      ok(!/\b(ptr|geo|asn|rdap|ok|none|nxdomain|listed|not_listed)\b/.test(lk.split(':').slice(1).join(':')) &&
        (L !== 'ja' || lk.includes('調査済み')), `${L} ${ip}: lookup states in words`, lk);
      const zs = await page.$$eval('#host-dnsbl-table tbody td:nth-child(2)', tds => tds.map(td => td.textContent));
      ok(zs.length > 0 && zs.every(z => !/_/.test(z)), `${L} ${ip}: DNSBL states in words`, zs.join(' '));
      const cc = await page.$eval('#host-map path.has-data', p => p.dataset.cc);
      ok((await page.textContent('#host-country')).includes('(' + cc + ')') &&
        await page.$('#host-map-marker') !== null, `${L} ${ip}: small map shows its country`, cc);
    }
    await shot(page, `demo-host-${L}.png`);
  });

  await check(L + ': a registered host', async () => {
    await open(page, `#/host/160.16.104.12?domain=${DOMAIN}`, 'host');
    const reg = (await page.textContent('#host-registered')).trim();
    ok(reg.includes(L === 'ja' ? '自社の送信元として登録済み' : 'Registered as internal') && reg.includes('160.16.104.0/28'),
      L + ': registered host: kind and rule', reg);
    await page.waitForSelector('#host-map path.has-data', { timeout: 20000 });
    ok((await page.$eval('#host-map path.has-data', p => p.dataset.cc)) === 'JP', L + ': registered host on the map in JP');
    const f = await facts(page);
    ok(f.every(([, v]) => v && v !== '–'), L + ': registered host: every fact known', JSON.stringify(f));
    await shot(page, `demo-host-registered-${L}.png`);
  });

  const csp = await page.evaluate(() => window.__csp || []);
  ok(csp.length === 0, L + ': no CSP violation', csp.join('; '));
  await page.context().close();
}

ok(problems.length === 0, 'no page errors', problems.slice(0, 5).join(' | '));
await browser.close();
finish();
