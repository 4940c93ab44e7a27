// tokens.js - the API tokens screen (admins: their tenant's; operators:
// every tenant's, or the tenant chosen in the header): make a token (name,
// scope read or write; operators choose the tenant) - the token is shown
// once, with a copy button and a warning that it cannot be shown again -,
// the list (prefix, scope, dates, last use) and revoking.
// Data: GET /api/v1/tokens; POST /api/v1/tokens; DELETE /api/v1/tokens/ID.
// Exports: render.

import { h, fmtDate, zoned } from '../dom.js';
import { t } from '../i18n.js';
import { get, send, auth, viewTenant } from '../api.js';
import { tenantList } from '../account.js';

// The token just made: shown until the user leaves the screen (live
// updates and a language switch redraw it; the server cannot show it again).
let fresh = null;
window.addEventListener('hashchange', () => { fresh = null; });

export async function render(box, ctx) {
  const d = await get('tokens');
  const op = auth.role === 'operator';
  const msg = h('p', { class: 'status', id: 'tokens-status', role: 'status' });
  box.append(h('h1', null, t('tokens.title')));
  box.append(h('p', { class: 'muted' }, t('tokens.intro')));
  box.append(msg);

  if (fresh) {
    const tok = fresh;
    const field = h('input', { id: 'new-token', class: 'mono token-field', readonly: true, value: tok.token, 'aria-label': t('tokens.new') });
    const copied = h('span', { class: 'muted small', id: 'copy-note', role: 'status' });
    const copy = h('button', { type: 'button', class: 'btn primary', id: 'copy-token' }, t('tokens.copy'));
    copy.addEventListener('click', async () => {
      field.select();
      try { await navigator.clipboard.writeText(tok.token); } catch (e) { document.execCommand('copy'); }
      copied.textContent = t('tokens.copied');
    });
    box.append(h('section', { class: 'panel token-once', id: 'token-once' },
      h('h2', null, t('tokens.created', { prefix: tok.prefix })),
      h('p', { class: 'banner warn', id: 'token-warning' }, t('tokens.once_warning')),
      h('div', { class: 'token-row' }, field, copy, copied),
      h('p', { class: 'muted small' }, t('tokens.usage'))));
  }

  const name = h('input', { id: 'token-name', maxlength: '200', autocomplete: 'off' });
  const scope = h('select', { id: 'token-scope' }, ['read', 'write'].map(s => h('option', { value: s }, t('scope.' + s))));
  const tenant = op ? h('select', { id: 'token-tenant' }, tenantList().map(x =>
    h('option', { value: String(x.id), selected: String(x.id) === viewTenant() }, x.name))) : null;
  const form = h('form', { class: 'admin-form', id: 'token-add' },
    h('label', null, h('span', null, t('tokens.name')), name),
    h('label', null, h('span', null, t('tokens.scope')), scope),
    tenant ? h('label', null, h('span', null, t('acct.tenant')), tenant) : null,
    h('button', { type: 'submit', class: 'btn primary', id: 'token-add-submit' }, t('tokens.add')));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const body = { name: name.value.trim(), scope: scope.value };
    if (op) body.tenant_id = Number(tenant.value);
    try {
      fresh = await send('POST', 'tokens', body);
      ctx.redraw();
    } catch (e) { msg.textContent = t('error') + ': ' + e.message; }
  });
  box.append(h('section', { class: 'panel', id: 'token-add-panel' }, h('h2', null, t('tokens.add_title')),
    h('p', { class: 'muted small' }, t('tokens.scope_note')), form));

  const head = ['ID', t('tokens.name'), t('tokens.prefix'), t('tokens.scope'), op ? t('acct.tenant') : null,
    zoned(t('tokens.created_at')), zoned(t('tokens.last_used')), t('users.state'), ''].filter(x => x !== null);
  const rows = d.tokens.map(x => h('tr', { 'data-token': x.prefix, class: x.revoked_at ? 'disabled' : null },
    h('td', { class: 'num' }, String(x.id)), h('td', null, x.name || ''), h('td', { class: 'mono' }, x.prefix + '…'),
    h('td', null, t('scope.' + x.scope)), op ? h('td', null, x.tenant || '') : null,
    h('td', { class: 'nowrap' }, fmtDate(x.created_at)), h('td', { class: 'nowrap' }, x.last_used ? fmtDate(x.last_used) : '–'),
    h('td', null, x.revoked_at ? h('span', { class: 'v v-fail' }, t('tokens.revoked') + ' ' + fmtDate(x.revoked_at)) : t('tokens.valid')),
    h('td', null, x.revoked_at ? null : h('button', { type: 'button', class: 'btn small danger token-revoke', onclick: async () => {
      if (!confirm(t('tokens.revoke_confirm', { prefix: x.prefix }))) return;
      try { await send('DELETE', 'tokens/' + x.id); ctx.redraw(); } catch (e) { msg.textContent = t('error') + ': ' + e.message; }
    } }, t('tokens.revoke')))));
  box.append(h('section', { class: 'panel', id: 'tokens' }, h('h2', null, t('tokens.list'), ' ', h('span', { class: 'badge' }, String(d.tokens.filter(x => !x.revoked_at).length))),
    h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'tokens-table' },
      h('thead', null, h('tr', null, head.map(x => h('th', null, x)))),
      h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: String(head.length), class: 'muted' }, t('none'))))))));
}
