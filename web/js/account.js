// account.js - login and the account in the header (issue 14).
// start() asks GET /api/v1/session: with no users defined (single-user
// mode) or a valid session it returns at once and the portal is as it was;
// else it shows the login form (user, password, language switch; errors for
// a wrong password and for a lock, with the time to try again) and returns
// after a successful login, so the page goes on to the screen in the
// address - where the user was.  drawHeader() fills #account in the top
// bar: the user's name and role with a menu (password change; users, API
// tokens and audit log for admins and operators) and the logout button;
// and, for an operator, the tenant switcher first in the pickers row (the
// chosen tenant goes as tenant=ID on every request, api.js; on the account
// screens it is the row's only control).
// Exports: start, drawHeader, screens (the account screens, for app.js's
// router), noPickers(screen).

import { h, clear, fmtTime, tzLabel } from './dom.js';
import { t, lang, setLang } from './i18n.js';
import { get, send, auth, setAuth, viewTenant, setViewTenant } from './api.js';
import * as users from './screens/users.js';
import * as tokens from './screens/tokens.js';
import * as audit from './screens/audit.js';
import * as password from './screens/password.js';

export const screens = { users, tokens, audit, password };
export const noPickers = s => Object.prototype.hasOwnProperty.call(screens, s);
let tenants = [];

export async function start() {
  const r = await fetch('/api/v1/session', { headers: { Accept: 'application/json' } });
  const s = await r.json().catch(() => null);
  if (r.ok && s) setAuth(s);
  if (!auth.users || !auth.authenticated) {
    if (auth.users) await loginPage();
    else return;
  }
  if (auth.role === 'operator') {
    try { tenants = (await get('tenants', { tenant: '' })).tenants; } catch (e) { tenants = []; }
    if (viewTenant() && !tenants.some(x => String(x.id) === viewTenant())) setViewTenant('');
  }
}

// The login form in place of the page; resolves once logged in.
function loginPage() {
  document.body.classList.add('login-mode');
  return new Promise(resolve => {
    let userName = '';
    const draw = (msg) => {
      const main = clear(document.getElementById('main'));
      const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true, value: userName, maxlength: '64' });
      const pw = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: '1024' });
      const err = h('p', { class: 'error', id: 'login-error', role: 'alert' }, msg || '');
      const btn = h('button', { type: 'submit', class: 'btn primary', id: 'login-submit' }, t('login.submit'));
      const form = h('form', { id: 'login-form', class: 'login-form' },
        h('label', null, h('span', null, t('login.user')), user),
        h('label', null, h('span', null, t('login.password')), pw), err, btn);
      form.addEventListener('submit', async ev => {
        ev.preventDefault();
        userName = user.value;
        btn.disabled = true;
        err.textContent = '';
        try {
          const r = await fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ user: user.value.trim(), password: pw.value }) });
          const j = await r.json().catch(() => null);
          if (r.ok && j && j.authenticated) {
            setAuth(j);
            document.body.classList.remove('login-mode');
            clear(document.getElementById('main'));
            resolve();
            return;
          }
          pw.value = '';
          if (r.status === 429) {
            const after = Number(r.headers.get('Retry-After')) || 900;
            err.textContent = t('login.locked', { time: fmtTime(Date.now() / 1000 + after) + ' ' + tzLabel(), min: Math.ceil(after / 60) });
          } else if (r.status === 401) err.textContent = t('login.wrong');
          else err.textContent = t('error') + ': ' + ((j && j.message) || r.statusText);
        } catch (e) {
          err.textContent = t('error') + ': ' + e.message;
        }
        btn.disabled = false;
        pw.focus();
      });
      const langs = h('div', { class: 'lang login-lang', id: 'login-lang' }, [['ja', '日本語'], ['en', 'English']].map(([l, name]) =>
        h('button', { type: 'button', 'data-lang': l, class: l === lang() ? 'on' : null, onclick: () => {
          userName = user.value;
          setLang(l);
          draw('');
        } }, name)));
      main.append(h('div', { class: 'login-card', id: 'login' }, h('div', { class: 'login-brand' }, 'dmarcscope'),
        h('h1', null, t('login.title')), form, langs));
      document.title = t('login.title') + ' - dmarcscope';
      (userName ? pw : user).focus();
      document.body.dataset.ready = 'login';
    };
    draw('');
  });
}

const MANAGE = ['users', 'tokens', 'audit'];

export function drawHeader(screen) {
  const box = document.getElementById('account');
  const slot = document.getElementById('tenant-slot');
  const pickers = document.getElementById('pickers');
  if (!box || !slot) return;
  clear(box);
  clear(slot);
  document.title = 'dmarcscope';
  const operator = auth.users && auth.authenticated && auth.role === 'operator';
  // the account screens have no domain or period: only an operator's tenant
  pickers.hidden = noPickers(screen) && !operator;
  pickers.classList.toggle('only-tenant', noPickers(screen) && operator);
  if (!auth.users || !auth.authenticated) return;
  const manager = auth.role === 'operator' || auth.role === 'admin';
  if (operator) {
    // first in the pickers row: tenant, then its domain and period
    const sel = h('select', { id: 'tenant-switch' },
      h('option', { value: '' }, t('acct.all_tenants')),
      tenants.map(x => h('option', { value: String(x.id), selected: String(x.id) === viewTenant() }, x.name)));
    sel.addEventListener('change', () => {
      setViewTenant(sel.value);
      // the domain and its range belong to the former view: start the screen afresh
      history.replaceState(null, '', '#/' + (screen || 'stats'));
      location.reload();
    });
    slot.append(h('label', { class: 'tenant-pick' }, h('span', null, t('acct.tenant')), ' ', sel));
  }
  const items = [h('a', { href: '#/password', id: 'menu-password', class: screen === 'password' ? 'on' : null }, t('password.title'))];
  if (manager)
    for (const s of MANAGE)
      items.push(h('a', { href: '#/' + s, id: 'menu-' + s, class: screen === s ? 'on' : null }, t(s + '.title')));
  const menu = h('details', { class: 'acct-menu', id: 'acct-menu' },
    h('summary', { id: 'acct-user', title: t('acct.menu') }, h('span', { class: 'acct-name' }, auth.user),
      ' ', h('span', { class: 'role-badge role-' + auth.role, id: 'acct-role' }, t('role.' + auth.role))),
    h('nav', { class: 'acct-items' }, items));
  for (const a of items) a.addEventListener('click', () => { menu.open = false; });
  const out = h('button', { type: 'button', class: 'logout', id: 'logout' }, t('login.logout'));
  out.addEventListener('click', async () => {
    out.disabled = true;
    try { await send('POST', 'logout'); } catch (e) { /* the session is gone anyway */ }
    setViewTenant('');
    location.reload();
  });
  box.append(menu, out);
}

// for the account screens: the tenant names by id (operators)
export function tenantName(id) {
  const x = tenants.find(y => y.id === id);
  return x ? x.name : id ? '#' + id : '';
}

export function tenantList() { return tenants; }
