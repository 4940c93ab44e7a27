// shots_overview.mjs BASE_URL OUTDIR - screenshots of the domains overview
// (issue 19) on the benchmark's 10,000-domain corpus (bench/overview.sh
// OV_SHOTS=DIR starts the portal): the overview over the 30 days ending
// 2026-11-30 (sorted by spoofing), and the searchable domain picker open on
// the statistics screen, in ja (Asia/Tokyo) and en, 1280 px wide.  Saved as
// overview-10k-LANG.png and picker-10k-LANG.png.  Fails (exit 1) when a
// screen does not draw, on a page error or a CSP violation.
import { launch, newPage } from './lib.mjs';
import path from 'node:path';

const [BASE, OUT] = process.argv.slice(2);
const R = 'since=2026-11-01&until=2026-11-30';
const problems = [];
const browser = await launch();
for (const [locale, L, tz] of [['ja-JP', 'ja', 'Asia/Tokyo'], ['en-US', 'en', 'UTC']]) {
  const page = await newPage(browser, problems, { locale, timezoneId: tz, width: 1280, height: 900 });
  await page.goto(BASE + '/#/overview?sort=spoofing&' + R);
  await page.waitForFunction(() => document.body.dataset.ready === 'overview', null, { timeout: 60000 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(OUT, `overview-10k-${L}.png`), fullPage: false });
  const first = await page.$eval('#ov-table tbody tr a.ov-domain', a => a.textContent);
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  await page.goto(BASE + '/#/stats?domain=' + first + '&' + R);
  await page.waitForFunction(() => document.body.dataset.ready === 'stats', null, { timeout: 60000 });
  await page.click('#domain');
  await page.fill('#domain', 'sakura-');
  await page.waitForSelector('#domain-list li[data-domain]');
  await page.waitForTimeout(200);
  await page.screenshot({ path: path.join(OUT, `picker-10k-${L}.png`), fullPage: false });
  console.log('saved ' + L);
  const csp = await page.evaluate(() => window.__csp || []);
  if (csp.length) problems.push(L + ' CSP: ' + csp.join('; '));
  await page.context().close();
}
await browser.close();
if (problems.length) {
  console.log('problems:\n' + problems.join('\n'));
  process.exit(1);
}
