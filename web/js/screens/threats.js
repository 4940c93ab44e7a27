// threats.js - Email Threats (脅威メール): the failure reports of the
// domain and period as DMARC Compass lists them.  Totals first (threats,
// from My Senders vs Unauthorized, failure reports received), then filters
// (reporter, IP, URL domain, kind: DMARC failures or every failure report),
// a CSV download of the filtered list (in the UI's language and time zone),
// and the list: arrival time in the chosen zone, reporter, source IP (link
// to the host screen), subject (link to the sample view), header From,
// policy domain, auth failure type, URL and attachment counts.  Every value
// from a report is set as text (dom.js h()); URLs are never shown here.
// The tabs lead to the URL view (urls.js) and the spoofing hosts (spoofers.js).
// Data: GET /api/v1/threats, /api/v1/threats.csv.
// Exports: render, tabs, authWord, emptyHelp, failureList.

import { h, fmtInt, fmtDate, qs, tz, zoned } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';
import { pager } from './mail.js';

// The two views of failure reports: the list and the URLs found in them.
export function tabs(ctx, on) {
  const keep = { reporter: '', ip: '', url_domain: '', kind: '', page: '', by: '' };
  return h('div', { class: 'tabs', id: 'threat-tabs' },
    h('a', { href: ctx.link('threats', '', keep), class: 'tab' + (on === 'threats' ? ' on' : ''), id: 'tab-threats' }, t('threats.tab_list')),
    h('a', { href: ctx.link('urls', '', keep), class: 'tab' + (on === 'urls' ? ' on' : ''), id: 'tab-urls' }, t('threats.tab_urls')),
    h('a', { href: ctx.link('spoofers', '', keep), class: 'tab' + (on === 'spoofers' ? ' on' : ''), id: 'tab-spoofers' }, t('threats.tab_spoofers')));
}

// Auth-Failure (RFC 6591: dmarc, spf, dkim, bodyhash, revoked, adsp) in
// words; a value no RFC names is shown as the report gives it.
export function authWord(v) {
  if (!v) return '–';
  return v.split(/[\s,]+/).filter(Boolean).map(x => {
    const key = 'auth.' + x.toLowerCase();
    const w = t(key);
    return w === key ? x : w;
  }).join(', ');
}

// What to do when there are no failure reports: ruf= in the DMARC record.
export function emptyHelp(domain, id) {
  const d = domain || 'example.co.jp';
  return h('div', { class: 'empty', id },
    h('p', null, h('strong', null, t('threats.empty_title'))),
    h('p', null, t('threats.empty_ruf', { name: '_dmarc.' + d })),
    h('p', null, h('code', { class: 'record' }, 'ruf=mailto:dmarc@' + d + '; fo=1')),
    h('p', null, t('threats.empty_ingest')),
    h('p', { class: 'muted small' }, t('threats.empty_note')));
}

// A short list of failure reports (record detail, host screen): time,
// subject (link to the sample view) and one more column (reporter or
// policy domain).
export function failureList(rows, ctx, extra) {
  return h('table', { class: 'grid failures' },
    h('thead', null, h('tr', null, [zoned(t('threats.arrival')), t('threats.subject'),
      t(extra === 'reporter' ? 'col.reporter' : 'col.policy_domain')].map(x => h('th', null, x)))),
    h('tbody', null, rows.map(r => h('tr', { 'data-id': r.id },
      h('td', { class: 'nowrap' }, fmtDate(r.arrival_time)),
      h('td', { class: 'subject' }, h('a', { href: ctx.link('threat', String(r.id)), class: 'subj', title: r.subject || '' }, r.subject || t('threats.no_subject'))),
      h('td', null, r[extra] || '–')))));
}

function card(label, value, sub, id, cls) {
  return h('div', { class: 'card' + (cls ? ' ' + cls : ''), id }, h('div', { class: 'card-label' }, label),
    h('div', { class: 'card-value' }, value), sub ? h('div', { class: 'card-sub' }, sub) : null);
}

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  box.append(h('h1', null, t('threats.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));
  box.append(tabs(ctx, 'threats'));

  const kind = p.kind === 'all' ? 'all' : 'dmarc';
  const params = { domain: p.domain, since: p.since, until: p.until, reporter: p.reporter, ip: p.ip,
    url_domain: p.url_domain, kind, page: p.page || 1, per_page: 50 };
  const d = await get('threats', params);
  const s = d.summary || {};

  box.append(h('div', { class: 'cards' },
    card(t('threats.total'), fmtInt(s.threats, L), t(kind === 'all' ? 'threats.total_all_sub' : 'threats.total_sub'), 'card-threats'),
    card(t('threats.my_senders'), fmtInt(s.my_senders, L), t('threats.my_senders_sub'), 'card-my-senders'),
    card(t('threats.unauthorized'), fmtInt(s.unauthorized, L), t('threats.unauthorized_sub'), 'card-unauthorized', s.unauthorized > 0 ? 'bad' : null),
    card(t('threats.received'), fmtInt(s.reports_received, L), t('threats.received_sub'), 'card-received')));

  const field = (name, label, ph) => h('label', null, label, ' ',
    h('input', { type: 'search', id: 'f-' + name, name, value: p[name] || '', placeholder: ph, maxlength: '255' }));
  const kindSel = h('select', { id: 'f-kind', name: 'kind' },
    h('option', { value: 'dmarc', selected: kind === 'dmarc' }, t('threats.kind_dmarc')),
    h('option', { value: 'all', selected: kind === 'all' }, t('threats.kind_all')));
  const form = h('form', { class: 'filters', id: 'filters' },
    field('reporter', t('col.reporter'), t('threats.reporter_ph')),
    field('ip', t('col.source_ip'), '192.0.2.1'),
    field('url_domain', t('threats.url_domain'), 'example.com'),
    h('label', null, t('threats.kind'), ' ', kindSel),
    h('button', { type: 'submit', id: 'f-apply' }, t('apply')),
    p.reporter || p.ip || p.url_domain ? h('a', { href: ctx.link('threats', '', { kind: p.kind }), id: 'f-clear' }, t('threats.clear')) : null);
  const apply = () => {
    const v = n => form.querySelector('[name=' + n + ']').value.trim();
    ctx.go('threats', '', { reporter: v('reporter'), ip: v('ip'), url_domain: v('url_domain'), kind: kindSel.value === 'all' ? 'all' : '', page: '' }, true);
  };
  kindSel.addEventListener('change', apply);
  form.addEventListener('submit', e => { e.preventDefault(); apply(); });
  box.append(form);

  const csv = Object.assign({}, params, { lang: L, tz: tz() });
  delete csv.page;
  delete csv.per_page;
  const filtered = p.reporter || p.ip || p.url_domain;
  if (d.partial) box.append(h('p', { class: 'note', id: 'partial-note' }, t('threats.partial', { n: fmtInt(d.window, L) })));
  box.append(h('div', { class: 'toolbar' },
    h('span', { id: 'threats-total', 'data-total': d.total }, t('threats.n_listed', { n: fmtInt(d.total, L) })),
    d.total > 0 ? h('a', { class: 'btn primary', id: 'csv', href: '/api/v1/threats.csv?' + qs(csv), download: '' }, t('mail.csv')) : null));

  if (!d.rows.length) {
    if (filtered || s.reports_received > 0) box.append(h('p', { class: 'empty', id: 'threats-none' }, t('threats.none_match')));
    else box.append(emptyHelp(p.domain, 'threats-empty'));
    return;
  }
  const head = [zoned(t('threats.arrival')), t('col.reporter'), t('col.source_ip'), t('threats.subject'), t('col.header_from'),
    t('col.policy_domain'), t('threats.auth_failure'), t('threats.sender'), t('threats.urls'), t('threats.att_col')];
  box.append(h('div', { class: 'scroll' }, h('table', { class: 'grid threats', id: 'threats-table' },
    h('thead', null, h('tr', null, head.map(x => h('th', null, x)))),
    h('tbody', null, d.rows.map(r => h('tr', { 'data-id': r.id },
      h('td', { class: 'nowrap' }, h('a', { href: ctx.link('threat', String(r.id)) }, fmtDate(r.arrival_time))),
      h('td', { class: 'ellip', title: r.reporter || '' }, r.reporter || '–'),
      h('td', { class: 'mono nowrap' }, r.source_ip ? h('a', { href: ctx.link('host', r.source_ip), class: 'ip' }, r.source_ip) : '–',
        r.ptr ? h('div', { class: 'muted small ellip', title: r.ptr }, r.ptr) : null),
      h('td', { class: 'subject' }, h('a', { href: ctx.link('threat', String(r.id)), class: 'subj', title: r.subject || '' },
        r.subject || t('threats.no_subject')),
        r.feedback_type && r.feedback_type !== 'auth-failure' ? [' ', h('span', { class: 'badge' }, r.feedback_type)] : null),
      h('td', { class: 'ellip', title: r.mail_from || '' }, r.mail_from || '–'),
      h('td', { class: 'nowrap' }, r.policy_domain || '–'),
      h('td', { class: 'nowrap' }, authWord(r.auth_failure)),
      h('td', { class: 'nowrap' }, h('span', { class: 'v ' + (r.authorized ? 'v-pass' : 'v-fail') },
        t(r.authorized ? 'threats.from_my_senders' : 'threats.from_unauthorized'))),
      h('td', { class: 'num' }, fmtInt(r.url_count, L)),
      h('td', { class: 'num' }, r.attachment_count ? h('span', { class: 'v v-fail' }, fmtInt(r.attachment_count, L)) : '0')))))));
  box.append(pager(ctx, Number(params.page), Math.max(1, Math.ceil(d.total / d.per_page)), 'threats', ''));
}
