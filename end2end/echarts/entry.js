/*! Apache ECharts, a trimmed build for Modelwatch (end2end/echarts/entry.js; the version is
 * pinned in end2end/package-lock.json). Licensed under the Apache License, Version 2.0:
 * http://www.apache.org/licenses/LICENSE-2.0 */

// The ECharts the dashboard loads as /echarts.min.js (bundled by the Makefile's rule for it):
// only what the option builders in app/src/charts*.rs produce, instead of the full ~1 MB
// dist/echarts.min.js. An option that names a series type or component not registered here is
// silently not drawn, so a builder that starts using one (markLine, dataZoom, visualMap, title,
// toolbox, pie, ...) must add it below.

import { use, init, dispose } from 'echarts/core';
// Series types.
import {
  // tokens (stacked areas), latency percentiles, rule preview targets and the
  // threshold / earlier-window dashed lines
  LineChart,
  // requests by outcome and the grouped charts (stacked bars)
  BarChart,
  // the rule preview's breaching points
  ScatterChart,
} from 'echarts/charts';
import {
  // the cartesian grid: xAxis/yAxis of type category, value, log and time (all four scales
  // come with it), plus the axis pointer the axis tooltip draws
  GridComponent,
  // `tooltip: { trigger: 'axis' }` on every chart
  TooltipComponent,
  // `legend` on every chart; only the plain kind (no `type: 'scroll'` anywhere)
  LegendPlainComponent,
} from 'echarts/components';
// `grid.containLabel: true` (every chart's frame) lays out as in ECharts 5 and the full build;
// without this ECharts 6 falls back to its `outerBounds` layout and the plot moves.
import { LegacyGridContainLabel } from 'echarts/features';
// Canvas, as the full build's default: the browser tests look for the chart's <canvas>.
import { CanvasRenderer } from 'echarts/renderers';

use([
  LineChart,
  BarChart,
  ScatterChart,
  GridComponent,
  TooltipComponent,
  LegendPlainComponent,
  LegacyGridContainLabel,
  CanvasRenderer,
]);

// What the wasm calls (app/src/components/chart.rs): `echarts.init(element, theme)` with theme
// "dark" or "" (the dark theme is registered by echarts/core itself) and
// `echarts.dispose(instance)`; `setOption` and `resize` are methods of the instance.
window.echarts = { init, dispose };
