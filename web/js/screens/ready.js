// ready.js - readiness for p=reject (issue 18 part 3), a sub-screen of the
// 'check' nav item: for the domain and period, the share of legitimate mail
// (DMARC pass, plus the failures of My Senders and known services) that would
// fail an enforcing policy; since when the threshold (99.5 % by default,
// changeable here) has been met every day for 14 days, or how far off it is;
// a trend chart per day or per week; the record to publish next in a box to
// copy; what that record would quarantine or reject by class, next to what
// the current one does; and the table by sender.  Every value from the data
// is shown as text.
// Data: GET /api/v1/readiness.
// Exports: render.

import { h, fmtInt } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';
import { chart } from '../charts.js';
import { policyTabs } from '../policytabs.js';

const CLASSES = ['normal', 'forwarded', 'auth_failure', 'spoofing_suspected'];

function card(label, value, sub, id, cls) {
  return h('div', { class: 'card' + (cls ? ' ' + cls : ''), id }, h('div', { class: 'card-label' }, label),
    h('div', { class: 'card-value' }, value), sub ? h('div', { class: 'card-sub' }, sub) : null);
}

function pctText(v) {
  return v === null || v === undefined ? '–' : v.toFixed(2) + '%';
}

function senderLabel(s) {
  if (s.kind === 'sender') return (s.value || '?') + (s.note ? ' (' + s.note + ')' : '');
  if (s.kind === 'service') return s.service;
  return t('ready.other_sources');
}

function senderKind(s) {
  if (s.kind === 'sender') return t('ready.kind_' + (s.sender_kind === 'third_party' ? 'third_party' : 'internal'));
  if (s.kind === 'service') return t('ready.kind_service');
  return t('ready.kind_other');
}

function status(d, L) {
  const r = d.ready;
  if (r.met) {
    return h('div', { class: 'banner', id: 'ready-status', 'data-met': '1' },
      t('ready.met', { date: r.met_since, n: fmtInt(r.run_days, L), th: d.threshold }));
  }
  if (r.reason === 'no_reports') return h('div', { class: 'banner warn', id: 'ready-status', 'data-met': '0' }, t('ready.no_reports'));
  return h('div', { class: 'banner warn', id: 'ready-status', 'data-met': '0' },
    h('div', null, t('ready.not_yet', { n: fmtInt(r.run_days, L), th: d.threshold })),
    h('div', null, t('ready.reason_' + r.reason)),
    h('div', null, t('ready.how_far', { pct: pctText(r.aligned_pct_14), gap: (r.gap_pct || 0).toFixed(2),
      fix: fmtInt(r.to_fix, L) })));
}

function trend(box, ctx, d, byWeek) {
  const rows = byWeek ? d.weeks : d.days;
  const x = rows.map(r => byWeek ? r.week : r.date);
  const el = h('div', { class: 'chart', id: 'ready-chart' });
  const links = h('div', { class: 'tabs', id: 'ready-by' },
    ['day', 'week'].map(b => h('a', { href: ctx.link('ready', '', Object.assign({}, ctx.p, { by: b })),
      class: 'tab' + ((b === 'week') === byWeek ? ' on' : ''), id: 'ready-by-' + b }, t('ready.by_' + b))));
  box.append(h('section', { class: 'panel', id: 'ready-trend' }, h('h2', null, t('ready.trend') + ' (UTC)'), links, el));
  const vals = rows.map(r => r.aligned_pct);
  const lo = Math.min(d.threshold, ...vals.filter(v => v !== null));
  ctx.after(() => chart(el, {
    grid: { left: 60, right: 60, top: 40, bottom: 40 },
    legend: { top: 0, data: [t('ready.aligned_pct'), t('ready.failing')] },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: x },
    yAxis: [{ type: 'value', name: '%', min: Math.max(0, Math.floor(lo - 1)), max: 100 },
      { type: 'value', name: t('ready.failing'), splitLine: { show: false } }],
    series: [
      { name: t('ready.aligned_pct'), type: 'line', data: vals, connectNulls: false, itemStyle: { color: '#2e7d32' },
        markLine: { symbol: 'none', data: [{ yAxis: d.threshold, name: t('ready.threshold') }],
          lineStyle: { color: '#c62828', type: 'dashed' }, label: { formatter: d.threshold + '%' } } },
      { name: t('ready.failing'), type: 'bar', yAxisIndex: 1, data: rows.map(r => r.failing), itemStyle: { color: '#ef6c00' } },
    ],
  }));
}

function recordBox(d) {
  const n = d.next;
  const pol = d.policy;
  const code = h('code', { class: 'record', id: 'ready-record' }, n.record);
  const note = h('span', { class: 'muted small', id: 'ready-copy-note', role: 'status' });
  const copy = h('button', { type: 'button', class: 'btn primary', id: 'ready-copy' }, t('tokens.copy'));
  copy.addEventListener('click', async () => {
    try { await navigator.clipboard.writeText(n.record); note.textContent = t('tokens.copied'); } catch (e) {
      const r = document.createRange(); r.selectNodeContents(code);
      const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
      note.textContent = t('ready.copy_select');
    }
  });
  return h('section', { class: 'panel', id: 'ready-next' }, h('h2', null, t('ready.next')),
    h('p', null, t('ready.current', { src: t('ready.src_' + pol.source) })),
    h('p', null, h('code', { class: 'record', id: 'ready-current' }, pol.record || t('none'))),
    pol.source === 'reports' ? h('p', { class: 'muted small' }, t('ready.src_reports_note')) : null,
    h('p', { id: 'ready-step', 'data-step': n.step }, h('strong', null, t('ready.step_' + n.step))),
    n.changed ? h('div', null, h('p', null, code), h('p', null, copy, ' ', note),
      h('p', { class: 'muted small' }, t('ready.host', { name: '_dmarc.' + d.domain }))) : null,
    d.verdict ? h('p', { id: 'ready-verdict', class: 'muted small', 'data-level': d.verdict.level, 'data-step': d.verdict.step },
      t('ready.verdict', { level: t('ov.ready.' + d.verdict.level, { n: d.verdict.days_needed }),
        step: t('ov.step.' + d.verdict.step) })) : null);
}

function whatif(d, L) {
  const nx = d.whatif.next, cur = d.whatif.current;
  return h('section', { class: 'panel', id: 'ready-whatif' }, h('h2', null, t('ready.whatif')),
    h('p', { class: 'muted small' }, t('ready.whatif_note', { since: d.since, until: d.until })),
    h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'ready-whatif-table' },
      h('thead', null, h('tr', null, [t('col.class'), t('stats.messages'), t('ready.failing_dmarc'),
        t('ready.next_q'), t('ready.next_r'), t('ready.cur_q'), t('ready.cur_r')].map(x => h('th', null, x)))),
      h('tbody', null, CLASSES.map(c => h('tr', { 'data-class': c },
        h('td', null, h('span', { class: 'cls cls-' + c }, t('class.' + c))),
        h('td', { class: 'num' }, fmtInt(nx[c].messages, L)), h('td', { class: 'num' }, fmtInt(nx[c].failing, L)),
        h('td', { class: 'num', 'data-k': 'next-q' }, fmtInt(nx[c].quarantined, L)),
        h('td', { class: 'num', 'data-k': 'next-r' }, fmtInt(nx[c].rejected, L)),
        h('td', { class: 'num muted' }, fmtInt(cur[c].quarantined, L)),
        h('td', { class: 'num muted' }, fmtInt(cur[c].rejected, L))))))),
    h('p', { class: 'muted small' }, t('ready.np_note')));
}

function senders(ctx, d, L) {
  const rows = d.senders || [];
  return h('section', { class: 'panel', id: 'ready-senders' }, h('h2', null, t('ready.by_sender')),
    rows.length ? h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'ready-senders-table' },
      h('thead', null, h('tr', null, [t('ready.sender'), t('ready.kind'), t('ready.legitimate'), t('ready.failing'),
        t('ready.failing_pct'), t('ready.weeks'), t('ready.next_q'), t('ready.next_r')].map(x => h('th', null, x)))),
      h('tbody', null, rows.map(s => h('tr', { 'data-kind': s.kind, class: s.failing > 0 ? 'warn' : null },
        h('td', { class: 'wrap' }, s.kind === 'sender' || s.kind === 'service' ? senderLabel(s) : h('span', { class: 'muted' }, senderLabel(s))),
        h('td', null, senderKind(s)),
        h('td', { class: 'num' }, fmtInt(s.legitimate, L)),
        h('td', { class: 'num' + (s.failing > 0 ? ' bad' : '') }, fmtInt(s.failing, L)),
        h('td', { class: 'num' }, pctText(s.failing_pct)),
        h('td', { class: 'small nowrap mono' }, (s.weeks || []).slice(-6).map(w => w.aligned_pct === null ? '–' :
          (Math.floor(w.aligned_pct * 10) / 10).toFixed(1)).join(' › ')),
        h('td', { class: 'num' }, fmtInt(s.next.quarantined, L)),
        h('td', { class: 'num' }, fmtInt(s.next.rejected, L))))))) : h('p', { class: 'muted' }, t('ready.no_senders')),
    d.senders_more ? h('p', { class: 'muted small' }, t('ready.senders_more', { n: fmtInt(d.senders_more, L) })) : null,
    d.records && d.records.cut ? h('p', { class: 'muted small', id: 'ready-cut' }, t('ready.cut', { since: d.records.since })) : null,
    h('p', { class: 'muted small' }, t('ready.weeks_note')));
}

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  box.append(h('h1', null, t('ready.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));
  box.append(policyTabs('ready'));
  if (!p.domain) {
    box.append(h('p', { class: 'muted' }, t('check.no_domain')));
    return;
  }
  const th = p.threshold || '99.5';
  const d = await get('readiness', { domain: p.domain, since: p.since, until: p.until, threshold: th });
  const input = h('input', { type: 'number', id: 'ready-threshold', min: '50', max: '100', step: '0.1', value: th, class: 'num-input' });
  input.addEventListener('change', () => ctx.go('ready', '', { threshold: input.value }, true));
  box.append(h('p', { class: 'filters' }, h('label', { for: 'ready-threshold' }, t('ready.threshold_label'), ' '), input, ' %',
    ' ', h('span', { class: 'muted small' }, t('ready.threshold_help'))));
  const tot = d.totals;
  box.append(h('div', { class: 'cards' },
    card(t('ready.legitimate'), fmtInt(tot.legitimate, L), t('ready.legit_sub'), 'card-ready-legit'),
    card(t('ready.aligned_pct'), pctText(tot.aligned_pct), fmtInt(tot.aligned, L), 'card-ready-aligned',
      tot.aligned_pct !== null && tot.aligned_pct < d.threshold ? 'bad' : null),
    card(t('ready.failing'), fmtInt(tot.failing, L), pctText(tot.failing_pct), 'card-ready-failing', tot.failing > 0 ? 'bad' : null),
    card(t('ready.excluded'), fmtInt(tot.forwarded + tot.spoofing, L),
      t('ready.excluded_sub', { f: fmtInt(tot.forwarded, L), s: fmtInt(tot.spoofing, L) }), 'card-ready-excluded')));
  box.append(status(d, L));
  trend(box, ctx, d, p.by === 'week');
  box.append(recordBox(d), whatif(d, L));
  box.append(senders(ctx, d, L));
}
