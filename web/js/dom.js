// dom.js - building DOM safely.  Every piece of text goes in through
// textContent (h() children, text()), never innerHTML, so report fields
// (org names, comments, domains) can never become markup.
// Exports: h, clear, fmtInt, fmtPct, fmtDate, fmtHour, dayStr, addDays, qs.

export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function fmtInt(n, lang) {
  return Number(n || 0).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-US');
}

export function fmtPct(n) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '–';
  return Number(n).toFixed(1) + '%';
}

export function pct(part, total) {
  return total > 0 ? (100 * part) / total : 0;
}

export function dayStr(t) {
  return new Date(t * 1000).toISOString().slice(0, 10);
}

export function fmtHour(t) {
  const s = new Date(t * 1000).toISOString();
  return s.slice(0, 10) + ' ' + s.slice(11, 13) + ':00';
}

export function fmtDate(t) {
  const s = new Date(t * 1000).toISOString();
  return s.slice(0, 10) + ' ' + s.slice(11, 16) + 'Z';
}

export function addDays(ymd, n) {
  const d = new Date(ymd + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== null && v !== undefined && v !== '') u.set(k, v);
  return u.toString();
}
