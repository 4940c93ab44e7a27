// host.js - the Host drill-down: an overview (its mail in the period, whether
// My Senders registers it, the whois summary, and where it is on a small
// map), then reverse DNS and whether it is forward-confirmed, DNSBL listings,
// country and ASN, whois (RDAP) and the abuse contact, as far as enrichment
// found them; its messages over time (stacked by class), its records in
// the period and the failure reports from it when there are any.  A negative answer is said in words ("no PTR"), "–" is only
// for what was never looked up.  Facts from the demo's servers (make run:
// host.demo) carry a "demo data" badge.
// Data: GET /api/v1/hosts/IP (failure_reports: {count, recent}), /api/v1/records?ip=IP.
// Exports: render.

import { h, fmtInt, dayStr } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';
import { chart, classColors } from '../charts.js';
import { mailTable, pager } from './mail.js';
import { smallMap, regionName } from './map.js';
import { failureList } from './threats.js';

const CLASSES = ['normal', 'forwarded', 'auth_failure', 'spoofing_suspected'];

function show(v) {
  if (v === null || v === undefined || v === '') return '–';
  if (typeof v === 'object') return h('pre', { class: 'json' }, JSON.stringify(v, null, 2));
  return String(v);
}

const NEGATIVE = new Set(['nxdomain', 'nodata', 'none', 'notfound']);

// A fact, or what its lookup said when there is none: '–' never looked up,
// the `neg` text for a definitive "nothing", the state for a failure.
function fact(v, lookup, neg) {
  if (v !== null && v !== undefined && v !== '') return show(v);
  const st = lookup && lookup.state;
  if (!st) return '–';
  return NEGATIVE.has(st) ? t(neg) : t('host.lookup_failed', { state: st });
}

// A lookup's kind and state in words (the API's names are internal).
function lookupWord(k) {
  const key = 'host.lookup.' + k;
  const w = t(key);
  return w === key ? k : w;
}
function stateWord(st) {
  if (!st) return t('host.state.pending');
  const key = 'host.state.' + st;
  const w = t(key);
  return w === key ? st : w;
}

function demoBadge(id) {
  return h('span', { class: 'badge demo', id, title: t('host.demo_note') }, t('host.demo'));
}

// The My Senders state for the screen's domain (every domain without one).
function registered(host, recs, domain) {
  const rules = (host.senders || []).filter(s => !domain || s.policy_domain === domain);
  if (rules.length) {
    return rules.map(s => h('div', { class: 'sender-rule' },
      h('span', { class: 'v v-pass' }, t('host.registered_' + s.kind)), ' ',
      domain ? '' : s.policy_domain + ' ', h('span', { class: 'muted' }, '(' + t('host.rule_' + s.match_type) + ': ',
        h('span', { class: 'mono' }, s.value), s.note ? ' — ' + s.note : '', ')')));
  }
  // a DKIM rule matches messages, not hosts: the records of the period say it
  // (and say it alone when the host's rules are not known)
  const k = Math.max(0, ...(recs.rows || []).map(r => Number(r.sender_kind) || 0));
  if (k > 0) return h('span', { class: 'v v-pass' }, t(k === 1 ? 'host.registered_internal' : 'host.registered_third_party'), ' ',
    h('span', { class: 'muted' }, '(' + t(Array.isArray(host.senders) ? 'host.rule_dkim' : 'host.rule_records') + ')'));
  return h('span', { class: 'v' }, t('host.not_registered'));
}

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  const ip = ctx.arg;
  const [d, recs] = await Promise.all([
    get('hosts/' + encodeURIComponent(ip), { domain: p.domain, since: p.since, until: p.until }),
    get('records', { domain: p.domain, since: p.since, until: p.until, ip, page: p.page || 1, per_page: 25, sort: 'date', dir: 'desc' }),
  ]);
  const host = d.host || {};
  const lk = host.lookups || {};
  box.append(h('h1', null, t('host.title'), ' ', h('span', { class: 'mono', id: 'host-ip' }, ip),
    host.demo ? [' ', demoBadge('host-demo')] : null));
  if (host.demo) box.append(h('p', { class: 'banner', id: 'host-demo-note' }, t('host.demo_note')));

  // overview: mail, registration, whois, place
  const total = d.daily.reduce((a, x) => a + (x.messages || 0), 0);
  const spoof = d.daily.filter(x => x.class_name === 'spoofing_suspected').reduce((a, x) => a + (x.messages || 0), 0);
  const rd = host.rdap;
  const whois = rd ? [h('span', { id: 'host-whois-org' }, rd.org || rd.name || rd.handle || '–'),
    h('span', { class: 'muted' }, ' (' + [rd.name, rd.country, rd.start && rd.end ? rd.start + ' – ' + rd.end : ''].filter(Boolean).join(', ') + ')'),
    rd.abuse_email ? h('div', { class: 'small' }, t('host.abuse') + ': ', h('span', { class: 'mono' }, rd.abuse_email)) : null]
    : fact(null, lk.rdap, 'host.no_rdap');
  const cc = host.country;
  const place = cc ? regionName(cc, L) : fact(null, lk.geo, 'host.no_country');
  const mapBox = h('div', { class: 'host-map', id: 'host-map-box' });
  box.append(h('section', { class: 'panel', id: 'host-overview' }, h('h2', null, t('host.overview')),
    h('div', { class: 'cols' },
      h('dl', { class: 'facts' },
        h('dt', null, t('host.total_mail')), h('dd', { id: 'host-total' }, h('strong', null, fmtInt(total, L)),
          ' ', t('host.messages_unit'), spoof > 0 ? [' ', h('span', { class: 'v v-fail' }, t('host.of_which_spoofing', { n: fmtInt(spoof, L) }))] : null,
          h('div', { class: 'muted small' }, t('host.in_period', { since: p.since || '', until: p.until || '', domain: p.domain || t('host.all_domains') }))),
        h('dt', null, t('host.registered')), h('dd', { id: 'host-registered' }, registered(host, recs, p.domain)),
        h('dt', null, t('host.whois')), h('dd', { id: 'host-whois' }, whois, host.demo && rd ? [' ', demoBadge()] : null),
        h('dt', null, t('col.country')), h('dd', { id: 'host-country' }, place)),
      mapBox)));
  if (cc) smallMap(cc, regionName(cc, L)).then(m => { if (m) mapBox.append(m); }, () => {});

  const fc = host.fcrdns;
  const facts = [
    [t('col.reverse_dns'), h('span', { class: 'mono', id: 'host-ptr' }, fact(host.ptr, lk.ptr, 'host.no_ptr'))],
    [t('host.fcrdns'), fc === 1 || fc === true ? h('span', { class: 'v v-pass' }, t('host.confirmed')) :
      fc === 0 || fc === false ? h('span', { class: 'v v-fail' }, host.ptr ? t('host.not_confirmed') : t('host.no_ptr')) : fact(null, lk.ptr, 'host.no_ptr')],
    [t('host.base_domain'), host.base_domain ? show(host.base_domain) : fact(null, lk.ptr, 'host.no_ptr')],
    [t('col.country'), cc ? regionName(cc, L) : fact(null, lk.geo, 'host.no_country')],
    [t('host.asn'), host.asn ? 'AS' + host.asn + (host.as_name ? ' ' + host.as_name : '') : fact(null, lk.asn, 'host.no_asn')],
    [t('col.service'), host.service ? host.service + (host.service_type ? ' (' + host.service_type + ')' : '') :
      host.updated_at ? t('host.no_service') : '–'],
    [t('host.dnsbl'), host.dnsbl_listed === null || host.dnsbl_listed === undefined ? '–' :
      h('span', { class: 'v ' + (host.dnsbl_listed > 0 ? 'v-fail' : 'v-pass'), id: 'host-dnsbl' },
        host.dnsbl_listed > 0 ? t('host.listed_n', { n: host.dnsbl_listed }) : t('host.not_listed'))],
  ];
  if (rd) facts.push([t('host.whois'), [rd.name, rd.handle ? '(' + rd.handle + ')' : '', rd.org, rd.country].filter(Boolean).join(' ')],
    [t('host.range'), show(rd.start && rd.end ? rd.start + ' – ' + rd.end : null)],
    [t('host.abuse'), h('span', { class: 'mono', id: 'host-abuse' }, rd.abuse_email || t('host.no_abuse'))]);
  else facts.push([t('host.whois'), fact(null, lk.rdap, 'host.no_rdap')]);
  box.append(h('section', { class: 'panel', id: 'host-facts' }, h('h2', null, t('host.facts'), host.demo ? [' ', demoBadge()] : null),
    d.host ? null : h('p', { class: 'muted' }, t('host.not_enriched')),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    Array.isArray(host.dnsbl) && host.dnsbl.length ? h('table', { class: 'grid', id: 'host-dnsbl-table' },
      h('thead', null, h('tr', null, [t('host.zone'), t('reports.state'), t('host.codes'), t('host.meaning')].map(x => h('th', null, x)))),
      h('tbody', null, host.dnsbl.map(z => h('tr', null, h('td', { class: 'mono' }, z.zone),
        h('td', null, h('span', { class: 'v ' + (z.listed ? 'v-fail' : 'v-pass') }, stateWord(z.state))),
        h('td', { class: 'mono' }, (z.codes || []).join(' ')), h('td', null, [z.meaning, z.txt].filter(Boolean).join(' — ')))))) : null,
    host.lookups ? h('p', { class: 'muted small', id: 'host-lookups' }, t('host.lookups') + ': ' + Object.entries(host.lookups)
      .map(([k, v]) => lookupWord(k) + ' ' + stateWord(v && v.state)).join(lang() === 'ja' ? '、' : ', ')) : null));

  const days = [...new Set(d.daily.map(x => x.day))];
  const el = h('div', { class: 'chart small', id: 'host-chart' });
  box.append(h('section', { class: 'panel' }, h('h2', null, t('host.over_time')), el));
  ctx.after(() => chart(el, {
    grid: { left: 50, right: 20, top: 30, bottom: 30 },
    legend: { top: 0 }, tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: days.map(dayStr) }, yAxis: { type: 'value' },
    series: CLASSES.map(c => ({ name: t('class.' + c), type: 'bar', stack: 'all', itemStyle: { color: classColors[c] },
      data: days.map(day => (d.daily.find(x => x.day === day && x.class_name === c) || {}).messages || 0) })),
  }));
  const fr = d.failure_reports;
  if (fr && fr.count > 0)
    box.append(h('section', { class: 'panel', id: 'host-failures' }, h('h2', null, t('host.failure_reports'), ' ',
      h('span', { class: 'muted' }, fmtInt(fr.count, L))), failureList(fr.recent || [], ctx, 'policy_domain'),
    h('p', null, h('a', { href: ctx.link('threats', '', { ip, kind: 'all' }), id: 'host-failures-all' }, t('host.failure_reports_all')))));
  box.append(h('section', { class: 'panel' }, h('h2', null, t('host.records'), ' ', h('span', { class: 'muted' }, fmtInt(recs.total, L))),
    h('div', { class: 'scroll' }, mailTable(recs.rows, ctx, null)),
    pager(ctx, Number(p.page || 1), Math.max(1, Math.ceil(recs.total / recs.per_page)), 'host', ip)));
}
