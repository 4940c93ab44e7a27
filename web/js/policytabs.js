// policytabs.js - the tab bar under the 'check' nav item: DNS check | fixes |
// readiness (issue 18).  Owned by the ready helper; this is the fixes
// helper's private copy until the two are merged (the integrator keeps
// ready's).  Links keep the current domain and period.
// Exports: policyTabs(active) -> a DOM element.

import { h } from './dom.js';
import { t } from './i18n.js';

export function policyTabs(active) {
  const query = (location.hash.split('?')[1] || '');
  return h('div', { class: 'tabs', id: 'policy-tabs' }, ['check', 'fixes', 'ready'].map(name =>
    h('a', { href: '#/' + name + (query ? '?' + query : ''), class: 'tab' + (name === active ? ' on' : ''), id: 'ptab-' + name },
      t('policytabs.' + name))));
}
