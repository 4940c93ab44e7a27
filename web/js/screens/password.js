// password.js - the password change screen: the current password, the new
// one twice (compared here; 8-1024 bytes, checked by the server).  The
// user's other sessions end; this one stays.  Errors: the current password
// wrong, the new one refused, too many failed attempts.
// Data: POST /api/v1/password.
// Exports: render.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { send, auth } from '../api.js';

export async function render(box) {
  box.append(h('h1', null, t('password.title')));
  if (auth.method !== 'session') {
    box.append(h('p', { class: 'muted' }, t('password.no_session')));
    return;
  }
  const field = (id, label, ac) => {
    const i = h('input', { id, type: 'password', autocomplete: ac, maxlength: '1024', required: true });
    return [h('label', null, h('span', null, label), i), i];
  };
  const [l1, old] = field('pw-old', t('password.old'), 'current-password');
  const [l2, nw] = field('pw-new', t('password.new'), 'new-password');
  const [l3, again] = field('pw-again', t('password.again'), 'new-password');
  const msg = h('p', { class: 'status', id: 'password-status', role: 'status' });
  const form = h('form', { class: 'admin-form vertical', id: 'password-form' }, h('p', { class: 'muted small' }, t('password.note')),
    l1, l2, l3, h('button', { type: 'submit', class: 'btn primary', id: 'password-submit' }, t('password.submit')));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    msg.className = 'status';
    if (nw.value !== again.value) {
      msg.className = 'status error';
      msg.textContent = t('password.mismatch');
      return;
    }
    try {
      await send('POST', 'password', { old: old.value, new: nw.value });
      form.reset();
      msg.textContent = t('password.done');
    } catch (e) {
      msg.className = 'status error';
      msg.textContent = e.status === 401 ? t('password.wrong') : e.status === 429 ? t('password.locked') :
        e.code === 'password_policy' ? t('password.policy') : t('error') + ': ' + e.message;
    }
  });
  box.append(h('section', { class: 'panel narrow' }, form, msg));
}
