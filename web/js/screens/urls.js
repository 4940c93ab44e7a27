// urls.js - the URLs found in the failure reports of the domain and period:
// top URLs, or top URL domains (registered domains), by the number of
// failure reports they appeared in, with occurrences and first and last
// seen (in the chosen zone).  A URL is shown only defanged
// (hxxp://example[.]com), as text and never as a link; each row links to
// the threats list filtered by its URL domain.
// Data: GET /api/v1/threat-urls?by=url|domain.
// Exports: render.

import { h, fmtInt, fmtDate, zoned } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';
import { pager } from './mail.js';
import { tabs, emptyHelp } from './threats.js';

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  const by = p.by === 'domain' ? 'domain' : 'url';
  box.append(h('h1', null, t('threats.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));
  box.append(tabs(ctx, 'urls'));
  const d = await get('threat-urls', { domain: p.domain, since: p.since, until: p.until, by, url_domain: p.url_domain,
    page: p.page || 1, per_page: 50 });
  box.append(h('div', { class: 'toolbar' },
    h('span', { class: 'seg', id: 'urls-by' },
      h('a', { href: ctx.link('urls', '', { by: '' }), class: 'btn small' + (by === 'url' ? ' on' : ''), id: 'by-url' }, t('urls.by_url')),
      h('a', { href: ctx.link('urls', '', { by: 'domain' }), class: 'btn small' + (by === 'domain' ? ' on' : ''), id: 'by-domain' }, t('urls.by_domain'))),
    h('span', { id: 'urls-total', 'data-total': d.total }, t(by === 'url' ? 'urls.n_urls' : 'urls.n_domains', { n: fmtInt(d.total, L) }))));
  box.append(h('p', { class: 'muted small' }, t('threat.urls_note')));
  if (d.partial) box.append(h('p', { class: 'note', id: 'partial-note' },
    t('urls.partial', { r: fmtInt(d.window, L), n: fmtInt(d.url_window, L) })));
  if (!d.rows.length) {
    const any = await get('threats', { domain: p.domain, since: p.since, until: p.until, kind: 'all', per_page: 1 }).catch(() => null);
    if (any && any.summary && any.summary.reports_received > 0) box.append(h('p', { class: 'empty', id: 'urls-empty' }, t('urls.empty')));
    else box.append(emptyHelp(p.domain, 'urls-empty'));
    return;
  }
  const head = by === 'url' ? [t('urls.url'), t('urls.reg_domain')] : [t('urls.domain')];
  box.append(h('div', { class: 'scroll' }, h('table', { class: 'grid urls', id: 'urls-table' },
    h('thead', null, h('tr', null, [...head, t('urls.reports'), t('urls.occurrences'), zoned(t('stats.first_seen')), zoned(t('stats.last_seen'))]
      .map(x => h('th', null, x)))),
    h('tbody', null, d.rows.map(r => {
      const dom = r.reg_domain || r.host;
      const domText = r.defanged_domain || (dom || '').replaceAll('.', '[.]');
      const domCell = dom ? h('a', { href: ctx.link('threats', '', { url_domain: dom }), title: t('threat.url_domain_link') }, domText) : '–';
      return h('tr', null,
        by === 'url' ? [h('td', { class: 'mono defanged' }, r.defanged || ''), h('td', { class: 'nowrap' }, domCell)] : h('td', { class: 'nowrap mono' }, domCell),
        h('td', { class: 'num' }, fmtInt(r.reports, L)), h('td', { class: 'num' }, fmtInt(r.occurrences, L)),
        h('td', { class: 'nowrap' }, fmtDate(r.first_seen)), h('td', { class: 'nowrap' }, fmtDate(r.last_seen)));
    })))));
  box.append(pager(ctx, Number(p.page || 1), Math.max(1, Math.ceil(d.total / (d.per_page || 50))), 'urls', ''));
}
