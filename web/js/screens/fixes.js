// fixes.js - exact fixes from the data (issue 18 part 2), a sub-screen of
// the 'check' nav item: for each of My Senders and each known service that
// fails DMARC for the domain over the chosen period, what to change (the
// SPF term to add, with the DNS lookup count after the change; the DKIM or
// envelope alignment to set up; the DKIM key to publish), and why
// forwarded mail needs no fix.  Each fix: severity, the text in the
// portal's language, the change and the whole record after it (as text to
// copy), the evidence (messages, dates, reporters, hosts) and the RFC
// section.  The SPF data come from the last saved DNS check: without one,
// the screen says how to make one.  Every value from reports or DNS is
// shown as text.
// Data: GET /api/v1/fixes.
// Exports: render.

import { h, fmtInt, fmtDay } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';
import { policyTabs } from '../policytabs.js';

const SEV_ORDER = { error: 0, warning: 1, info: 2 };

function card(label, value, sub, id, cls) {
  return h('div', { class: 'card' + (cls ? ' ' + cls : ''), id }, h('div', { class: 'card-label' }, label),
    h('div', { class: 'card-value' }, value), sub ? h('div', { class: 'card-sub' }, sub) : null);
}

// the period of the pickers as the API's days and until
export function period(p) {
  const day = s => Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10));
  const days = p.since && p.until ? Math.round((day(p.until) - day(p.since)) / 86400000) + 1 : 30;
  return Object.assign({ days: String(Math.min(400, Math.max(1, days))) }, p.until ? { until: p.until } : {});
}

function evidence(e, L) {
  const days = fmtDay(e.first) === fmtDay(e.last - 1) ? fmtDay(e.first) : fmtDay(e.first) + ' – ' + fmtDay(e.last - 1);
  return h('div', { class: 'small muted' },
    t('fixes.evidence', { n: fmtInt(e.messages, L), d: days }), ' ',
    (e.reporters || []).length ? t('fixes.reporters') + ': ' + e.reporters.join(', ') : '',
    (e.ips || []).length > 1 ? ' · ' + t('fixes.hosts') + ': ' + e.ips.join(', ') : '');
}

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  box.append(h('h1', null, t('fixes.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));
  box.append(policyTabs('fixes'));
  if (!p.domain) {
    box.append(h('p', { class: 'muted' }, t('check.no_domain')));
    return;
  }
  const d = await get('fixes', Object.assign({ domain: p.domain }, period(p)));
  const fs = (d.fixes || []).slice().sort((x, y) => SEV_ORDER[x.severity] - SEV_ORDER[y.severity]);
  const n = s => fs.filter(f => f.severity === s).length;
  const spf = (d.spf || []).find(s => s.name === p.domain);
  box.append(h('div', { class: 'cards' },
    card(t('check.errors'), fmtInt(n('error'), L), null, 'card-fixes-errors', n('error') > 0 ? 'bad' : null),
    card(t('check.warnings'), fmtInt(n('warning'), L), null, 'card-fixes-warnings'),
    card(t('fixes.failing'), fmtInt(d.messages.failing, L), t('fixes.spoofing_sub', { n: fmtInt(d.messages.spoofing, L) }), 'card-fixes-failing'),
    card(t('check.spf_lookups'), spf && spf.lookups != null ? fmtInt(spf.lookups, L) + ' / 10' : '–',
      spf && spf.lookups_after != null ? t('fixes.after_all', { n: fmtInt(spf.lookups_after, L) }) : null, 'card-fixes-spf',
      spf && spf.lookups_after > 10 ? 'bad' : null)));
  if (!d.checked)
    box.append(h('p', { class: 'note', id: 'fixes-nocheck' }, t('fixes.no_check'), ' ',
      h('code', null, 'dmarcscope check ' + p.domain + ' --save'), ' ', t('fixes.or_cli'), ' ',
      h('code', null, 'dmarcscope fixes ' + p.domain)));
  if (!fs.length) {
    box.append(h('div', { class: 'empty', id: 'fixes-empty' }, h('p', null, t('fixes.none'))));
    return;
  }
  box.append(h('section', { class: 'panel', id: 'fixes-list' }, h('h2', null, t('fixes.list')),
    h('table', { class: 'grid check-findings', id: 'fixes-table' },
      h('thead', null, h('tr', null, [t('check.severity'), t('fixes.fix'), t('check.rfc')].map(x => h('th', null, x)))),
      h('tbody', null, fs.map(f => h('tr', { 'data-code': f.code, 'data-severity': f.severity, 'data-ip': f.sender.ip },
        h('td', { class: 'nowrap' }, h('span', { class: 'sev sev-' + f.severity }, t('check.sev_' + f.severity))),
        h('td', null, h('div', { class: 'fix-text' }, f.text[L] || f.text.en),
          f.change ? h('div', { class: 'small' }, t('fixes.change'), ' ', h('code', { class: 'record fix-change' }, f.change)) : null,
          f.record_after ? h('div', { class: 'small' }, t('fixes.record_after', { name: f.record_name }), ' ',
            h('code', { class: 'record fix-after' }, f.record_after)) : null,
          evidence(f.evidence, L)),
        h('td', { class: 'small nowrap' }, f.rfc)))))));
  if (spf && spf.record_after)
    box.append(h('section', { class: 'panel', id: 'fixes-spf' }, h('h2', null, t('fixes.spf_all', { name: spf.name })),
      h('p', { class: 'small muted' }, t('fixes.spf_now')), h('div', null, h('code', { class: 'record' }, spf.current || '')),
      h('p', { class: 'small muted' }, t('fixes.spf_after')), h('div', null, h('code', { class: 'record', id: 'fixes-spf-after' }, spf.record_after))));
}
