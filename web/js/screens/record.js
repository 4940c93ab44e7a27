// record.js - Record detail, like DMARC/25's: the judgment (class, DMARC
// result, path case and its explanation), the host, count, period and
// disposition, override reasons, report ID and reporter, and the header,
// DKIM and SPF domains with their results; the failure reports from the
// same IP on the same days, when the API gives any.
// Data: GET /api/v1/records/ID (failure_reports: [{id, arrival_time, subject, reporter}]).
// Exports: render.

import { h, fmtInt, fmtDate, zoned } from '../dom.js';
import { failureList } from './threats.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';

// pass / fail in the UI's words; other results (softfail, temperror...) as reported.
function word(v) { return v === 'pass' || v === 'fail' ? t('verdict.' + v) : v || ''; }

function row(k, v, id) { return [h('dt', null, k), h('dd', { id }, v === null || v === undefined || v === '' ? '–' : v)]; }

export async function render(box, ctx) {
  const L = lang();
  const r = await get('records/' + encodeURIComponent(ctx.arg));
  const pass = r.dmarc_result === 'pass';
  box.append(h('h1', null, t('record.title'), ' #', String(r.id)));
  box.append(h('section', { class: 'panel judgment ' + (pass ? 'ok' : 'bad'), id: 'judgment' },
    h('div', { class: 'big' }, h('span', { class: 'cls cls-' + r.class_name }, t('class.' + r.class_name)), ' · DMARC ',
      h('span', { class: 'v v-' + (pass ? 'pass' : 'fail') }, word(r.dmarc_result))),
    h('p', null, h('strong', null, t('path.' + r.path_name)), ' — ',
      h('span', { id: 'explanation' }, (L === 'ja' ? r.explanation_ja : r.explanation_en) || ''))));
  box.append(h('div', { class: 'cols' },
    h('section', { class: 'panel' }, h('h2', null, t('record.message')), h('dl', { class: 'facts' },
      row(t('record.host'), [h('a', { href: ctx.link('host', r.source_ip), class: 'mono' }, r.source_ip), r.reverse_dns ? ' (' + r.reverse_dns + ')' : ''], 'rec-host'),
      row(t('col.country'), r.country_code),
      row(t('col.count'), fmtInt(r.count, L), 'rec-count'),
      row(zoned(t('record.period')), fmtDate(r.date_begin) + ' – ' + fmtDate(r.date_end), 'rec-period'),
      row(t('col.disposition'), r.disposition, 'rec-disp'),
      row(t('record.reason'), r.reasons.length ? r.reasons.map(x => h('div', null, x.type + (x.comment ? ': ' + x.comment : ''))) : null, 'rec-reason'),
      row(t('col.service'), r.service))),
    h('section', { class: 'panel' }, h('h2', null, t('record.report')), h('dl', { class: 'facts' },
      row(t('record.report_id'), h('a', { href: ctx.link('report', String(r.report_id)) }, r.report_ext_id || String(r.report_id)), 'rec-report-id'),
      row(t('col.reporter'), r.org_name, 'rec-reporter'),
      row(t('record.reporter_email'), r.org_email),
      row(t('col.policy_domain'), r.policy_domain),
      row(t('stats.policy'), 'p=' + (r.p || '?') + (r.sp ? ' sp=' + r.sp : '') + (r.adkim ? ' adkim=' + r.adkim : '') + (r.aspf ? ' aspf=' + r.aspf : '') + (r.pct !== null ? ' pct=' + r.pct : ''))))));
  box.append(h('section', { class: 'panel', id: 'identifiers' }, h('h2', null, t('record.identifiers')),
    h('table', { class: 'grid' }, h('thead', null, h('tr', null, [t('record.what'), t('record.domain'), t('record.result'), t('record.alignment')].map(x => h('th', null, x)))),
      h('tbody', null,
        h('tr', null, h('td', null, 'Header From'), h('td', { class: 'mono' }, r.header_from || ''), h('td', null, ''), h('td', null, '')),
        h('tr', null, h('td', null, 'Envelope From'), h('td', { class: 'mono' }, r.envelope_from || ''), h('td', null, ''), h('td', null, '')),
        r.auth_dkim.map(x => h('tr', { class: 'dkim' }, h('td', null, 'DKIM' + (x.selector ? ' (s=' + x.selector + ')' : '')), h('td', { class: 'mono' }, x.domain || ''),
          h('td', null, h('span', { class: 'v v-' + (x.result === 'pass' ? 'pass' : 'fail') }, word(x.result))),
          h('td', null, x.domain && x.domain === r.dkim_domain ? t('cat.' + ['pass_aligned', 'pass_unaligned', 'fail'][r.dkim_cat]) : ''))),
        r.auth_spf.map(x => h('tr', { class: 'spf' }, h('td', null, 'SPF' + (x.scope ? ' (' + x.scope + ')' : '')), h('td', { class: 'mono' }, x.domain || ''),
          h('td', null, h('span', { class: 'v v-' + (x.result === 'pass' ? 'pass' : 'fail') }, word(x.result))),
          h('td', null, x.domain && x.domain === r.spf_domain ? t('cat.' + ['pass_aligned', 'pass_unaligned', 'fail'][r.spf_cat]) : ''))))),
    h('p', { class: 'muted' }, t('record.evaluated'), ': DKIM ', word(r.dkim_alignment), ', SPF ', word(r.spf_alignment),
      r.mismatch ? ' · ' + t('record.mismatch') : '')));
  if (Array.isArray(r.failure_reports) && r.failure_reports.length)
    box.append(h('section', { class: 'panel', id: 'record-failures' }, h('h2', null, t('record.failure_reports'), ' ',
      h('span', { class: 'muted' }, fmtInt(r.failure_reports.length, L))),
    h('p', { class: 'muted small' }, t('record.failure_reports_note')), failureList(r.failure_reports, ctx, 'reporter')));
}
