// charts.js - ECharts instances for the current screen: created here,
// disposed when the screen is drawn again, resized with the window.
// Tooltips are drawn on the canvas (renderMode richText), so no HTML and
// no inline style reaches the page (CSP style-src 'self').
// Exports: chart, disposeCharts, classColors.

const live = [];

export const classColors = {
  normal: '#2e7d32', forwarded: '#1565c0', auth_failure: '#ef6c00', spoofing_suspected: '#c62828',
};

export function chart(el, option) {
  const c = window.echarts.init(el, null, { renderer: 'canvas' });
  option.tooltip = Object.assign({ renderMode: 'richText' }, option.tooltip || {});
  option.animation = false;
  c.setOption(option);
  live.push(c);
  return c;
}

export function disposeCharts() {
  while (live.length) live.pop().dispose();
}

window.addEventListener('resize', () => live.forEach(c => c.resize()));
