// tls.js - TLS reports (RFC 8460, SMTP TLS Reporting) for a policy domain
// and period: successful and failed sessions and the failure rate, a daily
// chart (sessions as bars, the failure rate as a line; UTC days, as the
// reports count them), the failure types (starttls-not-supported,
// certificate-expired, sts-policy-invalid...) in words with the RFC's
// name, the failure details (sending MTA, receiving IP, MX host, sessions,
// reporters) and the reports received (the newest 15, all on request).
// Every value from a report is text; additional-information URLs are shown
// defanged, never as links.  A domain without TLS reports gets how to ask
// for them (the _smtp._tls TXT record) and the domains that have some.
// Data: GET /api/v1/tls.
// Exports: render.

import { h, fmtInt, fmtPct, fmtDate, zoned, addDays } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';
import { chart } from '../charts.js';

const OK = '#2e7d32', BAD = '#c62828', RATE = '#ef6c00';
const SHOWN = 15;	// reports listed before "show all"

// A result-type in words, with the RFC's name beside it.
function typeCell(rt) {
  const key = 'tlstype.' + rt;
  const w = t(key);
  return [w === key ? null : h('div', null, w), h('div', { class: 'mono small muted' }, rt || '–')];
}

function card(label, value, sub, id, cls) {
  return h('div', { class: 'card' + (cls ? ' ' + cls : ''), id }, h('div', { class: 'card-label' }, label),
    h('div', { class: 'card-value' }, value), sub ? h('div', { class: 'card-sub' }, sub) : null);
}

function empty(ctx, p, d) {
  const dom = p.domain || 'example.co.jp';
  const others = (d.domains || []).filter(x => x !== p.domain);
  return h('div', { class: 'empty', id: 'tls-empty' },
    h('p', null, h('strong', null, t('tls.empty_title'))),
    h('p', null, t('tls.empty_how')),
    h('p', null, h('code', { class: 'record' }, '_smtp._tls.' + dom + '. IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@' + dom + '"')),
    h('p', { class: 'muted small' }, t('tls.empty_note')),
    others.length ? h('p', { id: 'tls-other-domains' }, t('tls.other_domains'), ' ',
      others.map((x, i) => [i ? ', ' : '', h('a', { href: ctx.link('tls', '', { domain: x }) }, x)])) : null);
}

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  const d = await get('tls', { domain: p.domain, since: p.since, until: p.until });
  const sm = d.summary || {};
  const total = (sm.success || 0) + (sm.failure || 0);
  box.append(h('h1', null, t('tls.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));
  if (!total && !(d.reports || []).length) {
    box.append(empty(ctx, p, d));
    return;
  }
  // the rate from the counts (the API's failure_rate is a fraction)
  const rate = total ? 100 * (sm.failure || 0) / total : null;
  box.append(h('div', { class: 'cards' },
    card(t('tls.sessions'), fmtInt(total, L), t('tls.reports_n', { n: fmtInt((d.reports || []).length, L) }), 'card-tls-total'),
    card(t('tls.success'), fmtInt(sm.success, L), null, 'card-tls-success'),
    card(t('tls.failure'), fmtInt(sm.failure, L), null, 'card-tls-failure', sm.failure > 0 ? 'bad' : null),
    card(t('tls.failure_rate'), fmtPct(rate), null, 'card-tls-rate', sm.failure > 0 ? 'bad' : null)));

  // every UTC day of the range (a day without reports: no bars, no rate)
  const byDay = new Map((d.days || []).map(x => [x.day, x]));
  const days = [];
  for (let x = p.since, i = 0; x && x <= p.until && i < 1000; x = addDays(x, 1), i++) days.push(byDay.get(x) || { day: x, none: true });
  for (const x of d.days || []) if (!days.some(y => y.day === x.day)) days.push(x);
  days.sort((a, b) => a.day.localeCompare(b.day));
  const el = h('div', { class: 'chart', id: 'tls-chart' });
  box.append(h('section', { class: 'panel' }, h('h2', { id: 'tls-chart-title' }, t('tls.daily') + ' (UTC)'), el));
  ctx.after(() => chart(el, {
    grid: { left: 60, right: 60, top: 40, bottom: 40 },
    legend: { top: 0 }, tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: days.map(x => x.day) },
    yAxis: [{ type: 'value', name: t('tls.sessions_axis') }, { type: 'value', name: '%', min: 0, max: v => Math.min(100, Math.max(5, Math.ceil(v.max * 1.25))), splitLine: { show: false } }],
    series: [
      { name: t('tls.success'), type: 'bar', stack: 's', itemStyle: { color: OK }, data: days.map(x => x.success || 0) },
      { name: t('tls.failure'), type: 'bar', stack: 's', itemStyle: { color: BAD }, data: days.map(x => x.failure || 0) },
      { name: t('tls.failure_rate'), type: 'line', yAxisIndex: 1, itemStyle: { color: RATE },
        data: days.map(x => { const n = (x.success || 0) + (x.failure || 0); return n ? Number((100 * (x.failure || 0) / n).toFixed(2)) : null; }), connectNulls: true },
    ],
  }));

  const types = d.failure_types || [];
  const tf = types.reduce((a, x) => a + (x.sessions || 0), 0);
  box.append(h('section', { class: 'panel', id: 'tls-types' }, h('h2', null, t('tls.types')),
    types.length ? h('table', { class: 'grid' },
      h('thead', null, h('tr', null, [t('tls.type'), t('tls.sessions'), '%'].map(x => h('th', null, x)))),
      h('tbody', null, types.map(x => h('tr', { 'data-type': x.result_type }, h('td', null, typeCell(x.result_type)),
        h('td', { class: 'num' }, fmtInt(x.sessions, L)), h('td', { class: 'num' }, fmtPct(tf ? 100 * x.sessions / tf : 0))))))
      : h('p', { class: 'muted', id: 'tls-no-failures' }, t('tls.no_failures'))));

  const fl = d.failures || [];
  if (fl.length) {
    box.append(h('section', { class: 'panel', id: 'tls-failures' }, h('h2', null, t('tls.details')),
      h('div', { class: 'scroll' }, h('table', { class: 'grid tlsfail', id: 'tls-failures-table' },
        h('thead', null, h('tr', null, [t('tls.type'), t('tls.sending_mta'), t('tls.receiving_ip'), t('tls.mx_host'), t('tls.sessions'),
          t('col.reporter'), t('tls.reason')].map(x => h('th', null, x)))),
        h('tbody', null, fl.map(x => h('tr', null,
          h('td', null, typeCell(x.result_type)),
          h('td', { class: 'mono nowrap' }, x.sending_mta_ip || '–'),
          h('td', { class: 'mono nowrap' }, x.receiving_ip || '–'),
          h('td', { class: 'mono' }, x.receiving_mx_hostname || '–', x.receiving_mx_helo && x.receiving_mx_helo !== x.receiving_mx_hostname ?
            h('div', { class: 'muted small' }, 'HELO ' + x.receiving_mx_helo) : null),
          h('td', { class: 'num' }, fmtInt(x.sessions, L)),
          h('td', { class: 'small' }, (x.reporters || []).join(', ')),
          h('td', { class: 'small wrap' }, x.failure_reason_code ? h('div', { class: 'mono' }, x.failure_reason_code) : null,
            x.additional_information ? h('div', { class: 'mono muted' }, x.additional_information_defanged || x.additional_information) : null,
            !x.failure_reason_code && !x.additional_information ? '–' : null))))))));
  }

  const reps = d.reports || [];
  box.append(h('section', { class: 'panel', id: 'tls-reports' }, h('h2', null, t('tls.reports'), ' ', h('span', { class: 'muted' }, fmtInt(reps.length, L))),
    h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'tls-reports-table' },
      h('thead', null, h('tr', null, [t('col.reporter'), t('record.report_id'), zoned(t('record.period')), t('col.policy_domain'), t('tls.policy_type'),
        t('tls.col_success'), t('tls.col_failure')].map(x => h('th', null, x)))),
      h('tbody', null, reps.map((r, i) => h('tr', { hidden: i >= SHOWN }, h('td', null, r.org_name || '–'), h('td', { class: 'mono small' }, r.report_id || ''),
        h('td', { class: 'nowrap' }, fmtDate(r.date_begin) + ' – ' + fmtDate(r.date_end)), h('td', null, r.policy_domain || ''),
        h('td', { class: 'nowrap', title: r.policy_type || '' }, r.policy_type ? flagWordTls(r.policy_type) || r.policy_type : '–'),
        h('td', { class: 'num' }, fmtInt(r.success, L)), h('td', { class: 'num' }, fmtInt(r.failure, L))))))),
    reps.length > SHOWN ? h('p', null, h('button', { type: 'button', class: 'btn small', id: 'tls-reports-all', onclick: e => {
      for (const tr of document.querySelectorAll('#tls-reports-table tbody tr')) tr.hidden = false;
      e.target.remove();
    } }, t('show_all', { n: fmtInt(reps.length, L) }))) : null));
}

function flagWordTls(pt) {
  const key = 'tlspolicy.' + pt;
  const w = t(key);
  return w === key ? '' : w;
}
