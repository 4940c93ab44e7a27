// senders.js - the Senders screen: sources grouped by IP prefix (/24,
// /48), kind and service under Internal / Third party / Unauthorized tabs
// (each tab's list adds up to its matrix), registration as My Senders
// entries one group at a time or several selected at once, the registered
// entries with removal, and the 3x3 SPF x DKIM matrix (% and count; DKIM
// rows, SPF columns) for All, Internal, Third party and Unauthorized.
// Under a group that fails DMARC, a fix line (issue 18 part 2): the most
// severe fix for its hosts, with a link to the fixes screen for the rest.
// Data: GET /api/v1/senders; POST /api/v1/senders; DELETE /api/v1/senders/ID;
// GET /api/v1/fixes (the fix lines; without it, no lines).
// Exports: render.

import { h, fmtInt, fmtPct, pct } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get, send, canWrite } from '../api.js';
import { period } from './fixes.js';

// The last action's outcome, shown for a few seconds: across the redraw it
// causes and the live update that follows.
let flash = { text: '', until: 0 };

const TABS = [['internal', 1], ['third_party', 2], ['unauthorized', 0]];
const SEV_ORDER = { error: 0, warning: 1, info: 2 };

// The fix line under group g: its hosts' fixes, the most severe first and,
// among those, one with a change to paste.
function fixLine(g, fixes, cols, ctx, L) {
  const ips = new Set(g.ips.map(x => x.ip));
  const mine = fixes.filter(f => (f.evidence.ips || [f.sender.ip]).some(ip => ips.has(ip)))
    .sort((x, y) => SEV_ORDER[x.severity] - SEV_ORDER[y.severity] || (y.change ? 1 : 0) - (x.change ? 1 : 0));
  if (!mine.length) return null;
  const f = mine[0];
  return h('tr', { class: 'fix-line', 'data-fix-for': g.prefix, 'data-code': f.code },
    h('td', { colspan: String(cols), class: 'small' },
      h('span', { class: 'sev sev-' + f.severity }, t('check.sev_' + f.severity)), ' ', f.text[L] || f.text.en,
      mine.length > 1 ? [' ', h('a', { href: ctx.link('fixes'), class: 'fix-more' }, t('fixes.line_more', { n: fmtInt(mine.length - 1, L) }))] : null));
}

// One SPF x DKIM matrix, drawn as DMARC Compass does: DKIM down the rows,
// SPF across the columns.  m.count and m.pct are indexed [spf][dkim].
function matrix(name, m) {
  const L = lang();
  if (!m) return null;
  const cats = m.rows || ['pass_aligned', 'pass_unaligned', 'fail'];
  return h('div', { class: 'matrix', id: 'matrix-' + name },
    h('h3', null, t('senders.m_' + name), ' ', h('span', { class: 'muted', 'data-total': m.messages || 0 }, fmtInt(m.messages, L))),
    h('table', { class: 'grid m3' },
      h('thead', null, h('tr', null, h('th', { class: 'corner' }, t('senders.m_axis')),
        cats.map(c => h('th', { 'data-spf': c }, h('span', { class: 'axis' }, 'SPF'), t('cat.' + c))))),
      h('tbody', null, cats.map((r, i) => h('tr', null, h('th', { 'data-dkim': r }, h('span', { class: 'axis' }, 'DKIM'), t('cat.' + r)),
        cats.map((c, j) => {
          const p = m.pct ? m.pct[j][i] : 0;
          const n = m.count ? m.count[j][i] : 0;
          return h('td', { class: 'heat h' + Math.min(5, Math.ceil(p / 20)), 'data-count': n },
            h('div', { class: 'pct' }, fmtPct(p)), h('div', { class: 'small' }, fmtInt(n, L)));
        }))))));
}

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  const tab = TABS.find(x => x[0] === p.tab) ? p.tab : 'unauthorized';
  const kind = TABS.find(x => x[0] === tab)[1];
  const d = await get('senders', { domain: p.domain, since: p.since, until: p.until });
  let fixes = [];
  try {
    fixes = p.domain ? (await get('fixes', Object.assign({ domain: p.domain }, period(p)))).fixes || [] : [];
  } catch (e) {
    fixes = [];	// the fix lines are extra: the list shows without them
  }
  const msg = h('p', { class: 'status', id: 'senders-status', role: 'status' }, Date.now() < flash.until ? flash.text : '');

  box.append(h('h1', null, t('senders.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));
  box.append(h('div', { class: 'tabs' }, TABS.map(([name, k]) => {
    const count = d.groups.filter(g => g.sender_kind === k).length;
    return h('a', { href: ctx.link('senders', '', { tab: name }), class: 'tab' + (name === tab ? ' on' : ''), id: 'tab-' + name },
      t('senders.tab_' + name), ' ', h('span', { class: 'badge' }, fmtInt(count, L)));
  })));
  box.append(msg);

  // A group is one /24 (/48), one kind and one service (api.c).  It is
  // registered as its prefix when no other group shares the prefix, else
  // address by address, so registering it moves exactly its own mail.
  const shared = new Map();
  for (const g of d.groups) shared.set(g.prefix, (shared.get(g.prefix) || 0) + 1);
  const values = g => shared.get(g.prefix) > 1 ? g.ips.map(x => x.ip) : [g.prefix];
  const register = async (list, k) => {
    let n = 0;
    try {
      for (const g of list)
        for (const v of values(g)) {
          const note = g.service || g.ptr;	// the API takes a string or no note, never null
          await send('POST', 'senders', Object.assign({ domain: p.domain, kind: k, match_type: 'cidr', value: v }, note ? { note } : {}));
          n++;
        }
      flash = { until: Date.now() + 8000, text: list.length === 1 ? t('senders.registered', { p: list[0].prefix }) :
        t('senders.registered_n', { n: fmtInt(list.length, L) }) };
      msg.textContent = flash.text;
      ctx.redraw();
    } catch (e) {
      msg.textContent = t('error') + ': ' + e.message;
      if (n) ctx.redraw();
    }
  };
  const groups = d.groups.filter(g => g.sender_kind === kind);
  const selectable = kind === 0 && d.writable && canWrite();	// a viewer: no write controls
  const boxes = [];
  const chosen = () => groups.filter((g, i) => boxes[i] && boxes[i].checked);
  const selInfo = h('span', { id: 'sel-count', class: 'muted' }, t('senders.selected', { n: 0 }));
  const selBtns = [
    h('button', { type: 'button', class: 'btn small', id: 'reg-sel-internal', disabled: true, onclick: () => register(chosen(), 1) }, t('senders.as_internal')),
    h('button', { type: 'button', class: 'btn small', id: 'reg-sel-third', disabled: true, onclick: () => register(chosen(), 2) }, t('senders.as_third'))];
  const all = h('input', { type: 'checkbox', id: 'sel-all', 'aria-label': t('senders.select_all'), title: t('senders.select_all') });
  const update = () => {
    const n = chosen().length;
    selInfo.textContent = t('senders.selected', { n: fmtInt(n, L) });
    for (const b of selBtns) b.disabled = n === 0;
    all.checked = n > 0 && n === groups.length;
    all.indeterminate = n > 0 && n < groups.length;
  };
  all.addEventListener('change', () => { for (const b of boxes) b.checked = all.checked; update(); });
  const listed = groups.reduce((a, g) => a + g.messages, 0);
  if (d.partial) box.append(h('p', { class: 'note', id: 'partial-note' }, t('partial.sum', { n: fmtInt(d.window, L) })));
  box.append(h('div', { class: 'toolbar' },
    h('span', { id: 'groups-total', 'data-total': listed }, t('senders.list_total', { g: fmtInt(groups.length, L), m: fmtInt(listed, L) })),
    selectable && groups.length ? h('span', { class: 'selbar', id: 'selbar' }, selInfo, ' ', t('senders.reg_selected'), ' ', selBtns) : null));
  const head = [t('col.prefix'), t('col.reverse_dns'), t('col.service'), t('col.country'), t('stats.messages'),
    t('stats.dmarc_pass'), t('stats.spf_aligned'), t('stats.dkim_aligned'), t('senders.ips'), selectable ? t('senders.register') : ''];
  box.append(h('div', { class: 'scroll' }, h('table', { class: 'grid senders', id: 'groups' },
    h('thead', null, h('tr', null, selectable ? h('th', { class: 'sel' }, all) : null, head.map(x => h('th', null, x)))),
    h('tbody', null, groups.length ? groups.map((g, i) => [h('tr', { 'data-prefix': g.prefix, 'data-service': g.service || '' },
      selectable ? h('td', { class: 'sel' }, boxes[i] = h('input', { type: 'checkbox', class: 'sel-group', 'aria-label': t('senders.select') + ' ' + g.prefix, onchange: update })) : null,
      h('td', { class: 'mono nowrap' }, g.prefix), h('td', { class: 'mono ellip', title: g.ptr || '' }, g.ptr || ''), h('td', null, g.service || ''), h('td', null, g.country || ''),
      h('td', { class: 'num' }, fmtInt(g.messages, L)), h('td', { class: 'num' }, fmtPct(pct(g.dmarc_pass, g.messages))),
      h('td', { class: 'num' }, fmtPct(pct(g.spf_aligned, g.messages))), h('td', { class: 'num' }, fmtPct(pct(g.dkim_aligned, g.messages))),
      h('td', { class: 'mono small' }, g.ips.map(ip => h('a', { href: ctx.link('host', ip.ip), class: 'ip' }, ip.ip))),
      h('td', { class: 'regbtns' }, selectable ? [
        h('button', { type: 'button', class: 'btn small reg-internal', onclick: () => register([g], 1) }, t('senders.as_internal')),
        h('button', { type: 'button', class: 'btn small reg-third', onclick: () => register([g], 2) }, t('senders.as_third'))] : null)),
      fixLine(g, fixes, head.length + (selectable ? 1 : 0), ctx, L)])
      : h('tr', null, h('td', { colspan: '11', class: 'muted' }, t('none')))))));

  if (kind !== 0) {
    const reg = d.registered.filter(r => r.kind === kind);
    box.append(h('section', { class: 'panel', id: 'registered' }, h('h2', null, t('senders.registered_list')),
      h('table', { class: 'grid' }, h('thead', null, h('tr', null, [t('senders.match'), t('senders.value'), t('senders.note'), ''].map(x => h('th', null, x)))),
        h('tbody', null, reg.map(r => h('tr', null, h('td', { class: 'nowrap' }, t('match.' + r.match_type)), h('td', { class: 'mono' }, r.value), h('td', null, r.note || ''),
          h('td', null, canWrite() ? h('button', { type: 'button', class: 'btn small sender-remove', onclick: async () => {
            try { await send('DELETE', 'senders/' + r.id); ctx.redraw(); } catch (e) { msg.textContent = t('error') + ': ' + e.message; }
          } }, t('senders.remove')) : null)))))));
  }
  const m = d.matrix || {};
  box.append(h('section', { class: 'panel', id: 'matrices' }, h('h2', null, t('senders.matrix')),
    h('div', { class: 'matrices' }, ['all', 'internal', 'third_party', 'unauthorized'].map(k => matrix(k, Object.assign({ rows: m.rows }, m[k]))))));
}
