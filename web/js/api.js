// api.js - fetches from /api/v1/.  Errors become exceptions with the
// server's message; the caller shows them as text.
// Exports: get, getText, send.

export async function get(path, params) {
  const q = params ? new URLSearchParams(Object.entries(params).filter(([, v]) =>
    v !== null && v !== undefined && v !== '')).toString() : '';
  const r = await fetch('/api/v1/' + path + (q ? '?' + q : ''), { headers: { Accept: 'application/json' } });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error((body && body.message) || r.statusText);
  return body;
}

export async function getText(path) {
  const r = await fetch('/api/v1/' + path);
  if (!r.ok) throw new Error(r.statusText);
  return r.text();
}

export async function send(method, path, body) {
  const r = await fetch('/api/v1/' + path, {
    method, headers: { 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : '{}',
  });
  const j = await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error((j && j.message) || r.statusText), { status: r.status, field: j && j.field });
  return j;
}
