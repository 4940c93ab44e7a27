// users.js - the User management screen (admins: their tenant's users;
// operators: every user, or the tenant chosen in the header): the list with
// role, tenant, state and dates; add a user (name, role, initial password;
// operators also choose the tenant); disable / enable, reset the password
// (the user's sessions end), remove.  One's own user cannot be disabled or
// removed here (the server refuses it too).
// Data: GET /api/v1/users; POST /api/v1/users, /users/ID/disable|enable|password;
// DELETE /api/v1/users/ID.
// Exports: render.

import { h, fmtDate, zoned } from '../dom.js';
import { t } from '../i18n.js';
import { get, send, auth, viewTenant } from '../api.js';
import { tenantList } from '../account.js';

let flash = { text: '', until: 0 };

export async function render(box, ctx) {
  const d = await get('users');
  const op = auth.role === 'operator';
  const msg = h('p', { class: 'status', id: 'users-status', role: 'status' }, Date.now() < flash.until ? flash.text : '');
  const done = text => { flash = { text, until: Date.now() + 8000 }; ctx.redraw(); };
  const act = async (fn, text) => {
    try { await fn(); done(text); } catch (e) { msg.textContent = t('error') + ': ' + e.message; }
  };

  box.append(h('h1', null, t('users.title')));
  box.append(msg);

  // add a user
  const name = h('input', { id: 'user-name', autocomplete: 'off', maxlength: '64', required: true });
  const roles = op ? ['viewer', 'admin', 'operator'] : ['viewer', 'admin'];
  const role = h('select', { id: 'user-role' }, roles.map(r => h('option', { value: r }, t('role.' + r))));
  const tenant = op ? h('select', { id: 'user-tenant' }, tenantList().map(x =>
    h('option', { value: String(x.id), selected: String(x.id) === viewTenant() }, x.name))) : null;
  const pw = h('input', { id: 'user-password', type: 'password', autocomplete: 'new-password', minlength: '8', maxlength: '1024', required: true });
  const form = h('form', { class: 'admin-form', id: 'user-add' },
    h('label', null, h('span', null, t('users.name')), name),
    h('label', null, h('span', null, t('users.role')), role),
    tenant ? h('label', { id: 'user-tenant-label' }, h('span', null, t('acct.tenant')), tenant) : null,
    h('label', null, h('span', null, t('users.initial_password')), pw),
    h('button', { type: 'submit', class: 'btn primary', id: 'user-add-submit' }, t('users.add')));
  if (tenant) {
    const sync = () => { tenant.disabled = role.value === 'operator'; };
    role.addEventListener('change', sync);
    sync();
  }
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    const body = { name: name.value.trim(), role: role.value, password: pw.value };
    if (op && role.value !== 'operator') body.tenant_id = Number(tenant.value);
    act(() => send('POST', 'users', body), t('users.added', { name: body.name }));
  });
  box.append(h('section', { class: 'panel', id: 'user-add-panel' }, h('h2', null, t('users.add_title')),
    h('p', { class: 'muted small' }, t('users.add_note')), form));

  // the list
  const head = [t('users.name'), t('users.role'), op ? t('acct.tenant') : null, t('users.state'),
    zoned(t('users.created')), zoned(t('users.pw_changed')), ''].filter(x => x !== null);
  const row = u => {
    const self = u.name === auth.user;
    const reset = h('form', { class: 'inline-form', hidden: true },
      h('input', { type: 'password', class: 'reset-password', autocomplete: 'new-password', minlength: '8', maxlength: '1024', required: true,
        'aria-label': t('users.new_password'), placeholder: t('users.new_password') }),
      h('button', { type: 'submit', class: 'btn small primary' }, t('users.set')));
    reset.addEventListener('submit', ev => {
      ev.preventDefault();
      act(() => send('POST', 'users/' + u.id + '/password', { password: reset.querySelector('input').value }),
        t('users.reset_done', { name: u.name }));
    });
    const canTouch = !self && (op || u.role !== 'operator');
    return h('tr', { 'data-user': u.name, class: u.disabled ? 'disabled' : null },
      h('td', { class: 'mono' }, u.name, self ? h('span', { class: 'muted small' }, ' ' + t('users.you')) : null),
      h('td', null, h('span', { class: 'role-badge role-' + u.role }, t('role.' + u.role))),
      op ? h('td', null, u.tenant || '–') : null,
      h('td', null, u.disabled ? h('span', { class: 'v v-fail' }, t('users.disabled')) : t('users.enabled')),
      h('td', { class: 'nowrap' }, fmtDate(u.created_at)), h('td', { class: 'nowrap' }, fmtDate(u.pw_changed_at)),
      h('td', { class: 'actions' }, canTouch ? [
        h('button', { type: 'button', class: 'btn small ' + (u.disabled ? 'user-enable' : 'user-disable'), onclick: () =>
          act(() => send('POST', 'users/' + u.id + '/' + (u.disabled ? 'enable' : 'disable')),
            t(u.disabled ? 'users.enabled_done' : 'users.disabled_done', { name: u.name })) },
        t(u.disabled ? 'users.enable' : 'users.disable')),
        h('button', { type: 'button', class: 'btn small user-reset', onclick: () => { reset.hidden = !reset.hidden; if (!reset.hidden) reset.querySelector('input').focus(); } },
          t('users.reset')),
        h('button', { type: 'button', class: 'btn small danger user-remove', onclick: () => {
          if (confirm(t('users.remove_confirm', { name: u.name })))
            act(() => send('DELETE', 'users/' + u.id), t('users.removed', { name: u.name }));
        } }, t('users.remove')), reset] : null));
  };
  box.append(h('section', { class: 'panel', id: 'users' }, h('h2', null, t('users.list'), ' ', h('span', { class: 'badge' }, String(d.users.length))),
    h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'users-table' },
      h('thead', null, h('tr', null, head.map(x => h('th', null, x)))),
      h('tbody', null, d.users.length ? d.users.map(row) : h('tr', null, h('td', { colspan: String(head.length), class: 'muted' }, t('none'))))))));
}
