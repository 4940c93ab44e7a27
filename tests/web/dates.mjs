// dates.mjs - the portal's date helpers (web/js/dom.js) in Node: a date from
// the API that no Date can hold (a report's <end>9223372036854775807</end>,
// NaN, null, a string) gives '–' or '' and never throws (issue 12, D3: the
// statistics screen threw "RangeError: Invalid time value").
// Prints one line per check and "N passed, N failed".
import { ok, finish } from './lib.mjs';
import { fmtDay, fmtHour, fmtDate, fmtTime, dayStr, tzLabel, setTz } from '../../web/js/dom.js';

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
