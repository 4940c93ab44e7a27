// reports.js - the Reports screen (ingested reports, with paging), one
// report's detail with its raw XML shown indented (fetched as text/plain,
// parsed by the browser's DOMParser as XML - a data document, nothing runs
// or loads - re-indented by a walk over the tree, and set with textContent:
// never inserted as markup), its records, and the quarantine with reasons
// and a retry button.  Times are in the chosen zone, named in the headings.
// Data: GET /api/v1/reports, /reports/ID, /raw/ID, /quarantine, /records?report=ID;
// POST /api/v1/quarantine/ID/retry.
// Exports: render.

import { h, fmtInt, fmtDate, zoned } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get, getText, send, auth, canWrite } from '../api.js';
import { mailTable, pager } from './mail.js';

let flash = '';	// the last retry's outcome, kept across the redraw it causes

const MAX_DEPTH = 100;	// deeper than any report: shown as stored
const MAX_PRETTY = 8 << 20;	// bigger documents are shown as stored

function escText(s) {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function escAttr(s) {
  return escText(s).replaceAll('"', '&quot;');
}

// One element and what it holds, indented two spaces a level, into out.
// Returns false when the tree is deeper than MAX_DEPTH.
function walk(el, depth, out) {
  if (depth > MAX_DEPTH) return false;
  const pad = '  '.repeat(depth);
  const open = '<' + el.nodeName + [...el.attributes].map(a => ' ' + a.name + '="' + escAttr(a.value) + '"').join('');
  const kids = [...el.childNodes].filter(n => !(n.nodeType === Node.TEXT_NODE && n.nodeValue.trim() === ''));
  if (!kids.length) { out.push(pad + open + '/>'); return true; }
  if (kids.length === 1 && kids[0].nodeType === Node.TEXT_NODE) {
    out.push(pad + open + '>' + escText(kids[0].nodeValue.trim()) + '</' + el.nodeName + '>');
    return true;
  }
  out.push(pad + open + '>');
  for (const k of kids) {
    if (k.nodeType === Node.ELEMENT_NODE) { if (!walk(k, depth + 1, out)) return false; }
    else if (k.nodeType === Node.TEXT_NODE) out.push(pad + '  ' + escText(k.nodeValue.trim()));
    else if (k.nodeType === Node.CDATA_SECTION_NODE) out.push(pad + '  <![CDATA[' + k.nodeValue + ']]>');
    else if (k.nodeType === Node.COMMENT_NODE) out.push(pad + '  <!--' + k.nodeValue + '-->');
  }
  out.push(pad + '</' + el.nodeName + '>');
  return true;
}

// The report re-indented, or null when it is not well-formed XML.
export function prettyXml(text) {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (!doc.documentElement || doc.getElementsByTagName('parsererror').length) return null;
  const out = [];
  return walk(doc.documentElement, 0, out) ? out.join('\n') : null;
}

// The raw text as the server frames it (raw.c): each document under a
// "==> name <==" line.  Each XML document is indented; the rest is shown as
// stored.  A name keeps only its last path component.  Returns
// { text, stored (only the names shortened), pretty: whether any document
// was indented }.
export function prettyRaw(raw) {
  const parts = [];
  let cur = null;
  for (const line of raw.split('\n')) {
    if (line.startsWith('==> ') && line.endsWith(' <==')) {
      const name = line.slice(4, -4);
      cur = { head: '==> ' + name.slice(name.lastIndexOf('/') + 1) + ' <==', body: [] };
      parts.push(cur);
    } else {
      if (!cur) parts.push(cur = { head: null, body: [] });
      cur.body.push(line);
    }
  }
  let pretty = false;
  const stored = parts.map(p => (p.head ? p.head + '\n' : '') + p.body.join('\n')).join('\n');
  const text = parts.map(p => {
    const body = p.body.join('\n').trim();
    const x = body.startsWith('<') && body.length <= MAX_PRETTY ? prettyXml(body) : null;
    if (x !== null) pretty = true;
    return (p.head ? p.head + '\n' : '') + (x !== null ? x : body);
  }).join('\n\n');
  return { text, stored, pretty };
}

function list(items) {
  return items && items.length ? h('ul', null, items.map(x => h('li', null, typeof x === 'string' ? x : JSON.stringify(x)))) : '–';
}

async function detail(box, ctx) {
  const L = lang();
  const r = await get('reports/' + encodeURIComponent(ctx.arg));
  const recs = await get('records', { report: r.id, per_page: 100, sort: 'count', dir: 'desc' });
  const raw = h('pre', { class: 'raw', id: 'raw-xml' });
  const f = (k, v, id) => [h('dt', null, k), h('dd', { id }, v === null || v === undefined || v === '' ? '–' : v)];
  box.append(h('h1', null, t('reports.report'), ' ', h('span', { class: 'mono', id: 'report-id' }, r.report_id || String(r.id))));
  box.append(h('section', { class: 'panel' }, h('dl', { class: 'facts' },
    f(t('col.reporter'), r.org_name, 'report-org'), f(t('record.reporter_email'), r.email),
    f(t('reports.contact'), r.extra_contact_info, 'report-contact'), f(t('col.policy_domain'), r.policy_domain),
    f(zoned(t('record.period')), fmtDate(r.date_begin) + ' – ' + fmtDate(r.date_end), 'report-period'),
    f(t('reports.schema'), r.schema + (r.version ? ' ' + r.version : '') + (r.recovered ? ' (' + t('reports.recovered') + ')' : '')),
    f(t('stats.policy'), 'p=' + (r.p || '?') + (r.sp ? ' sp=' + r.sp : '') + (r.pct !== null ? ' pct=' + r.pct : '')),
    f(t('reports.records'), t('mail.total', { n: fmtInt(r.record_count, L), m: fmtInt(r.message_count, L) })),
    f(t('reports.source'), r.source, 'report-source'), f(t('reports.errors'), list(r.errors), 'report-errors'),
    f(t('reports.warnings'), list(r.warnings), 'report-warnings'))));
  const btn = h('button', { type: 'button', class: 'btn', id: 'show-raw' }, t('reports.show_raw'));
  const mode = h('button', { type: 'button', class: 'btn', id: 'raw-mode', hidden: true });
  const note = h('p', { class: 'muted small', id: 'raw-note' });
  let text = null, pretty = null, showPretty = true;
  const show = () => {
    raw.textContent = showPretty && pretty !== null ? pretty : text;
    mode.textContent = showPretty ? t('reports.as_stored') : t('reports.pretty');
    mode.hidden = pretty === null;
    note.textContent = pretty === null ? t('reports.not_xml') : '';
  };
  btn.addEventListener('click', async () => {
    raw.textContent = t('loading');
    try {
      text = await getText('raw/' + r.raw_id);
      const x = prettyRaw(text);
      text = x.stored;
      pretty = x.pretty ? x.text : null;
      show();
    } catch (e) { raw.textContent = t('error') + ': ' + e.message; }
  });
  mode.addEventListener('click', () => { showPretty = !showPretty; show(); });
  box.append(h('section', { class: 'panel' }, h('h2', null, t('reports.raw')), btn, ' ', mode, note, raw));
  box.append(h('section', { class: 'panel' }, h('h2', null, t('host.records')), h('div', { class: 'scroll' }, mailTable(recs.rows, ctx, null))));
}

export async function render(box, ctx) {
  if (ctx.screen === 'report') return detail(box, ctx);
  const { p } = ctx;
  const L = lang();
  const [d, q] = await Promise.all([
    get('reports', { domain: p.domain, since: p.since, until: p.until, page: p.page || 1, per_page: 50 }),
    auth.role === 'operator' ? get('quarantine') : null]);	// the quarantine is the operators'
  box.append(h('h1', null, t('reports.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));
  box.append(h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'reports-table' },
    h('thead', null, h('tr', null, [t('col.reporter'), t('record.report_id'), t('col.policy_domain'), zoned(t('record.period')), t('reports.records'),
      t('stats.messages'), t('reports.schema'), t('reports.notes')].map(x => h('th', null, x)))),
    h('tbody', null, d.rows.map(r => h('tr', null, h('td', null, r.org_name || ''),
      h('td', { class: 'mono' }, h('a', { href: ctx.link('report', String(r.id)) }, r.report_id || String(r.id))),
      h('td', null, r.policy_domain), h('td', { class: 'nowrap' }, fmtDate(r.date_begin) + ' – ' + fmtDate(r.date_end)),
      h('td', { class: 'num' }, fmtInt(r.record_count, L)), h('td', { class: 'num' }, fmtInt(r.message_count, L)),
      h('td', null, r.schema), h('td', { class: 'small' }, (r.errors || []).length + (r.warnings || []).length ?
        t('reports.n_notes', { e: fmtInt((r.errors || []).length, L), w: fmtInt((r.warnings || []).length, L) }) : '')))))));
  box.append(pager(ctx, Number(p.page || 1), Math.max(1, Math.ceil(d.total / d.per_page)), 'reports', ''));

  if (q === null) return;
  const status = h('p', { class: 'status', id: 'quarantine-status', role: 'status' }, flash);
  flash = '';
  box.append(h('section', { class: 'panel', id: 'quarantine' }, h('h2', null, t('reports.quarantine'), ' ',
    h('span', { class: 'badge' }, fmtInt(q.filter(x => !x.resolved).length, L))), status,
    q.length ? h('table', { class: 'grid' }, h('thead', null, h('tr', null, ['#', t('reports.source'), t('reports.reason'), zoned(t('reports.created')), t('reports.state'), ''].map(x => h('th', null, x)))),
      h('tbody', null, q.map(x => h('tr', { 'data-qid': x.id }, h('td', null, String(x.id)), h('td', { class: 'mono small' }, x.source || ''),
        h('td', { class: 'reason' }, x.reason || ''), h('td', { class: 'nowrap' }, fmtDate(x.created_at)),
        h('td', null, x.resolved ? t('reports.resolved') : t('reports.open')),
        h('td', null, x.resolved || !canWrite() ? null : h('button', { type: 'button', class: 'btn small retry', onclick: async () => {
          try {
            const res = await send('POST', 'quarantine/' + x.id + '/retry');
            flash = t('reports.retried', { id: x.id, outcome: res.outcome });
            status.textContent = flash;
            ctx.redraw();
          } catch (e) { status.textContent = t('error') + ': ' + e.message; }
        } }, t('reports.retry'))))))) : h('p', { class: 'muted' }, t('reports.quarantine_empty'))));
}
