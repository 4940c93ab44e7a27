// spoofers.js - Spoofing hosts (なりすまし送信元), a sub-screen of Email
// Threats (threats.js tabs): the hosts that sent spoofing-suspected mail for
// the domain in the period, above a threshold (messages, days), with first
// and last seen, reverse DNS, country, AS, the abuse contact from RDAP and
// the failure reports; downloads of the same as CSV, JSON and an rbldnsd
// zone; per host, a take-down request (ja/en) in a box to copy, fetched when
// opened and never sent by the portal; the hosts never listed (allow-list,
// My Senders, known services and forwarders) with the reason; and the
// allow-list, editable by those who may write.  Every value is set as text.
// Data: GET /api/v1/spoofers, spoofers.csv, spoofers.zone, takedown,
// spoofer-allow; POST spoofer-allow, spoofer-allow/remove.
// Exports: render.

import { h, fmtInt, fmtDate, qs, zoned } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get, send, canWrite } from '../api.js';
import { tabs } from './threats.js';

function takedownBox(ctx, host) {
  const { p } = ctx;
  const box = h('div', { class: 'takedown', id: 'takedown-' + host.ip });
  const area = h('textarea', { class: 'mono', readonly: true, rows: '22', cols: '100', 'aria-label': t('spoofers.takedown') });
  const note = h('span', { class: 'muted small', role: 'status' });
  let texts = null;
  let cur = lang() === 'ja' ? 'ja' : 'en';
  const langBtns = ['ja', 'en'].map(l => {
    const b = h('button', { type: 'button', class: 'btn small' + (l === cur ? ' on' : ''), 'data-lang': l }, l === 'ja' ? '日本語' : 'English');
    b.addEventListener('click', () => {
      cur = l;
      for (const x of langBtns) x.classList.toggle('on', x.dataset.lang === l);
      if (texts) area.value = texts[l];
    });
    return b;
  });
  const copy = h('button', { type: 'button', class: 'btn primary copy' }, t('tokens.copy'));
  copy.addEventListener('click', async () => {
    area.select();
    try { await navigator.clipboard.writeText(area.value); } catch (e) { document.execCommand('copy'); }
    note.textContent = t('tokens.copied');
  });
  box.append(h('p', { class: 'banner warn small' }, t('spoofers.takedown_note')),
    h('div', { class: 'toolbar' }, h('span', null, ...langBtns), h('span', null, copy, ' ', note)), area);
  get('takedown', { ip: host.ip, domain: p.domain, since: p.since, until: p.until }).then(d => {
    texts = d;
    area.value = d[cur];
  }).catch(e => { area.value = t('error') + ': ' + e.message; });
  return box;
}

function hostTable(ctx, d) {
  const L = lang();
  const head = [t('col.source_ip'), t('stats.messages'), t('spoofers.days'), zoned(t('stats.first_seen')), zoned(t('stats.last_seen')),
    t('stats.reporters'), t('col.reverse_dns'), t('col.country'), t('host.asn'), t('host.abuse'), t('stats.failure_reports'), ''];
  const body = h('tbody');
  for (const x of d.hosts) {
    const open = h('button', { type: 'button', class: 'btn small', 'data-ip': x.ip }, t('spoofers.takedown'));
    const row = h('tr', { 'data-ip': x.ip },
      h('td', { class: 'mono nowrap' }, h('a', { href: ctx.link('host', x.ip) }, x.ip)),
      h('td', { class: 'num' }, fmtInt(x.messages, L)),
      h('td', { class: 'num' }, fmtInt(x.days, L)),
      h('td', { class: 'nowrap' }, fmtDate(x.first_seen)),
      h('td', { class: 'nowrap' }, fmtDate(x.last_seen)),
      h('td', null, (x.reporters || '').split(',').join(', ')),
      h('td', { class: 'mono' }, x.ptr || '–'),
      h('td', null, x.country || '–'),
      h('td', null, x.asn ? 'AS' + x.asn + (x.as_name ? ' ' + x.as_name : '') : '–'),
      h('td', { class: 'mono abuse' }, x.abuse_email || t('spoofers.no_abuse')),
      h('td', { class: 'num', title: (x.samples || []).map(s => s.subject || '').join('\n') }, fmtInt(x.failure_reports, L)),
      h('td', null, open));
    const slot = h('tr', { class: 'takedown-row', hidden: true }, h('td', { colspan: String(head.length) }));
    open.addEventListener('click', () => {
      if (!slot.firstChild.firstChild) slot.firstChild.append(takedownBox(ctx, x));
      slot.hidden = !slot.hidden;
    });
    body.append(row, slot);
  }
  return h('div', { class: 'scroll' }, h('table', { class: 'grid spoofers', id: 'spoofers-table' },
    h('thead', null, h('tr', null, head.map(x => h('th', null, x)))), body));
}

async function allowPanel(ctx) {
  const d = await get('spoofer-allow');
  const msg = h('p', { class: 'status', role: 'status', id: 'allow-status' });
  const panel = h('section', { class: 'panel', id: 'allow-list' }, h('h2', null, t('spoofers.allow_title')),
    h('p', { class: 'muted small' }, t('spoofers.allow_note')), msg);
  const write = canWrite() && d.writable !== false;
  if (!d.rows.length) panel.append(h('p', { class: 'muted', id: 'allow-empty' }, t('spoofers.allow_empty')));
  else panel.append(h('table', { class: 'grid' }, h('tbody', null, d.rows.map(r => {
    const rm = write && r.own ? h('button', { type: 'button', class: 'btn small' }, t('senders.remove')) : null;
    if (rm) rm.addEventListener('click', async () => {
      try { await send('POST', 'spoofer-allow/remove', { cidr: r.cidr }); ctx.redraw(); } catch (e) { msg.textContent = e.message; }
    });
    return h('tr', null, h('td', { class: 'mono' }, r.cidr), h('td', null, r.note || ''),
      h('td', { class: 'muted small' }, r.provider && !r.own ? t('spoofers.provider') : ''), h('td', null, rm));
  }))));
  if (write) {
    const cidr = h('input', { id: 'allow-cidr', class: 'mono', maxlength: '50', placeholder: '192.0.2.0/24', autocomplete: 'off' });
    const note = h('input', { id: 'allow-note', maxlength: '200', autocomplete: 'off' });
    const form = h('form', { class: 'admin-form', id: 'allow-add' },
      h('label', null, h('span', null, t('spoofers.allow_cidr')), cidr),
      h('label', null, h('span', null, t('senders.note')), note),
      h('button', { type: 'submit', class: 'btn primary' }, t('users.add')));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      try { await send('POST', 'spoofer-allow', { cidr: cidr.value.trim(), note: note.value.trim() || undefined }); ctx.redraw(); } catch (e) { msg.textContent = e.message; }
    });
    panel.append(form);
  }
  return panel;
}

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  box.append(h('h1', null, t('threats.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));
  box.append(tabs(ctx, 'spoofers'));
  box.append(h('p', { class: 'muted' }, t('spoofers.intro')));
  const q = { domain: p.domain, since: p.since, until: p.until, min_messages: p.min_messages || 1, min_days: p.min_days || 1 };
  const d = await get('spoofers', q);
  const minM = h('input', { id: 'min-messages', type: 'text', inputmode: 'numeric', size: '6', value: String(q.min_messages), 'aria-label': t('spoofers.min_messages') });
  const minD = h('input', { id: 'min-days', type: 'text', inputmode: 'numeric', size: '4', value: String(q.min_days), 'aria-label': t('spoofers.min_days') });
  const apply = h('button', { type: 'button', class: 'btn', id: 'apply-threshold' }, t('apply'));
  apply.addEventListener('click', () => ctx.go('spoofers', '', { min_messages: minM.value, min_days: minD.value }, true));
  const dl = Object.assign({}, q);
  box.append(h('div', { class: 'toolbar' },
    h('span', null, h('label', null, t('spoofers.min_messages'), ' ', minM), ' ', h('label', null, t('spoofers.min_days'), ' ', minD), ' ', apply),
    h('span', { id: 'spoofers-downloads' },
      h('a', { class: 'btn primary', id: 'dl-csv', href: '/api/v1/spoofers.csv?' + qs(dl), download: '' }, t('mail.csv')), ' ',
      h('a', { class: 'btn', id: 'dl-zone', href: '/api/v1/spoofers.zone?' + qs(dl), download: '' }, t('spoofers.zone')), ' ',
      h('a', { class: 'btn', id: 'dl-json', href: '/api/v1/spoofers?' + qs(dl), download: 'spoofers.json' }, 'JSON'))));
  box.append(h('p', { id: 'spoofers-total', 'data-total': String(d.count) }, t('spoofers.n_hosts', { n: fmtInt(d.count, L) })));
  if (!d.hosts.length) box.append(h('p', { class: 'empty', id: 'spoofers-empty' }, t('spoofers.empty')));
  else box.append(hostTable(ctx, d));
  if (d.excluded.length) {
    box.append(h('section', { class: 'panel', id: 'spoofers-excluded' }, h('h2', null, t('spoofers.excluded_title')),
      h('p', { class: 'muted small' }, t('spoofers.excluded_note')),
      h('table', { class: 'grid' }, h('tbody', null, d.excluded.map(x => h('tr', { 'data-ip': x.ip },
        h('td', { class: 'mono' }, x.ip), h('td', { class: 'num' }, fmtInt(x.messages, L) + ' ' + t('host.messages_unit')),
        h('td', { class: 'reason' }, t('spoofers.reason.' + x.reason))))))));
  }
  box.append(await allowPanel(ctx));
}
