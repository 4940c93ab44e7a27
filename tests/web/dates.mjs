// dates.mjs - the portal's date helpers (web/js/dom.js) in Node: a date from
// the API that no Date can hold (a report's <end>9223372036854775807</end>,
// NaN, null, a string) gives '–' or '' and never throws (issue 12, D3: the
// statistics screen threw "RangeError: Invalid time value").
// Prints one line per check and "N passed, N failed".
import { ok, finish } from './lib.mjs';
import { readFileSync } from 'node:fs';

// dom.js is an ES module for the browser; Debian's Node.js 18 would load a .js file
// outside a "type": "module" package as CommonJS, so it is imported from its source
// (it imports nothing itself)
const src = readFileSync(new URL('../../web/js/dom.js', import.meta.url), 'utf8');
const { fmtDay, fmtHour, fmtDate, fmtTime, dayStr, tzLabel, setTz } =
  await import('data:text/javascript;base64,' + Buffer.from(src).toString('base64'));

const BAD = [9223372036854775807, 9223372036854.775807, -9223372036854775808, 1e20, NaN, Infinity, null, undefined, 'x'];
setTz('Asia/Tokyo');
for (const v of BAD) {
  for (const [name, fn, want] of [['fmtDay', fmtDay, '–'], ['fmtHour', fmtHour, '–'], ['fmtDate', fmtDate, '–'],
    ['fmtTime', fmtTime, '–'], ['dayStr', dayStr, '']]) {
    let got;
    try { got = fn(v); } catch (e) { got = 'threw ' + e.message; }
    ok(got === want, `${name}(${String(v)}) is '${want}'`, got);
  }
  let lab;
  try { lab = tzLabel(v); } catch (e) { lab = 'threw ' + e.message; }
  ok(lab === 'JST', `tzLabel(${String(v)}) does not throw`, lab);
}
ok(fmtHour(1796428800) === '2026-12-05 09:00', 'a real time in JST', fmtHour(1796428800));
ok(dayStr(1796428800) === '2026-12-05', 'a real UTC day', dayStr(1796428800));
finish();
