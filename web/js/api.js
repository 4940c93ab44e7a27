// api.js - fetches from /api/v1/.  Errors become exceptions with the
// server's message (and .status); the caller shows them as text.
// The login state (auth, from GET /session: user, role, can_write, the CSRF
// token) is kept here: every change sends X-CSRF-Token, and an operator's
// chosen tenant (setViewTenant, kept for the tab in sessionStorage) goes as
// tenant=ID on every read.  A 401 while logged in (the session expired or
// was ended) reloads the page, which shows the login form and comes back
// to the same screen afterwards.
// Exports: get, getText, send, auth, setAuth, canWrite, viewTenant, setViewTenant.

export const auth = { users: false, authenticated: true, method: 'local', role: 'operator', can_write: true };
const VIEW_KEY = 'dmarcscope.tenant';

export function setAuth(s) {
  for (const k of Object.keys(auth)) delete auth[k];
  Object.assign(auth, s);
}

// whether this login may change things (My Senders, retries): never a viewer
export function canWrite() { return auth.can_write !== false; }

// the operator's chosen tenant id, or '' for every tenant
export function viewTenant() {
  if (auth.role !== 'operator' || !auth.users) return '';
  try { return sessionStorage.getItem(VIEW_KEY) || ''; } catch (e) { return ''; }
}

export function setViewTenant(id) {
  try {
    if (id) sessionStorage.setItem(VIEW_KEY, String(id));
    else sessionStorage.removeItem(VIEW_KEY);
  } catch (e) { /* storage off */ }
}

function expired(e) {
  if (e.status === 401 && e.code !== 'login_failed' && auth.users && auth.authenticated) {
    auth.authenticated = false;
    location.reload();
  }
}

async function fail(r) {
  const body = await r.json().catch(() => null);
  const e = new Error((body && body.message) || r.statusText);
  e.status = r.status;
  e.code = body && body.error;
  e.field = body && body.field;
  return e;
}

function withTenant(params) {
  const v = viewTenant();
  return v && !(params && 'tenant' in params) ? Object.assign({ tenant: v }, params || {}) : params;
}

export async function get(path, params) {
  params = withTenant(params);
  const q = params ? new URLSearchParams(Object.entries(params).filter(([, v]) =>
    v !== null && v !== undefined && v !== '')).toString() : '';
  const r = await fetch('/api/v1/' + path + (q ? '?' + q : ''), { headers: { Accept: 'application/json' } });
  if (!r.ok) { const e = await fail(r); expired(e); throw e; }
  return r.json();
}

export async function getText(path) {
  const v = viewTenant();
  const r = await fetch('/api/v1/' + path + (v ? (path.includes('?') ? '&' : '?') + 'tenant=' + encodeURIComponent(v) : ''));
  if (!r.ok) { const e = await fail(r); expired(e); throw e; }
  return r.text();
}

export async function send(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (auth.csrf) headers['X-CSRF-Token'] = auth.csrf;
  const v = viewTenant();
  const r = await fetch('/api/v1/' + path + (v && !/^(users|tokens|login|logout|password)/.test(path) ? '?tenant=' + encodeURIComponent(v) : ''), {
    method, headers, body: body ? JSON.stringify(body) : '{}',
  });
  if (!r.ok) { const e = await fail(r); expired(e); throw e; }
  return r.json().catch(() => null);
}
