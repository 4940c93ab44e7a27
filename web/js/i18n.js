// i18n.js - the two languages.  The browser's language picks the default
// (ja for any ja-*, else en), a saved choice wins, and setLang() switches.
// Exports: loadI18n, t, lang, setLang, applyStatic.

const dict = {};
let cur = 'en';

export async function loadI18n() {
  const [ja, en] = await Promise.all(['ja', 'en'].map(l =>
    fetch('/i18n/' + l + '.json').then(r => r.json())));
  dict.ja = ja;
  dict.en = en;
  const saved = localStorage.getItem('dmarcscope.lang');
  const nav = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  cur = saved === 'ja' || saved === 'en' ? saved : (nav.toLowerCase().startsWith('ja') ? 'ja' : 'en');
  document.documentElement.lang = cur;
}

export function lang() { return cur; }

export function setLang(l) {
  cur = l === 'ja' ? 'ja' : 'en';
  localStorage.setItem('dmarcscope.lang', cur);
  document.documentElement.lang = cur;
}

// t('a.b', {n: 3}) → the string with {n} replaced; the key itself when missing.
export function t(key, vars) {
  let s = (dict[cur] && dict[cur][key]) ?? (dict.en && dict.en[key]) ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
  return s;
}

export function applyStatic(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
