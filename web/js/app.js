// app.js - the portal's shell: the hash router (#/screen/arg?params), the
// domain and date-range pickers shared by every screen, the language
// switch, the time-zone picker (dom.js formats every time in it), and live
// updates (polls /api/v1/version every second and redraws
// the open screen when the data changed).
// Exports: nothing (entry point).  Screens live in screens/*.js and export
// render(ctx).

import { h, clear, addDays, dayStr, qs, initZone, tz, setTz, tzLabel, fmtTime, browserZone } from './dom.js';
import { loadI18n, t, lang, setLang, applyStatic } from './i18n.js';
import { get } from './api.js';
import { disposeCharts } from './charts.js';
import * as stats from './screens/stats.js';
import * as overview from './screens/overview.js';
import { initPicker, setPicker } from './picker.js';
import * as mail from './screens/mail.js';
import * as senders from './screens/senders.js';
import * as host from './screens/host.js';
import * as map from './screens/map.js';
import * as record from './screens/record.js';
import * as reports from './screens/reports.js';
import * as threats from './screens/threats.js';
import * as threat from './screens/threat.js';
import * as urls from './screens/urls.js';
import * as tls from './screens/tls.js';
import * as account from './account.js';
import * as alerts from './screens/alerts.js';
import * as alertsettings from './screens/alertsettings.js';
import * as check from './screens/check.js';
import * as spoofers from './screens/spoofers.js';
import * as ready from './screens/ready.js';
import * as fixes from './screens/fixes.js';
import { refreshBell } from './bell.js';

const screens = { overview, stats, mail, senders, map, reports, host, record, report: reports, threats, threat, urls, tls, alerts, alertsettings, check, spoofers, ready, fixes };
Object.assign(screens, account.screens);	// users, tokens, audit, password (account.js)
// the domains overview comes first, for a user who sees more than one domain
const navItems = ['overview', 'stats', 'mail', 'senders', 'threats', 'tls', 'check', 'map', 'reports', 'alerts'];
// a screen under another's nav item
const navParent = { report: 'reports', threat: 'threats', urls: 'threats', spoofers: 'threats', alertsettings: 'alerts', ready: 'check', fixes: 'check' };
let domains = [];
let meta = { max_range_days: 90 };
let version = null;
let drawing = 0;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query] = raw.split('?');
  // the landing page: the domains overview when there is more than one domain
  const home = domains.length > 1 ? 'overview' : 'stats';
  const parts = (path || home).split('/');
  const params = Object.fromEntries(new URLSearchParams(query || ''));
  return { screen: screens[parts[0]] ? parts[0] : home, arg: parts.slice(1).map(decodeURIComponent).join('/'), params };
}

// go('mail', '', {class: 'x'}) keeps domain and range unless overridden.
export function go(screen, arg, params, keepOthers) {
  const cur = parseHash();
  const base = { domain: cur.params.domain, since: cur.params.since, until: cur.params.until };
  const p = Object.assign(keepOthers ? cur.params : base, params || {});
  location.hash = '#/' + screen + (arg ? '/' + encodeURIComponent(arg) : '') + (Object.keys(p).length ? '?' + qs(p) : '');
}

export function link(screen, arg, params) {
  const cur = parseHash();
  const p = Object.assign({ domain: cur.params.domain, since: cur.params.since, until: cur.params.until }, params || {});
  return '#/' + screen + (arg ? '/' + encodeURIComponent(arg) : '') + '?' + qs(p);
}

function defaults(params, screen) {
  const out = Object.assign({}, params);
  if (!out.domain && domains.length) out.domain = domains[0].domain;
  const d = domains.find(x => x.domain === out.domain);
  // the overview's period ends with the newest report of any domain
  const last = screen === 'overview' ? domains.reduce((m, x) => Math.max(m, x.last_end || 0), 0) : d && d.last_end;
  if (!out.until) out.until = (last && dayStr(last)) || new Date().toISOString().slice(0, 10);
  if (!out.since) out.since = addDays(out.until, -29);
  return out;
}

function drawNav(screen) {
  const nav = clear(document.getElementById('nav'));
  for (const s of navItems.filter(x => x !== 'overview' || domains.length > 1))
    nav.append(h('a', { href: link(s), class: s === screen || navParent[screen] === s ? 'on' : null, id: 'nav-' + s }, t('nav.' + s)));
}

function drawPickers(p, screen) {
  // the overview is every domain: no domain picker there
  document.getElementById('domain-pick').hidden = screen === 'overview';
  setPicker(domains, p.domain);
  document.getElementById('since').value = p.since;
  document.getElementById('until').value = p.until;
  for (const b of document.querySelectorAll('#lang button')) b.classList.toggle('on', b.dataset.lang === lang());
  drawZones();
}

// The zone picker: the current zone, the browser's, Tokyo and UTC first,
// then every zone the browser knows.
function drawZones() {
  const sel = document.getElementById('tz');
  const first = [tz(), browserZone(), 'Asia/Tokyo', 'UTC'];
  let all = [];
  try { all = Intl.supportedValuesOf('timeZone'); } catch (e) { /* older browsers: the first four */ }
  const top = [...new Set(first)];
  const opt = z => h('option', { value: z, selected: z === tz() }, z === tz() ? z + ' (' + tzLabel() + ')' : z);
  clear(sel).append(...top.map(opt), h('option', { disabled: true }, '──────────'),
    ...all.filter(z => !top.includes(z)).map(opt));
}

async function draw(live) {
  const my = ++drawing;
  const cur = parseHash();
  const p = defaults(cur.params, cur.screen);
  if (p.domain !== cur.params.domain || p.since !== cur.params.since || p.until !== cur.params.until) {
    history.replaceState(null, '', '#/' + cur.screen + (cur.arg ? '/' + encodeURIComponent(cur.arg) : '') + '?' + qs(Object.assign({}, cur.params, p)));
  }
  applyStatic(document);
  drawNav(cur.screen);
  account.drawHeader(cur.screen);
  drawPickers(p, cur.screen);
  refreshBell();
  const main = document.getElementById('main');
  const after = [];
  const ctx = { screen: cur.screen, arg: cur.arg, p, meta, domains, go, link, live,
    stale: () => my !== drawing, after: fn => after.push(fn), redraw: () => draw(true) };
  const box = h('div', { class: 'screen', id: 'screen-' + cur.screen });
  try {
    await screens[cur.screen].render(box, ctx);
  } catch (e) {
    box.append(h('p', { class: 'error' }, t('error') + ': ' + e.message));
  }
  if (my !== drawing) return;
  const y = window.scrollY;
  disposeCharts();
  clear(main).append(box);
  for (const fn of after) fn();
  if (live) window.scrollTo(0, y);
  document.body.dataset.ready = cur.screen;
}

function rangeChanged() {
  const since = document.getElementById('since').value;
  const until = document.getElementById('until').value;
  if (since && until) go(parseHash().screen, parseHash().arg, { since, until, page: '' }, true);
}

async function poll() {
  try {
    const v = (await get('version')).version;
    if (version !== null && v !== version) {
      domains = await get('domains');
      version = v;
      document.getElementById('live').textContent = t('live.updated', { time: fmtTime(Date.now() / 1000) + ' ' + tzLabel() });
      draw(true);
    }
    version = v;
  } catch (e) { /* server restarting: try again */ }
  setTimeout(poll, 1000);
}

async function main() {
  await loadI18n();
  initZone(lang());
  await account.start();	// the login form first when users exist and nobody is logged in
  [meta, domains] = await Promise.all([get('meta'), get('domains')]);
  initPicker(document.getElementById('domain'), document.getElementById('domain-list'),
    d => go(parseHash().screen, parseHash().arg, { domain: d, page: '' }, true));
  document.getElementById('since').addEventListener('change', rangeChanged);
  document.getElementById('until').addEventListener('change', rangeChanged);
  for (const b of document.querySelectorAll('.presets button'))
    b.addEventListener('click', () => {
      const until = document.getElementById('until').value;
      go(parseHash().screen, parseHash().arg, { since: addDays(until, -(Number(b.dataset.days) - 1)), until, page: '' }, true);
    });
  for (const b of document.querySelectorAll('#lang button'))
    b.addEventListener('click', () => { setLang(b.dataset.lang); initZone(lang()); draw(false); });
  document.getElementById('tz').addEventListener('change', e => { setTz(e.target.value); draw(false); });
  window.addEventListener('hashchange', () => draw(false));
  await draw(false);
  poll();
}

main();
