// policytabs.js - the tab bar under the 'check' nav item (issue 18): DNS
// check | fixes | readiness for p=reject.  Each tab keeps the domain and the
// period of the current address.  The screens 'check', 'fixes' and 'ready'
// put it under their title.
// Exports: policyTabs(active) -> a DOM element (active: 'check'|'fixes'|'ready').

import { h, qs } from './dom.js';
import { t } from './i18n.js';

const TABS = ['check', 'fixes', 'ready'];

export function policyTabs(active) {
  const query = (location.hash.split('?')[1]) || '';
  const cur = Object.fromEntries(new URLSearchParams(query));
  const keep = {};
  for (const k of ['domain', 'since', 'until']) if (cur[k]) keep[k] = cur[k];
  const q = Object.keys(keep).length ? '?' + qs(keep) : '';
  return h('nav', { class: 'tabs policy-tabs', id: 'policy-tabs' }, TABS.map(s =>
    h('a', { href: '#/' + s + q, class: 'tab' + (s === active ? ' on' : ''), id: 'ptab-' + s,
      'aria-current': s === active ? 'page' : null }, t('policytabs.' + s))));
}
