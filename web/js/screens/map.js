// map.js - the World map: sending sources by country (from enrichment),
// coloured by messages or by suspected spoofing, drawn offline with
// d3-geo + topojson-client + world-atlas 50m into SVG (fill attributes,
// no inline style), with a table of every country beside it.
// smallMap() draws the same world small with one country highlighted and a
// marker on it (the host page's "where is it").
// Data: GET /api/v1/map; /vendor/countries-50m.json; /vendor/iso-numeric.json.
// Exports: render, smallMap, regionName.

import { h, fmtInt } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get } from '../api.js';

const SVGNS = 'http://www.w3.org/2000/svg';
let geo = null;

async function loadGeo() {
  if (geo) return geo;
  const [topo, iso] = await Promise.all([fetch('/vendor/countries-50m.json').then(r => r.json()),
    fetch('/vendor/iso-numeric.json').then(r => r.json())]);
  const fc = window.topojson.feature(topo, topo.objects.countries);
  fc.features = fc.features.filter(f => f.id !== '010');	// Antarctica
  geo = { fc, iso };
  return geo;
}

function svg(tag, attrs, ...kids) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const k of kids) el.append(k);
  return el;
}

function colour(v, max, spoof) {
  if (!v) return '#e6e8eb';
  const x = Math.log(1 + v) / Math.log(1 + max);
  const [a, b] = spoof ? [[253, 212, 196], [165, 15, 21]] : [[198, 219, 239], [8, 48, 107]];
  const c = a.map((s, i) => Math.round(s + (b[i] - s) * x));
  return 'rgb(' + c.join(',') + ')';
}

// "Japan (JP)" / "日本 (JP)"; the code alone where the browser has no name.
export function regionName(cc, L) {
  try {
    const n = new Intl.DisplayNames([L === 'ja' ? 'ja' : 'en'], { type: 'region' }).of(cc);
    return n && n !== cc ? n + ' (' + cc + ')' : cc;
  } catch (e) {
    return cc;
  }
}

// The largest polygon of a country (France without its overseas parts, the
// contiguous United States), so the marker sits where a reader looks.
function mainland(f) {
  const g = f.geometry;
  if (!g || g.type !== 'MultiPolygon') return f;
  let best = null, area = -1;
  for (const c of g.coordinates) {
    const p = { type: 'Polygon', coordinates: c };
    const a = window.d3.geoArea(p);
    if (a > area) { area = a; best = p; }
  }
  return { type: 'Feature', properties: f.properties, geometry: best };
}

// smallMap('VN') → an <svg id="host-map"> (360×188) of the world with that
// country filled and marked; null when the code is not on the map.
export async function smallMap(cc, label) {
  const g = await loadGeo();
  const W = 360, H = 188;
  const proj = window.d3.geoNaturalEarth1().fitSize([W, H], g.fc);
  const path = window.d3.geoPath(proj);
  const root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, id: 'host-map', role: 'img', 'aria-label': label || cc || '' });
  root.append(svg('rect', { x: 0, y: 0, width: W, height: H, fill: '#f4f8fc' }));
  let target = null;
  for (const f of g.fc.features) {
    const code = g.iso[f.id] || '';
    const on = cc && code === cc;
    const el = svg('path', { d: path(f) || '', fill: on ? '#c62828' : '#dfe3e8', stroke: '#fff', 'stroke-width': '0.3', 'data-cc': code });
    if (on) { el.setAttribute('class', 'has-data'); target = f; }
    root.append(el);
  }
  if (!target) return null;
  const [x, y] = path.centroid(mainland(target));
  if (Number.isFinite(x) && Number.isFinite(y)) {
    root.append(svg('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: '9', fill: 'none', stroke: '#c62828', 'stroke-width': '2', id: 'host-map-marker' }));
    root.append(svg('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: '2.5', fill: '#c62828' }));
  }
  const title = svg('title');
  title.textContent = label || cc;
  root.append(title);
  return root;
}

export async function render(box, ctx) {
  const { p } = ctx;
  const L = lang();
  const mode = p.mode === 'spoofing' ? 'spoofing' : 'messages';
  const [data, g] = await Promise.all([get('map', { domain: p.domain, since: p.since, until: p.until }), loadGeo()]);
  const by = {};
  for (const c of data.countries) if (c.country) by[c.country] = c;
  const max = Math.max(1, ...data.countries.filter(c => c.country).map(c => c[mode]));

  box.append(h('h1', null, t('map.title'), ' ', h('span', { class: 'muted' }, p.domain || '')));
  if (data.partial) box.append(h('p', { class: 'note', id: 'partial-note' }, t('partial.sum', { n: fmtInt(data.window, L) })));
  box.append(h('div', { class: 'tabs' },
    h('a', { href: ctx.link('map', '', { mode: 'messages' }), class: 'tab' + (mode === 'messages' ? ' on' : ''), id: 'mode-messages' }, t('map.by_messages')),
    h('a', { href: ctx.link('map', '', { mode: 'spoofing' }), class: 'tab' + (mode === 'spoofing' ? ' on' : ''), id: 'mode-spoofing' }, t('map.by_spoofing'))));

  const W = 960, H = 500;
  const proj = window.d3.geoNaturalEarth1().fitSize([W, H], g.fc);
  const path = window.d3.geoPath(proj);
  const root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'worldmap', id: 'worldmap', role: 'img' });
  for (const f of g.fc.features) {
    const cc = g.iso[f.id] || '';
    const d = by[cc];
    const el = svg('path', { d: path(f) || '', fill: colour(d ? d[mode] : 0, max, mode === 'spoofing'), stroke: '#fff', 'stroke-width': '0.4', 'data-cc': cc });
    if (d) el.setAttribute('class', 'has-data');
    const title = svg('title');
    title.textContent = (f.properties && f.properties.name ? f.properties.name : cc) + (d ? ' — ' + fmtInt(d[mode], L) : '');
    el.append(title);
    root.append(el);
  }
  const rows = data.countries.slice().sort((a, b) => b[mode] - a[mode]);
  box.append(h('div', { class: 'mapwrap' }, h('div', { class: 'mapbox' }, root,
    h('div', { class: 'legend' }, h('span', null, '0'), h('span', { class: 'ramp ' + mode }), h('span', null, fmtInt(max, L)))),
    h('table', { class: 'grid', id: 'countries' }, h('thead', null, h('tr', null, [t('col.country'), t('stats.messages'), t('class.spoofing_suspected'), t('map.sources')].map(x => h('th', null, x)))),
      h('tbody', null, rows.map(c => h('tr', null, h('td', { title: c.country || '' }, c.country ? regionName(c.country, L) : t('map.unknown')), h('td', { class: 'num' }, fmtInt(c.messages, L)),
        h('td', { class: 'num' }, fmtInt(c.spoofing, L)), h('td', { class: 'num' }, fmtInt(c.sources, L))))))));
}
