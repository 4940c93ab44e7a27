// host.js - the Host drill-down: reverse DNS and whether it is
// forward-confirmed, DNSBL listings, country and ASN, whois (RDAP) and the
// abuse contact, as far as enrichment found them; its messages over time
// (stacked by class) and its records in the period.
// Data: GET /api/v1/hosts/IP, /api/v1/records?ip=IP.
// Exports: render.

import { h, fmtInt, dayStr } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';
import { chart, classColors } from '../charts.js';
import { mailTable, pager } from './mail.js';

const CLASSES = ['normal', 'forwarded', 'auth_failure', 'spoofing_suspected'];

function show(v) {
  if (v === null || v === undefined || v === '') return '–';
  if (typeof v === 'object') return h('pre', { class: 'json' }, JSON.stringify(v, null, 2));
  return String(v);
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
  box.append(h('h1', null, t('host.title'), ' ', h('span', { class: 'mono', id: 'host-ip' }, ip)));
  const fc = host.fcrdns;
  const facts = [
    [t('col.reverse_dns'), h('span', { class: 'mono', id: 'host-ptr' }, host.ptr || '–')],
    [t('host.fcrdns'), fc === 1 || fc === true ? h('span', { class: 'v v-pass' }, t('host.confirmed')) :
      fc === 0 || fc === false ? h('span', { class: 'v v-fail' }, t('host.not_confirmed')) : '–'],
    [t('host.base_domain'), show(host.base_domain)],
    [t('col.country'), show(host.country)],
    [t('host.asn'), host.asn ? 'AS' + host.asn + (host.as_name ? ' ' + host.as_name : '') : '–'],
    [t('col.service'), show(host.service ? host.service + (host.service_type ? ' (' + host.service_type + ')' : '') : null)],
    [t('host.dnsbl'), host.dnsbl_listed === null || host.dnsbl_listed === undefined ? '–' :
      h('span', { class: 'v ' + (host.dnsbl_listed > 0 ? 'v-fail' : 'v-pass'), id: 'host-dnsbl' }, t('host.listed_n', { n: host.dnsbl_listed }))],
  ];
  const rd = host.rdap;
  if (rd) facts.push([t('host.whois'), [rd.name, rd.handle ? '(' + rd.handle + ')' : '', rd.org, rd.country].filter(Boolean).join(' ')],
    [t('host.range'), show(rd.start && rd.end ? rd.start + ' – ' + rd.end : null)],
    [t('host.abuse'), h('span', { class: 'mono', id: 'host-abuse' }, rd.abuse_email || '–')]);
  box.append(h('section', { class: 'panel', id: 'host-facts' }, h('h2', null, t('host.facts')),
    d.host ? null : h('p', { class: 'muted' }, t('host.not_enriched')),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    Array.isArray(host.dnsbl) && host.dnsbl.length ? h('table', { class: 'grid', id: 'host-dnsbl-table' },
      h('thead', null, h('tr', null, [t('host.zone'), t('reports.state'), t('host.codes'), t('host.meaning')].map(x => h('th', null, x)))),
      h('tbody', null, host.dnsbl.map(z => h('tr', null, h('td', { class: 'mono' }, z.zone),
        h('td', null, h('span', { class: 'v ' + (z.listed ? 'v-fail' : 'v-pass') }, z.state)),
        h('td', { class: 'mono' }, (z.codes || []).join(' ')), h('td', null, [z.meaning, z.txt].filter(Boolean).join(' — ')))))) : null,
    host.lookups ? h('p', { class: 'muted small' }, t('host.lookups') + ': ' + Object.entries(host.lookups)
      .map(([k, v]) => k + ' ' + ((v && v.state) || '–')).join(', ')) : null));

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
  box.append(h('section', { class: 'panel' }, h('h2', null, t('host.records'), ' ', h('span', { class: 'muted' }, fmtInt(recs.total, L))),
    h('div', { class: 'scroll' }, mailTable(recs.rows, ctx, null)),
    pager(ctx, Number(p.page || 1), Math.max(1, Math.ceil(recs.total / recs.per_page)), 'host', ip)));
}
