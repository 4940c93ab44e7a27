// alerts.js - the Alerts screen: the alerts of the chosen domain, open or
// acknowledged (tabs), newest day first; each with its title, its numbers
// in a sentence (the mail's, in the page's language), a link to the screen
// that shows them, and an Acknowledge button.  A link to the settings.
// Data: GET /api/v1/alerts; POST /api/v1/alerts/ID/ack.
// Exports: render.

import { h } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get, send } from '../api.js';
import { refreshBell } from '../bell.js';

const STATES = ['open', 'acknowledged'];
// rules whose subject (the prefix, the reporter) is worth a line of its own
const SUBJECT = ['new_source', 'missing_reports'];
// the mail's sentence without its leading day (the table has a column for it)
const sentence = (a, L) => {
  const s = (a.text ? a.text[L] : '').replace(/^\d{4}-\d\d-\d\d: /, '');
  // an English sentence after the day begins in lower case ("the published
  // policy ..."), unless with a name (the domain, a reporter) that keeps its case
  return L === 'en' && /^(the|a|an|your|spoofing) /.test(s) ? s.charAt(0).toUpperCase() + s.slice(1) : s;
};
const LINKED = ['mail', 'stats', 'reports', 'senders', 'threats'];
// the screen an alert's link opens ("#/mail?..." → mail), for the link's words
const screenOf = link => { const m = /^#\/([a-z]+)/.exec(link || ''); return m && LINKED.includes(m[1]) ? m[1] : 'mail'; };

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  const state = STATES.includes(p.state) ? p.state : 'open';
  const [d, other] = await Promise.all([
    get('alerts', { domain: p.domain, state, limit: 200 }),
    get('alerts', { domain: p.domain, state: state === 'open' ? 'acknowledged' : 'open', limit: 1 })]);
  const counts = { [state]: d.total, [state === 'open' ? 'acknowledged' : 'open']: other.total };
  const msg = h('p', { class: 'status', id: 'alerts-status', role: 'status' });

  box.append(h('h1', null, t('alerts.title'), ' ', h('span', { class: 'muted' }, p.domain || ''),
    ' ', h('a', { class: 'small', id: 'alerts-settings-link', href: ctx.link('alertsettings') }, t('alerts.settings_link'))));
  box.append(h('div', { class: 'tabs' }, STATES.map(s =>
    h('a', { href: ctx.link('alerts', '', { state: s }), class: 'tab' + (s === state ? ' on' : ''), id: 'tab-' + s },
      t('alerts.tab_' + s), ' ', h('span', { class: 'badge' }, String(counts[s]))))));
  box.append(msg);
  if (!d.alerts.length) {
    box.append(h('p', { class: 'muted', id: 'alerts-empty' }, t(state === 'open' ? 'alerts.none_open' : 'alerts.none_acked')));
    return;
  }
  const ack = async (a, btn) => {
    btn.disabled = true;
    try {
      await send('POST', 'alerts/' + a.id + '/ack');
      msg.textContent = t('alerts.acked', { title: a.title ? a.title[L] : a.rule });
      refreshBell();
      ctx.redraw();
    } catch (e) {
      msg.textContent = t('error') + ': ' + e.message;
      btn.disabled = false;
    }
  };
  box.append(h('table', { class: 'grid', id: 'alerts-list' },
    h('thead', null, h('tr', null, h('th', null, t('alerts.day')), h('th', null, t('alerts.alert')),
      h('th', null, t('alerts.details')), h('th', null, ''))),
    h('tbody', null, d.alerts.map(a => {
      const btn = state === 'open' ? h('button', { type: 'button', class: 'ack', 'data-id': a.id }, t('alerts.ack')) : null;
      if (btn) btn.addEventListener('click', () => ack(a, btn));
      return h('tr', { 'data-rule': a.rule, 'data-id': a.id },
        h('td', { class: 'nowrap' }, a.day),
        h('td', null, h('strong', { class: 'alert-title' }, a.title ? a.title[L] : a.rule),
          a.subject_key && SUBJECT.includes(a.rule) ? h('div', { class: 'small muted' }, a.subject_key) : null),
        h('td', null, h('div', { class: 'alert-text' }, sentence(a, L)),
          h('a', { class: 'small alert-link', href: a.link }, t('alerts.show_' + screenOf(a.link)))),
        h('td', null, btn || h('span', { class: 'muted small' }, t('alerts.tab_acknowledged'))));
    }))));
}
