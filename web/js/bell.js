// bell.js - the bell in the header: the number of open alerts of the
// domains the user reads, a link to the Alerts screen.  app.js calls
// refreshBell() on every draw, so the live update (the /version poll that
// redraws the open screen) refreshes it too: no timer of its own.
// Data: GET /api/v1/alerts/count.  Exports: refreshBell.

import { get } from './api.js';
import { t } from './i18n.js';

export async function refreshBell() {
  const a = document.getElementById('bell');
  if (!a) return;
  let n = 0;
  try { n = (await get('alerts/count')).open; } catch (e) { return; }
  const c = document.getElementById('bell-n');
  c.textContent = n > 0 ? String(n) : '';
  c.hidden = n === 0;
  a.classList.toggle('on', n > 0);
  a.title = t('bell.title', { n });
  a.setAttribute('aria-label', a.title);
  a.dataset.open = String(n);
}
