// audit.js - the audit log screen, newest first: logins, failed logins,
// locks, password changes, user, tenant, domain and token changes, token
// use.  Admins see their tenant's entries; operators every entry, or the
// tenant chosen in the header.  Times in the chosen zone; the actions in
// words (the code in the title).
// Data: GET /api/v1/audit?limit=N.
// Exports: render.

import { h, fmtDate, zoned } from '../dom.js';
import { t } from '../i18n.js';
import { get, auth } from '../api.js';
import { tenantName } from '../account.js';

const LIMITS = ['50', '200', '1000'];

export async function render(box, ctx) {
  const limit = LIMITS.includes(ctx.p.limit) ? ctx.p.limit : '200';
  const d = await get('audit', { limit });
  const op = auth.role === 'operator';
  const sel = h('select', { id: 'audit-limit' }, LIMITS.map(n => h('option', { value: n, selected: n === limit }, n)));
  sel.addEventListener('change', () => ctx.go('audit', '', { limit: sel.value }, true));
  box.append(h('h1', null, t('audit.title')));
  box.append(h('div', { class: 'filters' }, h('label', null, t('audit.limit'), ' ', sel),
    h('span', { class: 'muted' }, t('audit.count', { n: d.entries.length }))));
  const action = a => {
    const k = 'audit.a.' + a;
    const s = t(k);
    return s === k ? a : s;
  };
  const head = [zoned(t('audit.at')), t('audit.actor'), t('audit.action'), t('audit.target'), op ? t('acct.tenant') : null,
    t('audit.ip'), t('audit.detail')].filter(x => x !== null);
  box.append(h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'audit-table' },
    h('thead', null, h('tr', null, head.map(x => h('th', null, x)))),
    h('tbody', null, d.entries.length ? d.entries.map(e => h('tr', { 'data-action': e.action },
      h('td', { class: 'nowrap' }, fmtDate(e.at)), h('td', { class: 'mono' }, e.actor),
      h('td', { class: 'nowrap' + (/failed|refused/.test(e.action) ? ' v v-fail' : ''), title: e.action }, action(e.action)),
      h('td', { class: 'mono' }, e.target || ''), op ? h('td', null, e.tenant_id ? tenantName(e.tenant_id) : '–') : null,
      h('td', { class: 'mono' }, e.ip || ''), h('td', { class: 'small' }, e.detail || '')))
      : h('tr', null, h('td', { colspan: String(head.length), class: 'muted' }, t('none')))))));
}
