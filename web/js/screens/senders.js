// senders.js - the Senders screen: sources grouped by IP prefix (/24,
// /48) under Internal / Third party / Unauthorized tabs, one-click
// registration of a prefix as a My Senders entry, the registered entries
// with removal, and the 3x3 SPF x DKIM matrix (% and count) for All,
// Internal, Third party and Unauthorized.
// Data: GET /api/v1/senders; POST /api/v1/senders; DELETE /api/v1/senders/ID.
// Exports: render.

import { h, fmtInt, fmtPct, pct } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get, send } from '../api.js';

let flash = '';	// the last action's outcome, kept across the redraw it causes

const TABS = [['internal', 1], ['third_party', 2], ['unauthorized', 0]];

function matrix(name, m) {
  const L = lang();
  if (!m) return null;
  const rows = m.rows || ['pass_aligned', 'pass_unaligned', 'fail'];
  const cols = m.cols || rows;
  return h('div', { class: 'matrix', id: 'matrix-' + name },
    h('h3', null, t('senders.m_' + name), ' ', h('span', { class: 'muted' }, fmtInt(m.messages, L))),
    h('table', { class: 'grid m3' },
      h('thead', null, h('tr', null, h('th', null, 'SPF \\ DKIM'), cols.map(c => h('th', null, t('cat.' + c))))),
      h('tbody', null, rows.map((r, i) => h('tr', null, h('th', null, t('cat.' + r)),
        cols.map((c, j) => {
          const p = m.pct ? m.pct[i][j] : 0;
          const n = m.count ? m.count[i][j] : 0;
          return h('td', { class: 'heat h' + Math.min(5, Math.ceil(p / 20)) }, h('div', { class: 'pct' }, fmtPct(p)), h('div', { class: 'small' }, fmtInt(n, L)));
        }))))));
}

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  const tab = TABS.find(x => x[0] === p.tab) ? p.tab : 'unauthorized';
  const kind = TABS.find(x => x[0] === tab)[1];
  const d = await get('senders', { domain: p.domain, since: p.since, until: p.until });
  const msg = h('p', { class: 'status', id: 'senders-status', role: 'status' }, flash);
  flash = '';

  box.append(h('h1', null, t('senders.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));
  box.append(h('div', { class: 'tabs' }, TABS.map(([name, k]) => {
    const count = d.groups.filter(g => g.sender_kind === k).length;
    return h('a', { href: ctx.link('senders', '', { tab: name }), class: 'tab' + (name === tab ? ' on' : ''), id: 'tab-' + name },
      t('senders.tab_' + name), ' ', h('span', { class: 'badge' }, String(count)));
  })));
  box.append(msg);

  const register = async (g, k) => {
    try {
      await send('POST', 'senders', { domain: p.domain, kind: k, match_type: 'cidr', value: g.prefix, note: g.ptr || g.service || null });
      flash = t('senders.registered', { p: g.prefix });
      msg.textContent = flash;
      ctx.redraw();
    } catch (e) { msg.textContent = t('error') + ': ' + e.message; }
  };
  const groups = d.groups.filter(g => g.sender_kind === kind);
  box.append(h('table', { class: 'grid', id: 'groups' },
    h('thead', null, h('tr', null, [t('col.prefix'), t('col.reverse_dns'), t('col.service'), t('col.country'), t('stats.messages'),
      t('stats.dmarc_pass'), t('stats.spf_aligned'), t('stats.dkim_aligned'), t('senders.ips'), kind === 0 ? t('senders.register') : ''].map(x => h('th', null, x)))),
    h('tbody', null, groups.length ? groups.map(g => h('tr', { 'data-prefix': g.prefix },
      h('td', { class: 'mono' }, g.prefix), h('td', { class: 'mono' }, g.ptr || ''), h('td', null, g.service || ''), h('td', null, g.country || ''),
      h('td', { class: 'num' }, fmtInt(g.messages, L)), h('td', { class: 'num' }, fmtPct(pct(g.dmarc_pass, g.messages))),
      h('td', { class: 'num' }, fmtPct(pct(g.spf_aligned, g.messages))), h('td', { class: 'num' }, fmtPct(pct(g.dkim_aligned, g.messages))),
      h('td', { class: 'mono small' }, g.ips.map(ip => h('a', { href: ctx.link('host', ip.ip), class: 'ip' }, ip.ip))),
      h('td', { class: 'nowrap' }, kind === 0 && d.writable ? [
        h('button', { type: 'button', class: 'btn small reg-internal', onclick: () => register(g, 1) }, t('senders.as_internal')),
        h('button', { type: 'button', class: 'btn small reg-third', onclick: () => register(g, 2) }, t('senders.as_third'))] : null)))
      : h('tr', null, h('td', { colspan: '10', class: 'muted' }, t('none'))))));

  if (kind !== 0) {
    const reg = d.registered.filter(r => r.kind === kind);
    box.append(h('section', { class: 'panel', id: 'registered' }, h('h2', null, t('senders.registered_list')),
      h('table', { class: 'grid' }, h('thead', null, h('tr', null, [t('senders.match'), t('senders.value'), t('senders.note'), ''].map(x => h('th', null, x)))),
        h('tbody', null, reg.map(r => h('tr', null, h('td', null, r.match_type), h('td', { class: 'mono' }, r.value), h('td', null, r.note || ''),
          h('td', null, h('button', { type: 'button', class: 'btn small', onclick: async () => {
            try { await send('DELETE', 'senders/' + r.id); ctx.redraw(); } catch (e) { msg.textContent = t('error') + ': ' + e.message; }
          } }, t('senders.remove')))))))));
  }
  const m = d.matrix || {};
  box.append(h('section', { class: 'panel', id: 'matrices' }, h('h2', null, t('senders.matrix')),
    h('div', { class: 'matrices' }, ['all', 'internal', 'third_party', 'unauthorized'].map(k => matrix(k, Object.assign({ rows: m.rows, cols: m.cols }, m[k]))))));
  void L;
}
