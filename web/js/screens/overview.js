// overview.js - the Domains screen (issue 19): every policy domain the user
// may see over the period, one row each: messages, DMARC pass / SPF / DKIM
// aligned %, spoofing suspected with its daily sparkline, My Senders' auth
// failures, the published policy, the next step from the readiness for it
// (the API's ready{}: the step as a short label linking to the domain's
// readiness screen, the record to publish on hover, and a line under it with
// the level and the share of legitimate mail aligned), open alerts,
// reporters, the last report, and under the name the flags (spoofed,
// failing, p=none, silent, unassigned).  Totals of the matching domains on top (the
// statistics screen's cards), then search, filter chips, sortable headers,
// server-side paging and the CSV of the table.  The domain's name links to
// its statistics for the same period.  The portal's landing page when the
// user sees more than one domain (app.js).
// Data: GET /api/v1/overview, /api/v1/overview.csv.
// Exports: render.

import { h, fmtInt, fmtPct, fmtDay, qs } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get, auth, viewTenant } from '../api.js';
import { pager } from './mail.js';

export const FLAGS = ['spoofed', 'failing', 'p_none', 'silent', 'unassigned'];
const PER_PAGE = 50;

function card(label, value, sub, id, bad) {
  return h('div', { class: 'card' + (bad ? ' bad' : ''), id }, h('div', { class: 'card-label' }, label),
    h('div', { class: 'card-value' }, value), sub ? h('div', { class: 'card-sub' }, sub) : null);
}

// An SVG sparkline of the values (no axes); the highest point is the top.
function spark(values, title) {
  const NS = 'http://www.w3.org/2000/svg';
  const w = 72, ht = 20, n = values.length;
  const max = Math.max(1, ...values);
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + ht);
  svg.setAttribute('width', String(w));
  svg.setAttribute('height', String(ht));
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  const tt = document.createElementNS(NS, 'title');
  tt.textContent = title;
  svg.append(tt);
  if (n > 0) {
    const x = i => (n === 1 ? w / 2 : (i * (w - 2)) / (n - 1) + 1);
    const y = v => ht - 2 - (v * (ht - 4)) / max;
    const area = document.createElementNS(NS, 'polygon');
    area.setAttribute('points', x(0) + ',' + (ht - 1) + ' ' + values.map((v, i) => x(i) + ',' + y(v)).join(' ') + ' ' + x(n - 1) + ',' + (ht - 1));
    area.setAttribute('class', 'spark-area');
    const line = document.createElementNS(NS, 'polyline');
    line.setAttribute('points', values.map((v, i) => x(i) + ',' + y(v)).join(' '));
    line.setAttribute('class', 'spark-line');
    svg.append(area, line);
  }
  return svg;
}

// The next step's cell: the short label (a link to the readiness screen of
// the domain for the period), the record on hover, the level under it.
function nextCell(r, data) {
  const rd = r.ready || {};
  const link = '#/ready?' + qs({ domain: r.domain, since: data.since, until: data.until });
  const rec = rd.record ? t('ready.next') + ': ' + rd.record : (rd.current ? t('ov.ready.current') + ': ' + rd.current : '');
  const has = rd.aligned_pct !== null && rd.aligned_pct !== undefined && rd.level !== 'done' && rd.level !== 'no_reports';
  const why = has ? t('ov.ready.aligned', { pct: fmtPct(rd.aligned_pct), th: rd.threshold }) : '';
  return h('td', { class: 'small next' },
    h('a', { href: link, class: 'ov-next step-' + r.next_step, title: rec || null, 'data-record': rd.record || '' }, t('ov.step.' + r.next_step)),
    h('div', { class: 'ready-level level-' + rd.level, title: [why, rec].filter(Boolean).join('\n') || null },
      t('ov.ready.' + rd.level, { n: rd.days_needed }) + (has ? ' · ' + fmtPct(rd.aligned_pct) : '')));
}

function policyText(p) {
  if (!p || !p.p) return '–';
  return 'p=' + p.p + (p.sp && p.sp !== p.p ? ' sp=' + p.sp : '') + (p.pct !== null && p.pct !== undefined && p.pct !== 100 ? ' pct=' + p.pct : '') +
    (p.t ? ' t=' + p.t : '');
}

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  // tenants exist only with users: then an operator sees the tenant column
  // and the unassigned flag (in single-user mode every domain is unassigned)
  const operator = auth.users && auth.role === 'operator';
  const filters = (p.filter || '').split(',').filter(f => FLAGS.includes(f));
  const sort = p.sort || 'messages';
  const dir = p.dir || (sort === 'domain' || sort === 'tenant' ? 'asc' : 'desc');
  const params = { since: p.since, until: p.until, q: p.q, filter: filters.join(','), sort, dir, page: p.page || 1, per_page: PER_PAGE };
  const data = await get('overview', params);
  const tot = data.totals || {};

  box.append(h('h1', null, t('ov.title')));
  box.append(h('div', { class: 'cards', id: 'ov-cards' },
    card(t('stats.messages'), fmtInt(tot.messages, L), t('ov.domains_n', { n: fmtInt(tot.domains, L) }), 'card-messages'),
    card(t('stats.dmarc_pass'), fmtPct(tot.dmarc_pass_pct), fmtInt(tot.dmarc_pass, L), 'card-dmarc'),
    card(t('stats.spf_aligned'), fmtPct(tot.spf_aligned_pct), fmtInt(tot.spf_aligned, L), 'card-spf'),
    card(t('stats.dkim_aligned'), fmtPct(tot.dkim_aligned_pct), fmtInt(tot.dkim_aligned, L), 'card-dkim'),
    card(t('class.spoofing_suspected'), fmtInt(tot.spoofing, L), fmtPct(tot.spoofing_pct), 'card-spoofing', (tot.spoofing || 0) > 0)));

  // search (as you type, after a pause) and the filter chips
  const q = h('input', { type: 'search', id: 'ov-q', value: p.q || '', placeholder: t('ov.search_ph'), maxlength: '253', autocomplete: 'off' });
  const apply = () => ctx.go('overview', '', { q: q.value.trim(), page: '' }, true);
  let timer = null;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(apply, 400); });
  const form = h('form', { class: 'filters', id: 'ov-filters' },
    h('label', null, t('ov.search'), ' ', q), h('button', { type: 'submit', id: 'ov-apply' }, t('apply')));
  form.addEventListener('submit', e => { e.preventDefault(); clearTimeout(timer); apply(); });
  const flags = tot.flags || {};
  const chips = h('span', { class: 'seg', id: 'ov-chips' }, FLAGS.filter(f => f !== 'unassigned' || operator).map(f => {
    const on = filters.includes(f);
    const next = on ? filters.filter(x => x !== f) : filters.concat([f]);
    return h('a', { class: 'btn small' + (on ? ' on' : ''), id: 'ov-f-' + f, href: ctx.link('overview', '', Object.assign({}, ctx.p, { filter: next.join(','), page: '' })),
      title: t('ov.flag_help.' + f, { n: data.silent_days }) }, t('ov.flag.' + f), ' ', h('span', { class: 'chip-n' }, fmtInt(flags[f], L)));
  }));
  form.append(h('span', { class: 'chips-label' }, t('ov.filter')), chips);
  if (filters.length || p.q)
    form.append(h('a', { href: ctx.link('overview', '', { since: p.since, until: p.until, sort: p.sort, dir: p.dir }), id: 'ov-clear' }, t('threats.clear')));
  box.append(form);

  const csv = Object.assign({}, params, { lang: L });
  delete csv.page;
  delete csv.per_page;
  if (viewTenant()) csv.tenant = viewTenant();
  box.append(h('div', { class: 'toolbar' },
    h('span', { id: 'ov-total' }, t('ov.total', { n: fmtInt(data.total, L) })),
    h('a', { class: 'btn primary', id: 'ov-csv', href: '/api/v1/overview.csv?' + qs(csv), download: '' }, t('mail.csv'))));

  const cols = [['domain', 'picker.domain']];
  if (operator) cols.push(['tenant', 'acct.tenant']);
  cols.push(['messages', 'stats.messages'], ['dmarc_pass', 'stats.dmarc_pass'], ['spf_aligned', 'stats.spf_aligned'],
    ['dkim_aligned', 'stats.dkim_aligned'], ['spoofing', 'class.spoofing_suspected'], [null, 'ov.trend'],
    ['auth_failure', 'ov.auth_failure'], ['policy', 'stats.policy'], ['next_step', 'stats.next_step'],
    ['alerts', 'ov.alerts'], ['reporters', 'stats.reporters'], ['last_report', 'ov.last_report']);
  const head = cols.map(([key, l]) => {
    if (!key) return h('th', null, t(l));
    const on = sort === key;
    const nextDir = on ? (dir === 'asc' ? 'desc' : 'asc') : (key === 'domain' || key === 'tenant' ? 'asc' : 'desc');
    return h('th', { class: 'sortable' + (on ? ' on ' + dir : ''), 'data-col': key },
      h('a', { href: ctx.link('overview', '', Object.assign({}, ctx.p, { sort: key, dir: nextDir, page: '' })), 'data-sort': key }, t(l)));
  });
  const rows = data.rows.map(r => {
    const statsLink = '#/stats?' + qs({ domain: r.domain, since: data.since, until: data.until });
    // the flags under the name
    const cells = [h('td', { class: 'nowrap' }, h('a', { href: statsLink, class: 'ov-domain' }, r.domain),
      h('div', { class: 'flags' }, r.flags.filter(f => f !== 'unassigned' || operator).map(f =>
        h('span', { class: 'badge flag flag-' + f, title: t('ov.flag_help.' + f, { n: data.silent_days }) }, t('ov.flag.' + f)))))];
    if (operator) cells.push(h('td', { class: 'nowrap' }, r.tenant || h('span', { class: 'muted' }, t('ov.flag.unassigned'))));
    const empty = !r.messages;
    cells.push(
      h('td', { class: 'num' }, fmtInt(r.messages, L)),
      h('td', { class: 'num' }, empty ? '–' : fmtPct(r.dmarc_pass_pct)),
      h('td', { class: 'num' }, empty ? '–' : fmtPct(r.spf_aligned_pct)),
      h('td', { class: 'num' }, empty ? '–' : fmtPct(r.dkim_aligned_pct)),
      h('td', { class: 'num' + (r.spoofing > 0 ? ' warn-text' : '') }, r.spoofing > 0 ?
        h('a', { href: '#/mail?' + qs({ domain: r.domain, since: data.since, until: data.until, class: 'spoofing_suspected' }) }, fmtInt(r.spoofing, L)) : '0'),
      h('td', { class: 'trend trend-' + r.spoofing_trend }, spark(r.spoofing_series || [], t('ov.trend_title', { d: r.domain }) + (r.spoofing > 0 ? ': ' + t('ov.trend.' + r.spoofing_trend) : '')),
        // the word only when it is rising (the line shows the rest; its title says it)
        r.spoofing > 0 && r.spoofing_trend === 'up' ? h('span', { class: 'trend-word' }, t('ov.trend.up')) : null),
      h('td', { class: 'num' }, fmtInt(r.auth_failure, L)),
      h('td', { class: 'nowrap mono small' }, policyText(r.policy)),
      nextCell(r, data),
      h('td', { class: 'num' }, r.alerts > 0 ? h('a', { href: '#/alerts?' + qs({ domain: r.domain }), class: 'badge flag' }, fmtInt(r.alerts, L)) : '0'),
      h('td', { class: 'num' }, fmtInt(r.reporters, L)),
      h('td', { class: 'nowrap' + (r.flags.includes('silent') ? ' warn-text' : '') }, fmtDay(r.last_report)));
    return h('tr', { 'data-domain': r.domain }, cells);
  });
  box.append(h('div', { class: 'scroll' }, h('table', { class: 'grid overview', id: 'ov-table' },
    h('thead', null, h('tr', null, head)), h('tbody', null, rows))));
  if (!data.rows.length) box.append(h('p', { class: 'empty', id: 'ov-empty' }, t('ov.none')));
  const pages = Math.max(1, Math.ceil(data.total / data.per_page));
  box.append(pager(ctx, Number(params.page), pages, 'overview', ''));
}
