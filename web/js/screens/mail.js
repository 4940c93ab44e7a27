// mail.js - the Mail list: IIJ's columns (date by hour, policy domain,
// source IP, reverse DNS, count, header From, DMARC result, SPF alignment,
// SPF result:domain, DKIM alignment, DKIM result:domain, disposition,
// country code) plus class; filters for class, result and IP/host search
// on top of the domain and range pickers; paging and sorting on the
// server; the filtered set as a streamed CSV download (in the UI's
// language and time zone).  Times are shown in the chosen zone, named in the
// date column's heading.
// Data: GET /api/v1/records, /api/v1/records.csv.
// Exports: render, mailTable.

import { h, fmtInt, fmtHour, qs, tz, zoned } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';

const COLS = [
  ['date', 'col.date'], ['domain', 'col.policy_domain'], ['ip', 'col.source_ip'], ['ptr', 'col.reverse_dns'],
  ['count', 'col.count'], ['header_from', 'col.header_from'], ['dmarc', 'col.dmarc'], ['spf', 'col.spf_alignment'],
  [null, 'col.spf_result'], ['dkim', 'col.dkim_alignment'], [null, 'col.dkim_result'], ['disposition', 'col.disposition'],
  ['country', 'col.country'], ['class', 'col.class'],
];

// pass / fail in the UI's words (IIJ: 成功 / 失敗); other values as reported.
function verdict(v) {
  const word = v === 'pass' || v === 'fail' ? t('verdict.' + v) : v || '';
  return h('span', { class: 'v v-' + (v === 'pass' ? 'pass' : 'fail') }, word);
}

// "softfail:example.co.jp pass:mail.example.co.jp": one line per result,
// never broken inside (the list scrolls sideways instead).
function results(s) {
  return (s || '').split(' ').filter(x => x).map(tok => h('div', { class: 'tok' }, h('span', null, tok)));
}

export function mailTable(rows, ctx, sort) {
  const L = lang();
  const head = COLS.map(([key, l]) => {
    const label = key === 'date' ? zoned(t(l)) : t(l);
    if (!key || !sort) return h('th', { 'data-col': key || l }, label);
    const on = sort.sort === key;
    const next = on && sort.dir !== 'asc' ? 'asc' : 'desc';
    return h('th', { class: 'sortable' + (on ? ' on ' + sort.dir : ''), 'data-col': key },
      h('a', { href: ctx.link('mail', '', Object.assign({}, ctx.p, { sort: key, dir: next, page: '' })), 'data-sort': key }, label));
  });
  return h('table', { class: 'grid mail', id: 'mail-table' }, h('thead', null, h('tr', null, head)),
    h('tbody', null, rows.map(r => h('tr', { 'data-id': r.id },
      h('td', { class: 'nowrap' }, h('a', { href: ctx.link('record', String(r.id)) }, fmtHour(r.date_begin))),
      h('td', { class: 'nowrap' }, r.policy_domain),
      h('td', { class: 'mono' }, h('a', { href: ctx.link('host', r.source_ip) }, r.source_ip)),
      h('td', { class: 'mono ellip', title: r.reverse_dns || '' }, r.reverse_dns || ''),
      h('td', { class: 'num' }, fmtInt(r.count, L)),
      h('td', { class: 'nowrap' }, r.header_from || ''),
      h('td', null, verdict(r.dmarc_result)),
      h('td', null, verdict(r.spf_alignment)),
      h('td', { class: 'mono small res' }, results(r.spf_result_domain)),
      h('td', null, verdict(r.dkim_alignment)),
      h('td', { class: 'mono small res' }, results(r.dkim_result_domain)),
      h('td', null, r.disposition || ''),
      h('td', null, r.country_code || ''),
      h('td', null, h('span', { class: 'cls cls-' + r.class_name }, t('class.' + r.class_name)))))));
}

function pager(ctx, page, pages, screen, arg) {
  const mk = (n, label, id) => n >= 1 && n <= pages && n !== page ?
    h('a', { href: ctx.link(screen, arg, Object.assign({}, ctx.p, { page: String(n) })), class: 'btn', id }, label) :
    h('span', { class: 'btn disabled' }, label);
  return h('div', { class: 'pager' }, mk(page - 1, '‹ ' + t('prev'), 'page-prev'),
    h('span', { id: 'page-info' }, t('page_of', { page, pages })), mk(page + 1, t('next') + ' ›', 'page-next'));
}

export { pager };

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  const days = (Date.parse(p.until) - Date.parse(p.since)) / 86400000 + 1;
  box.append(h('h1', null, t('mail.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));

  const cls = h('select', { id: 'f-class' }, h('option', { value: '' }, t('all')),
    ctx.meta.classes.map(c => h('option', { value: c, selected: p.class === c }, t('class.' + c))));
  const res = h('select', { id: 'f-result' }, h('option', { value: '' }, t('all')),
    h('option', { value: 'pass', selected: p.result === 'pass' }, t('result.pass')),
    h('option', { value: 'fail', selected: p.result === 'fail' }, t('result.fail')));
  const q = h('input', { type: 'search', id: 'f-q', value: p.q || '', placeholder: t('mail.search_ph'), maxlength: '255' });
  const apply = () => ctx.go('mail', '', { class: cls.value, result: res.value, q: q.value.trim(), page: '' }, true);
  cls.addEventListener('change', apply);
  res.addEventListener('change', apply);
  const form = h('form', { class: 'filters', id: 'filters' },
    h('label', null, t('col.class'), ' ', cls), h('label', null, t('col.dmarc'), ' ', res),
    h('label', null, t('mail.search'), ' ', q), h('button', { type: 'submit', id: 'f-apply' }, t('apply')));
  form.addEventListener('submit', e => { e.preventDefault(); apply(); });
  box.append(form);

  if (days > ctx.meta.max_range_days) {
    box.append(h('p', { class: 'banner warn', id: 'range-too-long' }, t('mail.range_max', { n: ctx.meta.max_range_days })));
    return;
  }
  const params = { domain: p.domain, since: p.since, until: p.until, class: p.class, result: p.result, q: p.q,
    sort: p.sort || 'date', dir: p.dir || 'desc', page: p.page || 1, per_page: 50 };
  const data = await get('records', params);
  const pages = Math.max(1, Math.ceil(data.total / data.per_page));
  const csvParams = Object.assign({}, params);
  delete csvParams.page;
  delete csvParams.per_page;
  csvParams.lang = L;	// the server localises the headers and writes the times in tz
  csvParams.tz = tz();
  if (data.partial) box.append(h('p', { class: 'note', id: 'partial-note' }, t('partial.mail', { n: fmtInt(data.window, L) })));
  box.append(h('div', { class: 'toolbar' },
    h('span', { id: 'mail-total' }, t('mail.total', { n: fmtInt(data.total, L), m: fmtInt(data.messages, L) })),
    h('a', { class: 'btn primary', id: 'csv', href: '/api/v1/records.csv?' + qs(csvParams), download: '' }, t('mail.csv'))));
  box.append(h('div', { class: 'scroll' }, mailTable(data.rows, ctx, { sort: params.sort, dir: params.dir })));
  box.append(pager(ctx, Number(params.page), pages, 'mail', ''));
}
