// safety.mjs BASE_URL - hostile failure reports in real Chromium (issue 13,
// "What must be shown"): the Email Threats list and the sample view of the
// reports of tests/kinds/cases/hostile-* (a <script> in the subject, an HTML
// body with <script>, onerror= and a meta refresh, javascript: / data: /
// user@host URLs, an attachment named invoice.pdf.exe) are loaded, in
// Japanese and English, and nothing of them runs, loads or navigates:
//   - no dialog (alert/confirm/prompt are trapped in the page and by the
//     browser's dialog event), no page error;
//   - no Content-Security-Policy violation (securitypolicyviolation
//     listener, and the console);
//   - no request leaves the portal's origin (img.evil.example,
//     refresh.example.org...) and the page never navigates away;
//   - no <script>, <img>, <iframe>, <object>, <embed>, <form> (but the
//     filters) or on*= attribute in the screen, no link but the portal's
//     own (#/..., the CSV download), and
//     the markup shows as text (the subject "<script>alert(1)..." is read
//     on the screen as written);
//   - downloading invoice.pdf.exe is a download (after the confirmation),
//     not a page; without confirm=1 the server refuses it.
// A control at the end injects an inline handler itself and checks that
// the listeners see it, so a silent detector cannot pass this test.
// Prints one line per check and a closing "N passed, N failed".
import { ok, check, finish, launch, newPage as libPage } from './lib.mjs';

const BASE = process.argv[2];
const ORIGIN = new URL(BASE).origin;
const Q = 'domain=example.com&since=2024-01-01&until=2024-01-31';
const browser = await launch();

async function api(p) {
  const r = await fetch(BASE + '/api/v1/' + p);
  if (!r.ok) throw new Error(p + ': HTTP ' + r.status);
  return r.json();
}

// A page with every detector attached; problems and events land in `seen`.
async function trapped(locale, zone, seen) {
  const page = await libPage(browser, seen.problems, { locale, timezoneId: zone, width: 1280, height: 900, acceptDownloads: true });
  page.on('dialog', d => { seen.dialogs.push(d.type() + ': ' + d.message()); d.dismiss().catch(() => {}); });
  page.on('request', r => { if (!r.url().startsWith(ORIGIN + '/')) seen.requests.push(r.url()); });
  page.on('console', m => { if (/Content Security Policy|Refused to/i.test(m.text())) seen.csp.push('console: ' + m.text()); });
  page.on('framenavigated', f => { if (f === page.mainFrame() && !f.url().startsWith(ORIGIN + '/')) seen.navigations.push(f.url()); });
  page.on('popup', p => seen.navigations.push('popup: ' + p.url()));
  await page.addInitScript(() => {
    window.__ran = [];
    for (const k of ['alert', 'confirm', 'prompt', 'print', 'open'])
      window[k] = (...a) => { window.__ran.push(k + '(' + a.join(',') + ')'); };
  });
  return page;
}

async function open(page, hash, screen) {
  if (page.url().startsWith(BASE)) await page.evaluate(() => { document.body.dataset.ready = ''; });
  await page.goto(BASE + '/' + hash);
  await page.waitForFunction(s => document.body.dataset.ready === s, screen, { timeout: 15000 });
  await page.waitForTimeout(300);	// anything deferred (onerror of an image, a refresh) has its chance
}

// What is in the screen that must not be.
function inert(page) {
  return page.evaluate(() => {
    const main = document.querySelector('#main');
    const bad = [];
    for (const el of main.querySelectorAll('script, img, iframe, object, embed, form, meta, link, base, svg, style'))
      if (!(el.tagName === 'FORM' && el.id === 'filters')) bad.push('<' + el.tagName.toLowerCase() + '>');	// the portal's own filters
    for (const el of main.querySelectorAll('*'))
      for (const a of el.attributes) if (/^on/i.test(a.name) || /^\s*(javascript|data|vbscript):/i.test(a.value)) bad.push(el.tagName + '[' + a.name + ']');
    for (const a of main.querySelectorAll('a[href]'))
      if (!/^(#\/|\/api\/v1\/threats\.csv\?)/.test(a.getAttribute('href'))) bad.push('a[href=' + a.getAttribute('href') + ']');
    for (const s of document.scripts)
      if (!/^\/(js|vendor)\//.test(s.getAttribute('src') || '')) bad.push('script ' + (s.src || s.textContent.slice(0, 40)));
    if (/<(script|img|iframe)\b|\sonerror=/i.test(main.innerHTML)) bad.push('markup in the screen');
    return { bad, ran: window.__ran, csp: window.__csp || [] };
  });
}

const all = await api(`threats?${Q}&kind=all&per_page=100`);
const pick = re => all.rows.find(r => re.test(r.subject || ''));
const HOSTILE = [
  ['script-subject', pick(/<script>alert\(1\)<\/script>/)],
  ['html-onerror', pick(/^Account notice$/)],
  ['javascript-url', pick(/^Click$/)],
  ['attachment-exe', pick(/^Invoice 2024-001$/)],
];
ok(HOSTILE.every(([, r]) => r), 'the four hostile failure reports are stored and listed',
  HOSTILE.filter(([, r]) => !r).map(([n]) => n).join(','));

for (const [L, locale, zone] of [['ja', 'ja-JP', 'Asia/Tokyo'], ['en', 'en-US', 'UTC']]) {
  await check(`hostile ${L}`, async () => {
    const seen = { problems: [], dialogs: [], requests: [], csp: [], navigations: [] };
    const page = await trapped(locale, zone, seen);
    await open(page, `#/threats?${Q}&kind=all`, 'threats');
    let st = await inert(page);
    ok(st.bad.length === 0, `${L} list: nothing active in the list of hostile reports`, st.bad.slice(0, 5).join(' '));
    const subj = await page.$$eval('#threats-table td.subject a', as => as.map(a => a.textContent));
    ok(subj.includes('<script>alert(1)</script> Your invoice'), `${L} list: the <script> subject shown as text`, subj.slice(0, 3).join(' | '));
    for (const [name, r] of HOSTILE) {
      if (!r) continue;
      await open(page, `#/threat/${r.id}?${Q}`, 'threat');
      st = await inert(page);
      ok(st.bad.length === 0, `${L} ${name}: nothing active in the sample view`, st.bad.slice(0, 5).join(' '));
      ok(await page.$('#malware-warning') !== null, `${L} ${name}: the malware warning`);
      const text = await page.evaluate(() => document.querySelector('#main').innerText);
      ok(!/\bhttps?:\/\/|javascript:alert/i.test(text), `${L} ${name}: no working URL on the screen (all defanged)`,
        (text.match(/\bhttps?:\/\/\S+|javascript:\S+/i) || [''])[0]);
      if (name === 'script-subject')
        ok((await page.textContent('#threat-subject')) === '<script>alert(1)</script> Your invoice', `${L} ${name}: the subject is text`);
      if (name === 'html-onerror') {
        ok(await page.$('#html-note') !== null && !/alert\(document\.cookie\)/.test(text), `${L} ${name}: the HTML body is not shown`);
        const urls = await page.$$eval('#threat-urls td.defanged', tds => tds.map(td => td.textContent));
        ok(urls.includes('hxxp://img[.]evil[.]example/x.png') && urls.length === 6, `${L} ${name}: its URLs listed defanged`, urls.join(' '));
      }
      if (name === 'javascript-url') {
        const urls = await page.$$eval('#threat-urls td.defanged', tds => tds.map(td => td.textContent));
        ok(urls.includes("javascript[:]alert('x')") && urls.some(u => u.startsWith('data[:]')), `${L} ${name}: javascript: and data: URLs as text`, urls.join(' '));
      }
      if (name === 'attachment-exe') {
        ok((await page.textContent('#threat-attachments')).includes('invoice.pdf.exe'), `${L} ${name}: invoice.pdf.exe listed`);
        await page.click('#threat-attachments tr[data-index="0"] .att-download');
        await page.waitForSelector('#att-confirm[open]');
        const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#att-confirm-ok')]);
        ok(dl.suggestedFilename().endsWith('.exe') && page.url().startsWith(BASE + '/#/threat/'), `${L} ${name}: a download, the page stays`, dl.suggestedFilename());
        const href = new URL(dl.url());
        href.searchParams.delete('confirm');
        const r0 = await fetch(href);
        ok(r0.status === 400 && (await r0.json()).error === 'confirm_required', `${L} ${name}: without confirm=1 the server refuses`, r0.status);
        st = await inert(page);
        ok(st.bad.length === 0, `${L} ${name}: still nothing active after the download`, st.bad.join(' '));
      }
    }
    st = await inert(page);
    ok(st.ran.length === 0 && seen.dialogs.length === 0, `${L}: no script of a report ran (no alert/confirm/prompt/open, no dialog)`,
      st.ran.concat(seen.dialogs).join(' '));
    ok(st.csp.length === 0 && seen.csp.length === 0, `${L}: no CSP violation`, st.csp.concat(seen.csp).slice(0, 3).join(' '));
    ok(seen.requests.length === 0, `${L}: no request left the portal`, seen.requests.slice(0, 3).join(' '));
    ok(seen.navigations.length === 0, `${L}: the page never navigated away`, seen.navigations.join(' '));
    ok(seen.problems.filter(p => !/Failed to load resource.*400/.test(p)).length === 0, `${L}: no page or console error`, seen.problems.slice(0, 3).join(' | '));
    await page.context().close();
  });
}

// The control: the detectors see what they are there to see.
await check('control', async () => {
  const seen = { problems: [], dialogs: [], requests: [], csp: [], navigations: [] };
  const page = await trapped('en-US', 'UTC', seen);
  await open(page, `#/threats?${Q}&kind=all`, 'threats');
  await page.evaluate(() => {
    const d = document.createElement('div');
    d.innerHTML = '<img src="/favicon.svg?x" onerror="alert(1)" onload="alert(2)">';
    document.querySelector('#main').append(d);
  });
  await page.waitForTimeout(500);
  const st = await inert(page);
  ok(st.bad.length > 0, 'control: an injected <img onerror> is found in the screen', st.bad.join(' '));
  ok(st.csp.length > 0 || seen.csp.length > 0, 'control: its inline handler is a CSP violation the listener sees', st.csp.concat(seen.csp).join(' '));
  await page.evaluate(() => window.alert('x'));
  ok((await inert(page)).ran.length === 1, 'control: a call to alert() is caught');
  await page.context().close();
});

await browser.close();
finish();
