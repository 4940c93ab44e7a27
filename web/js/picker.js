// picker.js - the domain picker of the pickers row (issue 19): a search box
// with a list of matching domains under it, for 2 domains or 10,000.
// Typing narrows the list (a substring of the name, names that start with it
// first); at most MAX names are drawn, with how many more match.  Arrow
// keys move, Enter or a click picks, Escape or leaving the box puts the
// current domain back.  Picking calls onPick(domain); nothing else changes
// the screen.  The list is ARIA's combobox / listbox pattern.
// Exports: initPicker(input, list, onPick), setPicker(domains, current).

import { h, clear } from './dom.js';
import { t } from './i18n.js';

const MAX = 50;
let all = [];		// names, as GET /domains gives them (most messages first)
let current = '';
let input = null, list = null, pick = null;
let shown = [], active = -1;

export function setPicker(domains, cur) {
  all = domains.map(d => d.domain);
  current = cur || '';
  if (input && document.activeElement !== input) input.value = current;
}

function matches(q) {
  q = q.trim().toLowerCase();
  if (!q || q === current) return { names: all.slice(0, MAX), more: Math.max(0, all.length - MAX) };
  const pre = [], mid = [];
  for (const d of all) {
    const i = d.indexOf(q);
    if (i === 0) pre.push(d);
    else if (i > 0) mid.push(d);
  }
  const names = pre.concat(mid);
  return { names: names.slice(0, MAX), more: Math.max(0, names.length - MAX) };
}

function draw() {
  const { names, more } = matches(input.value);
  shown = names;
  if (active >= names.length) active = names.length - 1;
  clear(list);
  names.forEach((d, i) => list.append(h('li', { role: 'option', id: 'domain-opt-' + i, 'data-domain': d,
    class: (i === active ? 'active' : '') + (d === current ? ' current' : ''), 'aria-selected': i === active ? 'true' : 'false' }, d)));
  if (!names.length) list.append(h('li', { class: 'none', id: 'domain-none' }, t('picker.no_match')));
  if (more) list.append(h('li', { class: 'more', id: 'domain-more' }, t('picker.more', { n: more.toLocaleString() })));
  list.hidden = false;
  input.setAttribute('aria-expanded', 'true');
  if (active >= 0) input.setAttribute('aria-activedescendant', 'domain-opt-' + active);
  else input.removeAttribute('aria-activedescendant');
  const el = list.querySelector('li.active');
  if (el && el.scrollIntoView) el.scrollIntoView({ block: 'nearest' });
}

function close(restore) {
  list.hidden = true;
  input.setAttribute('aria-expanded', 'false');
  input.removeAttribute('aria-activedescendant');
  active = -1;
  if (restore) input.value = current;
}

function choose(d) {
  close(false);
  input.value = d;
  if (d !== current) pick(d);
}

export function initPicker(inp, ul, onPick) {
  input = inp;
  list = ul;
  pick = onPick;
  input.addEventListener('focus', () => { input.select(); active = -1; draw(); });
  input.addEventListener('input', () => { active = -1; draw(); });
  input.addEventListener('keydown', e => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (list.hidden) draw();
      const n = shown.length;
      if (!n) return;
      active = e.key === 'ArrowDown' ? (active + 1) % n : (active <= 0 ? n - 1 : active - 1);
      draw();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const q = input.value.trim().toLowerCase();
      const d = active >= 0 ? shown[active] : all.includes(q) ? q : shown[0];
      if (d) choose(d);
    } else if (e.key === 'Escape') {
      e.preventDefault();	// a search box would clear itself
      close(true);
      input.blur();
    }
  });
  input.addEventListener('blur', () => setTimeout(() => close(true), 150));
  // mousedown, not click: it comes before the input's blur
  list.addEventListener('mousedown', e => {
    const li = e.target.closest('li[data-domain]');
    if (!li) return;
    e.preventDefault();
    choose(li.dataset.domain);
  });
}
