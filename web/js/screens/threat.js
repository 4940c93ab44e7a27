// threat.js - one failure report's sample (the mail a receiver saw fail
// DMARC).  The sample is hostile by definition, so this screen opens with a
// malware warning and shows only text: the facts of the report, the
// sample's headers in a table and its decoded text body in a <pre>, all set
// with textContent (never HTML, which is never rendered) and the URLs in
// them defanged (defangText); the URLs found in
// it only defanged (hxxp://example[.]com), as text and never as links, with
// how often each appeared here and in all failure reports; the attachments
// listed with their hash, and downloaded only after a confirmation that
// says the file may be malware (the server sends it as
// application/octet-stream, as an attachment); and the host facts of the
// source IP with a link to the host screen.
// Data: GET /api/v1/threats/ID; the download is
// /api/v1/threats/ID/attachment?n=INDEX&confirm=1.
// Exports: render, defangText.

import { h, fmtInt, fmtDate, zoned } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';
import { authWord } from './threats.js';

// A flag's words ('flag.html-script'), or the flag itself when unknown.
function flagWord(prefix, f) {
  const key = prefix + f;
  const w = t(key);
  return w === key ? f : w;
}

function flags(prefix, list) {
  return (list || []).map(f => h('span', { class: 'badge flag flag-' + f, title: f }, flagWord(prefix, f)));
}

// The URLs in a text defanged as the server defangs them (arf_defang):
// hxxp(s)://, [.] and [@] in the host part, [:] after other schemes
// (javascript:, data:, vbscript:), so nothing in a body or header can be
// clicked or pasted as a working link.  The rest of the text is kept.
const URL_RE = /\b(https?|ftp):\/\/([^\s/?#<>"']*)([^\s<>"']*)|\b(javascript|vbscript|data):/gi;
export function defangText(s) {
  if (!s) return s;
  return String(s).replace(URL_RE, (m, scheme, auth, rest, other) => {
    if (other) return other + '[:]';
    const sc = scheme.toLowerCase() === 'ftp' ? 'fxp' : scheme.replace(/t/gi, 'x');
    return sc + '://' + auth.replaceAll('.', '[.]').replaceAll('@', '[@]') + (rest || '');
  });
}

// A long table (500 URLs, 100 attachments, 200 headers: the caps) shows
// its first rows and a button for the rest.
const FIRST = 50;
function limited(table, total, L) {
  if (total <= FIRST) return table;
  [...table.querySelectorAll('tbody tr')].forEach((tr, i) => { tr.hidden = i >= FIRST; });
  const btn = h('button', { type: 'button', class: 'btn small show-all' }, t('show_all', { n: fmtInt(total, L) }));
  btn.addEventListener('click', () => { for (const tr of table.querySelectorAll('tbody tr[hidden]')) tr.hidden = false; btn.remove(); });
  return [table, h('p', null, btn)];
}

// "N more were not recorded" under a list cut at the ingest's cap.
function dropped(n, L) {
  return n > 0 ? h('p', { class: 'muted small' }, t('threat.dropped', { n: fmtInt(n, L) })) : null;
}

function fact(k, v, id) {
  return [h('dt', null, k), h('dd', { id }, v === null || v === undefined || v === '' ? '–' : v)];
}

function size(n, L) {
  if (n === null || n === undefined) return '–';
  if (n < 1024) return t('threat.bytes', { n: fmtInt(n, L) });
  if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1048576).toFixed(1) + ' MiB';
}

// The confirmation before a download: the file may be malware.  The link
// to the bytes exists only inside this dialog.
function confirmDownload(id, a) {
  const dlg = h('dialog', { class: 'confirm', id: 'att-confirm', 'aria-labelledby': 'att-confirm-title' });
  const close = () => { dlg.close(); dlg.remove(); };
  const go = h('a', { class: 'btn danger', id: 'att-confirm-ok', download: '',
    href: '/api/v1/threats/' + encodeURIComponent(id) + '/attachment?n=' + encodeURIComponent(a.index) + '&confirm=1' },
  t('threat.download_ok'));
  go.addEventListener('click', () => setTimeout(close, 0));
  dlg.append(h('h2', { id: 'att-confirm-title' }, t('threat.download_title')),
    h('p', null, t('threat.download_body', { name: a.name || t('threat.no_name') })),
    (a.flags || []).length ? h('p', { class: 'v v-fail' }, flags('attflag.', a.flags)) : null,
    h('p', { class: 'muted small' }, 'SHA-256: ', h('span', { class: 'mono' }, a.sha256 || '–')),
    h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'btn', id: 'att-confirm-cancel', onclick: close }, t('threat.download_cancel')), ' ', go));
  dlg.addEventListener('cancel', () => setTimeout(() => dlg.remove(), 0));
  document.body.append(dlg);
  dlg.showModal();
}

function hostPanel(d, ctx, L) {
  const x = d.host;
  if (!d.source_ip) return h('section', { class: 'panel', id: 'threat-host' }, h('h2', null, t('threat.host')), h('p', { class: 'muted' }, t('threat.no_ip')));
  const from = d.source_ip_from && d.source_ip_from !== 'feedback-report' ? h('div', { class: 'muted small', id: 'threat-ip-from' },
    flagWord('threat.ip_from.', d.source_ip_from)) : null;
  const rows = [fact(t('col.source_ip'), [h('a', { href: ctx.link('host', d.source_ip), class: 'mono', id: 'threat-ip' }, d.source_ip), from]),
    fact(t('threats.sender'), h('span', { class: 'v ' + (d.authorized ? 'v-pass' : 'v-fail'), id: 'threat-authorized' },
      t(d.authorized ? 'threats.from_my_senders' : 'threats.from_unauthorized')))];
  if (x) {
    rows.push(fact(t('col.reverse_dns'), x.ptr ? h('span', { class: 'mono' }, x.ptr) : x.updated_at ? t('host.no_ptr') : null, 'threat-ptr'),
      fact(t('col.country'), x.country),
      fact(t('host.asn'), x.asn ? 'AS' + x.asn + (x.as_name ? ' ' + x.as_name : '') : null),
      fact(t('host.dnsbl'), x.listed === null || x.listed === undefined ? null :
        h('span', { class: 'v ' + (x.listed > 0 ? 'v-fail' : 'v-pass') }, x.listed > 0 ? t('host.listed_n', { n: x.listed }) : t('host.not_listed'))));
    // the IP's class in the domain's aggregate data (api_kinds.c: class_name, messages)
    const cn = x.class_name || (typeof x.class === 'string' ? x.class : null);
    rows.push(fact(t('threat.class'), cn ? [h('span', { class: 'cls cls-' + cn, id: 'threat-class' }, t('class.' + cn)),
      x.messages ? ' ' + t('threat.class_messages', { n: fmtInt(x.messages, L) }) : null] : t('threat.no_aggregate')));
  }
  return h('section', { class: 'panel', id: 'threat-host' }, h('h2', null, t('threat.host')),
    h('dl', { class: 'facts' }, rows), x && (x.updated_at || x.ptr || x.asn) ? null : h('p', { class: 'muted small', id: 'threat-not-enriched' }, t('host.not_enriched')),
    h('p', null, h('a', { href: ctx.link('host', d.source_ip) }, t('threat.host_link')), ' · ',
      h('a', { href: ctx.link('threats', '', { ip: d.source_ip }) }, t('threat.same_ip'))));
}

export async function render(box, ctx) {
  const L = lang();
  const d = await get('threats/' + encodeURIComponent(ctx.arg));
  const fb = d.feedback || {};
  const s = d.sample || {};
  box.append(h('h1', null, t('threat.title'), ' #', String(d.id), ' ',
    h('span', { class: 'muted subj', id: 'threat-subject' }, s.subject || t('threats.no_subject'))));
  box.append(h('p', { class: 'muted small' }, h('a', { href: ctx.link('threats', '') }, '← ' + t('threat.back'))));

  // the warning, before anything of the sample
  const rf = d.flags || [];
  box.append(h('div', { class: 'banner danger', id: 'malware-warning', role: 'alert' },
    h('strong', null, t('threat.warn_title')), ' ', t('threat.warn_body'),
    rf.length ? h('div', { class: 'flags', id: 'threat-flags' }, t('threat.found'), ': ', flags('flag.', rf)) : null));

  box.append(h('div', { class: 'cols' },
    h('section', { class: 'panel', id: 'threat-facts' }, h('h2', null, t('threat.report')), h('dl', { class: 'facts' },
      fact(zoned(t('threats.arrival')), fmtDate(d.arrival_time), 'threat-arrival'),
      fact(t('col.reporter'), d.reporter, 'threat-reporter'),
      fact(t('col.policy_domain'), d.policy_domain),
      fact(t('threat.feedback_type'), d.feedback_type ? [d.feedback_type, d.is_dmarc_failure ? '' : ' ',
        d.is_dmarc_failure ? null : h('span', { class: 'badge' }, t('threat.not_dmarc'))] : null),
      fact(t('threats.auth_failure'), d.auth_failure ? authWord(d.auth_failure) + (authWord(d.auth_failure).toLowerCase() === d.auth_failure.toLowerCase() ? '' : ' (' + d.auth_failure + ')') : null, 'threat-auth'),
      fact(t('threat.alignment'), d.identity_alignment),
      fact(t('threat.delivery'), d.delivery_result ? flagWord('delivery.', d.delivery_result) : null),
      fact('Envelope From', fb.original_mail_from),
      fact(t('threat.rcpt'), fb.original_rcpt_to),
      fact('Reporting-MTA', fb.reporting_mta),
      fact('DKIM', [fb.dkim_domain, fb.dkim_selector ? 's=' + fb.dkim_selector : null].filter(Boolean).join(' ')),
      fact('SPF-DNS', fb.spf_dns),
      (d.warnings || []).length ? fact(t('reports.warnings'), h('ul', { class: 'plain' }, d.warnings.map(w => h('li', null, w))), 'threat-warnings') : null)),
    hostPanel(d, ctx, L)));

  // the sample: its headers, then its text
  const sampleNote = d.sample_purged ? t('threat.purged') : d.redacted ? t('threat.redacted') : null;
  const headers = s.headers || [];
  box.append(h('section', { class: 'panel', id: 'sample' }, h('h2', null, t('threat.sample'), ' ',
    h('span', { class: 'muted small' }, t('threat.as_text'))),
  sampleNote ? h('p', { class: 'note', id: 'sample-note' }, sampleNote) : null,
  h('h3', null, t('threat.headers'), ' ', h('span', { class: 'muted' }, fmtInt(headers.length, L))),
  headers.length ? limited(h('div', { class: 'scroll' }, h('table', { class: 'grid headers', id: 'sample-headers' },
    h('tbody', null, headers.map(x => h('tr', null, h('th', { class: 'mono nowrap' }, x.name), h('td', { class: 'mono hv' }, defangText(x.value))))))), headers.length, L) :
    h('p', { class: 'muted' }, t('threat.no_headers')),
  h('h3', null, t('threat.body')),
  s.text ? h('pre', { class: 'sample', id: 'sample-text' }, defangText(s.text)) : h('p', { class: 'muted', id: 'sample-text-none' }, t('threat.no_text')),
  s.text_truncated ? h('p', { class: 'muted small' }, t('threat.truncated')) : null,
  rf.includes('html') ? h('p', { class: 'muted small', id: 'html-note' }, t('threat.html_not_shown')) : null));

  // the URLs: defanged text, never a link
  const urls = d.urls || [];
  box.append(h('section', { class: 'panel', id: 'threat-urls' }, h('h2', null, t('threat.urls'), ' ', h('span', { class: 'muted' }, fmtInt(urls.length, L))),
    urls.length ? [h('p', { class: 'muted small' }, t('threat.urls_note')),
      limited(h('div', { class: 'scroll' }, h('table', { class: 'grid urls' },
        h('thead', null, h('tr', null, [t('urls.url'), t('urls.reg_domain'), t('threat.url_here'), t('urls.reports'), t('threat.url_flags')].map(x => h('th', null, x)))),
        h('tbody', null, urls.map(u => h('tr', null,
          h('td', { class: 'mono defanged' }, u.defanged || ''),
          h('td', { class: 'nowrap' }, u.reg_domain ? h('a', { href: ctx.link('threats', '', { url_domain: u.reg_domain }), title: t('threat.url_domain_link') },
            (u.reg_domain || '').replaceAll('.', '[.]')) : '–'),
          h('td', { class: 'num' }, fmtInt(u.count, L)),
          h('td', { class: 'num' }, fmtInt(u.reports, L)),
          h('td', null, flags('urlflag.', u.flags))))))), urls.length, L), dropped(d.urls_dropped, L)] :
      h('p', { class: 'muted' }, t('threat.no_urls'))));

  // attachments: listed; the bytes only after the confirmation
  const atts = d.attachments || [];
  box.append(h('section', { class: 'panel', id: 'threat-attachments' }, h('h2', null, t('threats.attachments'), ' ', h('span', { class: 'muted' }, fmtInt(atts.length, L))),
    atts.length ? [limited(h('div', { class: 'scroll' }, h('table', { class: 'grid' },
      h('thead', null, h('tr', null, [t('threat.att_name'), t('threat.att_type'), t('threat.att_size'), 'SHA-256', t('threat.url_flags'), ''].map(x => h('th', null, x)))),
      h('tbody', null, atts.map(a => h('tr', { 'data-index': a.index },
        h('td', { class: 'mono att-name' }, a.name || t('threat.no_name')), h('td', { class: 'mono small' }, a.content_type || ''),
        h('td', { class: 'num nowrap' }, size(a.size, L)), h('td', { class: 'mono small hash', title: a.sha256 || '' }, a.sha256 || ''),
        h('td', null, flags('attflag.', a.flags)),
        h('td', null, d.sample_purged ? null : h('button', { type: 'button', class: 'btn small att-download', onclick: () => confirmDownload(d.id, a) },
          t('threat.download')))))))), atts.length, L), dropped(d.attachments_dropped, L)]
      : h('p', { class: 'muted' }, t('threat.no_attachments'))));
}
