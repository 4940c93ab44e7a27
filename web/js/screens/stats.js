// stats.js - the Statistics screen: totals, DMARC pass / SPF / DKIM
// aligned %, the failure reports received (a link to Email Threats), the
// daily chart stacked by class, classes, dispositions, reporters, the published policy and its history, the policy-guidance
// card, top sources, and a warning banner when spoofing is suspected.
// Data: GET /api/v1/stats (stats_build's object, docs/STATS.md).
// Exports: render.

import { h, fmtInt, fmtPct, fmtDay, addDays, zoned } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';
import { chart, classColors } from '../charts.js';

const CLASSES = ['normal', 'forwarded', 'auth_failure', 'spoofing_suspected'];
const STRICTER = { none: ['quarantine', 'reject'], quarantine: ['reject'], reject: [] };

// The daily series in the shown time zone, summed from the hourly one (the
// server's daily series counts UTC days); every day of the range, zeros
// included.  Falls back to the UTC days when there is no hourly series.
function localDaily(s, p) {
  if (!Array.isArray(s.hourly)) return { days: s.daily || [], utc: true };
  const by = new Map();
  for (const x of s.hourly) {
    const d = fmtDay(Date.parse(x.hour) / 1000);
    const o = by.get(d) || by.set(d, Object.fromEntries(CLASSES.map(c => [c, 0]))).get(d);
    for (const c of CLASSES) o[c] += x[c] || 0;
  }
  const first = fmtDay(Date.parse(p.since + 'T00:00:00Z') / 1000);
  const last = fmtDay(Date.parse(p.until + 'T23:59:59Z') / 1000);
  const days = [];
  for (let d = first, i = 0; d <= last && i < 1000; d = addDays(d, 1), i++)
    days.push(Object.assign({ date: d }, by.get(d) || Object.fromEntries(CLASSES.map(c => [c, 0]))));
  return { days, utc: false };
}

function card(label, value, sub, id) {
  return h('div', { class: 'card', id }, h('div', { class: 'card-label' }, label),
    h('div', { class: 'card-value' }, value), sub ? h('div', { class: 'card-sub' }, sub) : null);
}

function table(head, rows, cls) {
  return h('table', { class: 'grid ' + (cls || '') }, h('thead', null, h('tr', null, head.map(x => h('th', null, x)))),
    h('tbody', null, rows.map(r => h('tr', null, r.map(c => h('td', null, c))))));
}

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  const s = await get('stats', { domain: p.domain, since: p.since, until: p.until });
  const n = s.messages || 0;
  const pc = s.pct || {};

  box.append(h('h1', null, t('stats.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));
  if ((s.spoofing_suspected || 0) > 0) {
    box.append(h('div', { class: 'banner warn', id: 'spoof-banner', role: 'alert' },
      h('strong', null, t('stats.spoof_title')), ' ',
      t('stats.spoof_body', { n: fmtInt(s.spoofing_suspected, L), pct: fmtPct((s.classes_pct || {}).spoofing_suspected) }), ' ',
      h('a', { href: ctx.link('mail', '', { class: 'spoofing_suspected' }) }, t('stats.spoof_link'))));
  }
  box.append(h('div', { class: 'cards' },
    card(t('stats.messages'), fmtInt(n, L), t('stats.records_reports', { r: fmtInt(s.records, L), p: fmtInt(s.reports, L) }), 'card-messages'),
    card(t('stats.dmarc_pass'), fmtPct(pc.dmarc_pass), fmtInt(s.dmarc_pass, L), 'card-dmarc'),
    card(t('stats.spf_aligned'), fmtPct(pc.spf_aligned), fmtInt(s.spf_aligned, L), 'card-spf'),
    card(t('stats.dkim_aligned'), fmtPct(pc.dkim_aligned), fmtInt(s.dkim_aligned, L), 'card-dkim'),
    // the failure reports received (DMARC failures only; /stats failure_reports)
    s.failure_reports === undefined || s.failure_reports === null ? null :
      card(t('stats.failure_reports'), h('a', { href: ctx.link('threats'), id: 'failure-reports-link' }, fmtInt(s.failure_reports, L)),
        t(s.failure_reports > 0 ? 'stats.failure_reports_sub' : 'stats.failure_reports_none'), 'card-failure-reports')));

  const { days: daily, utc } = localDaily(s, p);
  const chartEl = h('div', { class: 'chart', id: 'daily-chart' });
  box.append(h('section', { class: 'panel' }, h('h2', { id: 'daily-title' }, utc ? t('stats.daily') + ' (UTC)' : zoned(t('stats.daily'))), chartEl));
  ctx.after(() => chart(chartEl, {
    grid: { left: 60, right: 20, top: 40, bottom: 40 },
    legend: { top: 0, data: CLASSES.map(c => t('class.' + c)) },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: daily.map(d => d.date) },
    yAxis: { type: 'value' },
    series: CLASSES.map(c => ({
      name: t('class.' + c), type: 'bar', stack: 'all', data: daily.map(d => d[c] || 0),
      itemStyle: { color: classColors[c] },
    })),
  }));

  const cls = s.classes || {};
  const cp = s.classes_pct || {};
  const disp = s.dispositions || {};
  box.append(h('div', { class: 'cols' },
    h('section', { class: 'panel', id: 'classes' }, h('h2', null, t('stats.classes')),
      table([t('col.class'), t('stats.messages'), '%'], CLASSES.map(c => [
        h('a', { href: ctx.link('mail', '', { class: c }), class: 'cls cls-' + c }, t('class.' + c)),
        fmtInt(cls[c], L), fmtPct(cp[c])]))),
    h('section', { class: 'panel', id: 'dispositions' }, h('h2', null, t('stats.dispositions')),
      table([t('col.disposition'), t('stats.messages')], Object.entries(disp).map(([k, v]) => [t('disp.' + k), fmtInt(v, L)]))),
    h('section', { class: 'panel', id: 'reporters' }, h('h2', null, t('stats.reporters')),
      table([t('col.reporter'), t('stats.reports'), t('stats.messages')],
        (s.reporters || []).map(r => [r.org, fmtInt(r.reports, L), fmtInt(r.messages, L)])))));

  const hist = s.policy_history || [];
  // the policy seen last, as the guidance takes it (stats.c)
  const curp = hist.reduce((a, x) => (!a || (x.last_seen || '') >= (a.last_seen || '') ? x : a), null);
  const g = s.guidance || {};
  box.append(h('div', { class: 'cols' },
    h('section', { class: 'panel', id: 'policy' }, h('h2', null, t('stats.policy')),
      curp ? h('p', { class: 'policy' }, h('code', null,
        'v=DMARC1; p=' + (curp.p || '?') + (curp.sp ? '; sp=' + curp.sp : '') + (curp.np ? '; np=' + curp.np : '') +
        (curp.pct !== null && curp.pct !== undefined ? '; pct=' + curp.pct : '') + (curp.adkim ? '; adkim=' + curp.adkim : '') +
        (curp.aspf ? '; aspf=' + curp.aspf : '') + (curp.fo ? '; fo=' + curp.fo : ''))) : h('p', null, t('none')),
      table([t('stats.policy_p'), t('stats.first_seen') + ' (UTC)', t('stats.last_seen') + ' (UTC)', t('stats.reports')],
        hist.map(x => [x.p || '', x.first_seen || '', x.last_seen || '', fmtInt(x.reports, L)]))),
    h('section', { class: 'panel guidance', id: 'guidance' }, h('h2', null, t('stats.guidance')),
      h('p', null, t('stats.current_policy'), ': ', h('strong', null, g.current_policy || '–'), ' → ',
        t('stats.next_step'), ': ', h('strong', { id: 'next-step' }, t('next.' + (g.next_step || 'stay')))),
      h('ul', null, (g.reasons || []).map(r => h('li', null, r[L] || r.en || r.code))),
      g.what_if && (STRICTER[g.current_policy] || STRICTER.none).length ? table([t('stats.whatif'), t('stats.legit_affected'), t('stats.spoof_stopped')],
        (STRICTER[g.current_policy] || STRICTER.none).filter(k => g.what_if[k]).map(k => [ 'p=' + k,
          fmtInt(g.what_if[k].legitimate_affected, L) + ' (' + fmtPct(g.what_if[k].legitimate_affected_pct) + ')',
          fmtInt(g.what_if[k].spoofing_stopped, L) + ' (' + fmtPct(g.what_if[k].spoofing_stopped_pct) + ')'])) : null)));

  box.append(h('section', { class: 'panel', id: 'top-sources' }, h('h2', null, t('stats.top_sources')),
    table([t('col.prefix'), t('stats.messages'), t('stats.dmarc_pass'), t('stats.spf_aligned'), t('stats.dkim_aligned'), t('class.spoofing_suspected')],
      (s.top_sources || []).map(x => [
        h('a', { href: ctx.link('mail', '', { q: x.prefix.replace(/\/\d+$/, '').replace(/\.0$/, '.').replace(/::$/, ':') }) }, x.prefix),
        fmtInt(x.messages, L), fmtPct(x.dmarc_pass_pct), fmtPct(x.spf_aligned_pct), fmtPct(x.dkim_aligned_pct), fmtInt(x.spoofing_suspected, L)]))));
}
