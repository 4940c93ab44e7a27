// alertsettings.js - a domain's alert settings: recipients (address and
// language), the webhook (URL, secret: only whether one is set is shown,
// format), cooldown, digest, the summary's schedule, and the rule
// thresholds with their defaults beside them.  Save validates on the server
// and shows its message at the field; "Send a test" sends a sample alert
// through each channel (the same path as `dmarcscope alerts test`).
// Data: GET/POST /api/v1/alert-settings, POST /api/v1/alert-settings/test.
// Exports: render.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get, send } from '../api.js';

// the thresholds in the order of docs/ALERTS.md's table, grouped by rule
const GROUPS = [
  ['spoofing_started', ['spoof_min', 'quiet_days']],
  ['spoofing_spike', ['spike_factor', 'spike_window', 'spike_min']],
  ['new_source', ['source_min', 'source_history', 'warmup_days']],
  ['sender_failing', ['sender_pass_pct', 'sender_min']],
  ['pass_rate_drop', ['drop_points', 'drop_min', 'trail_days']],
  ['missing_reports', ['missing_days', 'missing_history']],
  ['failure_report', ['failure_min']],
  ['all', ['max_age_days']],
];

let flash = { text: '', until: 0 };

function field(key, label, input, hint) {
  return h('div', { class: 'field', 'data-field': key },
    h('label', { for: 'as-' + key }, label), input,
    hint ? h('span', { class: 'small muted hint' }, hint) : null,
    h('span', { class: 'small error field-error', id: 'err-' + key }));
}

function select(id, value, opts) {
  return h('select', { id }, opts.map(([v, label]) => h('option', { value: v, selected: String(value) === String(v) }, label)));
}

export async function render(box, ctx) {
  const { p } = ctx;
  const d = await get('alert-settings', { domain: p.domain });
  const s = d.settings;
  const msg = h('p', { class: 'status', id: 'as-status', role: 'status' }, Date.now() < flash.until ? flash.text : '');

  box.append(h('h1', null, t('as.title'), ' ', h('span', { class: 'muted' }, p.domain || ''),
    ' ', h('a', { class: 'small', href: ctx.link('alerts') }, t('as.back'))));
  box.append(h('p', { class: 'muted small' }, t('as.intro')));

  // recipients
  const rlist = h('div', { id: 'as-recipients' });
  const addRow = (addr, lang) => {
    const rm = h('button', { type: 'button', class: 'rm' }, t('as.remove'));
    const row = h('div', { class: 'rcpt' },
      h('input', { type: 'email', class: 'addr', value: addr || '', placeholder: 'admin@example.jp', maxlength: '254', 'aria-label': t('as.address') }),
      select('', lang || 'ja', [['ja', t('as.lang_ja')], ['en', t('as.lang_en')]]), rm);
    rm.addEventListener('click', () => row.remove());
    rlist.append(row);
  };
  for (const r of s.recipients) addRow(r.addr, r.lang);
  const add = h('button', { type: 'button', id: 'as-add' }, t('as.add_recipient'));
  add.addEventListener('click', () => addRow('', 'ja'));

  const enabled = h('input', { type: 'checkbox', id: 'as-enabled', checked: s.enabled });
  const url = h('input', { type: 'url', id: 'as-webhook_url', value: s.webhook_url || '', placeholder: 'https://hooks.example.jp/dmarc', size: '50' });
  const secret = h('input', { type: 'password', id: 'as-webhook_secret', value: '', autocomplete: 'new-password', size: '40',
    placeholder: s.webhook_secret_set ? t('as.secret_set') : t('as.secret_unset') });
  const clearSecret = h('input', { type: 'checkbox', id: 'as-secret-clear' });
  const format = select('as-webhook_format', s.webhook_format, [['json', 'JSON'], ['slack', t('as.format_slack')]]);
  const cooldown = h('input', { type: 'number', id: 'as-cooldown_days', value: s.cooldown_days, min: '0', max: '365' });
  const digest = select('as-digest', s.digest, [['off', t('as.digest_off')], ['daily', t('as.digest_daily')]]);
  const summary = select('as-summary', s.summary, [['off', t('as.summary_off')], ['weekly', t('as.summary_weekly')], ['daily', t('as.summary_daily')]]);
  const weekday = select('as-summary_weekday', s.summary_weekday, [0, 1, 2, 3, 4, 5, 6].map(i => [i, t('as.wd' + i)]));
  const hour = h('input', { type: 'number', id: 'as-summary_hour', value: s.summary_hour, min: '0', max: '23' });
  const tzo = h('input', { type: 'number', id: 'as-tz_offset_min', value: s.tz_offset_min, min: '-720', max: '840', step: '15' });

  const th = {};
  const thBox = h('div', { class: 'thresholds', id: 'as-thresholds' }, GROUPS.map(([rule, keys]) =>
    h('fieldset', null, h('legend', null, t('as.rule_' + rule)), keys.map(k => {
      th[k] = h('input', { type: 'number', id: 'as-' + k, value: s.thresholds[k], step: 'any' });
      return field(k, t('as.t_' + k), th[k], t('as.default', { v: d.defaults[k] }));
    }))));

  box.append(h('form', { id: 'as-form', class: 'settings', novalidate: true },
    h('div', { class: 'field' }, h('label', null, enabled, ' ', t('as.enabled'))),
    h('h2', null, t('as.recipients')), field('recipients', t('as.recipients_help'), rlist), add,
    h('h2', null, t('as.webhook')),
    field('webhook_url', t('as.webhook_url'), url),
    field('webhook_secret', t('as.webhook_secret'), secret, h('label', { class: 'small' }, clearSecret, ' ', t('as.secret_clear'))),
    field('webhook_format', t('as.webhook_format'), format),
    h('h2', null, t('as.delivery')),
    field('cooldown_days', t('as.cooldown'), cooldown, t('as.default', { v: 7 })),
    field('digest', t('as.digest'), digest),
    field('summary', t('as.summary'), summary),
    field('summary_weekday', t('as.summary_weekday'), weekday),
    field('summary_hour', t('as.summary_hour'), hour, t('as.default', { v: 9 })),
    field('tz_offset_min', t('as.tz_offset'), tzo, t('as.default', { v: 540 })),
    h('h2', null, t('as.thresholds')), thBox,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', id: 'as-save', class: 'primary' }, t('as.save')), ' ',
      h('button', { type: 'button', id: 'as-test' }, t('as.test'))),
    msg, h('ul', { id: 'as-test-results' })));

  const clearErrors = () => { for (const e of box.querySelectorAll('.field-error')) e.textContent = ''; };
  // the browser's own messages are in the page's language; the server's
  // (a 400 naming the field) come after a localized lead
  const showError = (e, local) => {
    const el = box.querySelector('#err-' + (e.field || '')) || msg;
    el.textContent = local ? e.message : t('as.bad_value') + ' ' + e.message;
    msg.textContent = t('as.invalid');
  };
  const num = el => el.value.trim() === '' ? NaN : Number(el.value);

  box.querySelector('#as-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    clearErrors();
    const body = {
      domain: p.domain, enabled: enabled.checked,
      recipients: [...rlist.querySelectorAll('.rcpt')].map(r => ({ addr: r.querySelector('.addr').value.trim(), lang: r.querySelector('select').value }))
        .filter(r => r.addr !== ''),
      webhook_url: url.value.trim(), webhook_format: format.value,
      cooldown_days: num(cooldown), digest: digest.value, summary: summary.value,
      summary_weekday: Number(weekday.value), summary_hour: num(hour), tz_offset_min: num(tzo),
      thresholds: Object.fromEntries(Object.entries(th).map(([k, el]) => [k, num(el)])),
    };
    // empty or not a number: said here, in the same words as the server's
    for (const k of ['cooldown_days', 'summary_hour', 'tz_offset_min'])
      if (!Number.isInteger(body[k])) return showError({ field: k, message: t('as.need_whole') }, true);
    for (const [k, v] of Object.entries(body.thresholds))
      if (!Number.isFinite(v)) return showError({ field: k, message: t('as.need_number') }, true);
    if (secret.value) body.webhook_secret = secret.value;
    if (clearSecret.checked) body.webhook_secret_clear = true;
    try {
      await send('POST', 'alert-settings', body);
      flash = { text: t('as.saved'), until: Date.now() + 8000 };
      msg.textContent = flash.text;
      ctx.redraw();
    } catch (e) {
      if (e.status === 400) showError(e);
      else msg.textContent = t('error') + ': ' + e.message;
    }
  });
  box.querySelector('#as-test').addEventListener('click', async () => {
    const out = box.querySelector('#as-test-results');
    out.textContent = '';
    msg.textContent = t('as.testing');
    try {
      const r = await send('POST', 'alert-settings/test', { domain: p.domain });
      for (const x of r.results)
        out.append(h('li', { class: x.ok ? 'ok' : 'error' }, (x.channel === 'webhook' ? t('as.webhook') : x.channel.replace(/^mail:/, '')) + ': ' +
          (x.ok ? t('as.test_sent') : t('as.test_failed') + ' (' + x.detail + ')')));
      msg.textContent = r.failed ? t('as.test_some_failed', { n: r.failed }) : t('as.test_ok');
    } catch (e) {
      msg.textContent = t('error') + ': ' + e.message;
    }
  });
}
