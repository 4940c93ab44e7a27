// check.js - the DNS record check of a policy domain (issue 18): the
// latest check (the daemon's daily run, or `dmarcscope check DOMAIN
// --save`): how many errors and warnings, the SPF lookup count against the
// limit of 10, then the findings by record (DMARC, SPF, DKIM, MTA-STS,
// TLS-RPT, BIMI), each with its severity, one line in the portal's language,
// the RFC section and the record it is about; and the record history
// (every text each record had, when it was first and last seen and when it
// changed).  Every value from DNS is shown as text.  A domain never checked
// gets how to check it.
// Data: GET /api/v1/check.
// Exports: render.

import { h, fmtInt, fmtTime } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';
import { policyTabs } from '../policytabs.js';

const AREAS = ['dmarc', 'spf', 'dkim', 'sts', 'tlsrpt', 'bimi', 'dns'];
const SEV_ORDER = { error: 0, warning: 1, info: 2 };

function card(label, value, sub, id, cls) {
  return h('div', { class: 'card' + (cls ? ' ' + cls : ''), id }, h('div', { class: 'card-label' }, label),
    h('div', { class: 'card-value' }, value), sub ? h('div', { class: 'card-sub' }, sub) : null);
}

function sev(s) {
  return h('span', { class: 'sev sev-' + s }, t('check.sev_' + s));
}

function findings(res, L) {
  const out = [];
  for (const a of AREAS) {
    const fs = (res.findings || []).filter(f => f.area === a)
      .sort((x, y) => (SEV_ORDER[x.severity] - SEV_ORDER[y.severity]));
    if (!fs.length) continue;
    out.push(h('section', { class: 'panel', id: 'check-' + a }, h('h2', null, t('check.area_' + a)),
      h('table', { class: 'grid check-findings' },
        h('thead', null, h('tr', null, [t('check.severity'), t('check.finding'), t('check.rfc')].map(x => h('th', null, x)))),
        h('tbody', null, fs.map(f => h('tr', { 'data-code': f.code, 'data-severity': f.severity },
          h('td', { class: 'nowrap' }, sev(f.severity)),
          h('td', { class: 'wrap' }, h('div', null, (f.text && f.text[L]) || f.code),
            f.name ? h('div', { class: 'mono small muted' }, f.name) : null,
            f.record ? h('div', { class: 'mono small record' }, f.record.length > 300 ? f.record.slice(0, 300) + '…' : f.record) : null),
          h('td', { class: 'small nowrap' }, f.rfc)))))));
  }
  return out;
}

function history(hist) {
  return h('section', { class: 'panel', id: 'check-history' }, h('h2', null, t('check.history')),
    hist.length ? h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'check-history-table' },
      h('thead', null, h('tr', null, [t('check.kind'), t('check.name'), t('check.text'), t('check.first_seen'),
        t('check.last_seen'), t('check.changed_at')].map(x => h('th', null, x)))),
      h('tbody', null, hist.map(x => h('tr', { class: x.gone_at ? 'muted' : null, 'data-gone': x.gone_at ? '1' : '0' },
        h('td', null, x.kind), h('td', { class: 'mono small' }, x.name),
        h('td', { class: 'mono small wrap' }, x.text.length > 300 ? x.text.slice(0, 300) + '…' : x.text),
        h('td', { class: 'nowrap' }, fmtTime(x.first_seen)), h('td', { class: 'nowrap' }, fmtTime(x.last_seen)),
        h('td', { class: 'nowrap' }, x.gone_at ? fmtTime(x.gone_at) : t('check.current')))))))
      : h('p', { class: 'muted' }, t('check.no_history')));
}

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  box.append(h('h1', null, t('check.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));
  box.append(policyTabs('check'));
  if (!p.domain) {
    box.append(h('p', { class: 'muted' }, t('check.no_domain')));
    return;
  }
  const d = await get('check', { domain: p.domain });
  if (!d.checked) {
    box.append(h('div', { class: 'empty', id: 'check-empty' },
      h('p', null, h('strong', null, t('check.empty_title'))),
      h('p', null, t('check.empty_how')),
      h('p', null, h('code', { class: 'record' }, 'dmarcscope check ' + p.domain + ' --save'))));
    return;
  }
  const r = d.result;
  const spf = r.spf_lookups;
  box.append(h('div', { class: 'cards' },
    card(t('check.errors'), fmtInt(r.errors, L), null, 'card-check-errors', r.errors > 0 ? 'bad' : null),
    card(t('check.warnings'), fmtInt(r.warnings, L), null, 'card-check-warnings'),
    card(t('check.spf_lookups'), spf >= 0 ? fmtInt(spf, L) + ' / 10' : '–', spf >= 0 ? t('check.spf_voids', { n: r.spf_voids }) : null,
      'card-check-spf', spf > 10 ? 'bad' : null),
    card(t('check.checked_at'), fmtTime(r.checked_at), t('check.queries', { n: fmtInt(r.queries, L) }), 'card-check-at')));
  box.append(...findings(r, L));
  box.append(history(d.history || []));
}
