// dom.js - building DOM safely.  Every piece of text goes in through
// textContent (h() children, text()), never innerHTML, so report fields
// (org names, comments, domains) can never become markup.
// Times are shown in one time zone (tz(), chosen with setTz(), saved in
// localStorage) and every heading over times names it (zoned()).
// Exports: h, clear, fmtInt, fmtPct, pct, fmtDate, fmtHour, fmtTime, fmtDay,
// dayStr (UTC), addDays, qs, initZone, tz, setTz, tzLabel, zoned, browserZone.

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

// The time zone every time is shown in: a saved choice, else Asia/Tokyo for
// Japanese, else the browser's.  Days for the range pickers stay UTC days
// (utcDay), as the server counts them.
const TZ_KEY = 'dmarcscope.tz';
let zone = 'UTC';
const fmtCache = new Map();

function validZone(z) {
  try { new Intl.DateTimeFormat('en-US', { timeZone: z }); return true; } catch (e) { return false; }
}

export function browserZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch (e) { return 'UTC'; }
}

export function initZone(lang) {
  let saved = null;
  try { saved = localStorage.getItem(TZ_KEY); } catch (e) { /* storage off */ }
  zone = saved && validZone(saved) ? saved : lang === 'ja' ? 'Asia/Tokyo' : browserZone();
  if (!validZone(zone)) zone = 'UTC';
}

export function tz() { return zone; }

export function setTz(z) {
  if (!validZone(z)) return;
  zone = z;
  try { localStorage.setItem(TZ_KEY, z); } catch (e) { /* storage off */ }
}

// The zone's short name at time t (seconds; default now): JST, UTC, CET,
// or GMT+5:30 where the zone has no common abbreviation.
export function tzLabel(t) {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 'UTC';
  if (zone === 'Asia/Tokyo') return 'JST';
  const d = (t === undefined ? null : when(t)) || new Date();
  const p = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' }).formatToParts(d)
    .find(x => x.type === 'timeZoneName');
  return p ? p.value : zone;
}

// "label (JST)": a heading for a column or fact holding times.
export function zoned(label) {
  return label + ' (' + tzLabel() + ')';
}

// A Date for t (seconds), or null when t is not a time a Date can hold: a
// report's dates are untrusted and must never make a screen throw.
function when(t) {
  const n = Number(t);
  if (t === null || t === undefined || !Number.isFinite(n)) return null;
  const d = new Date(n * 1000);
  return Number.isNaN(d.getTime()) ? null : d;
}

function parts(t) {
  let f = fmtCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    fmtCache.set(zone, f);
  }
  const d = when(t);
  if (d === null) return null;
  const o = {};
  for (const x of f.formatToParts(d)) o[x.type] = x.value;
  return o;
}

// The day of t in the shown zone: YYYY-MM-DD.
export function fmtDay(t) {
  const p = parts(t);
  if (p === null) return '–';
  return p.year + '-' + p.month + '-' + p.day;
}

// The UTC day of t, for the range pickers and the API's since/until, and
// for the server's day buckets (day * 86400).
export function dayStr(t) {
  const d = when(t);
  return d === null ? '' : d.toISOString().slice(0, 10);
}

export function fmtHour(t) {
  const p = parts(t);
  if (p === null) return '–';
  return p.year + '-' + p.month + '-' + p.day + ' ' + p.hour + ':00';
}

export function fmtDate(t) {
  const p = parts(t);
  if (p === null) return '–';
  return p.year + '-' + p.month + '-' + p.day + ' ' + p.hour + ':' + p.minute;
}

// A time of day (live-update notice): HH:MM:SS in the shown zone.
export function fmtTime(t) {
  const p = parts(t);
  if (p === null) return '–';
  return p.hour + ':' + p.minute + ':' + p.second;
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
