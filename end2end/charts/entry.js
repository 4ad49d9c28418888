/*! Modelwatch charts (end2end/charts/entry.js), drawn with uPlot: MIT License, Copyright (c)
 * Leon Sorokin, https://github.com/leeoniya/uPlot (the version is pinned in
 * end2end/package-lock.json). */

// The script the dashboard loads as pkg/charts.min.js (bundled by the Makefile's rule for it),
// only on pages that draw charts. It draws the chart descriptions app/src/charts*.rs build
// (app/src/charts/spec.rs): category labels along x, one y axis (linear or logarithmic), and
// line, bar and scatter series, stacked where they share a stack. uPlot draws on a canvas and
// shows the values under the pointer in its legend. It reads only the fields below; the test
// app/src/charts/registered.rs fails when a builder writes a field this script never reads.

import uPlot from 'uplot';

const THEMES = {
  light: { text: '#4b5563', grid: 'rgba(0, 0, 0, 0.08)' },
  dark: { text: '#cbd5e1', grid: 'rgba(255, 255, 255, 0.12)' },
};
// Colours for series beyond those a chart names (the grouped charts' groups).
const PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc'];

const exact = new Intl.NumberFormat('en', { maximumFractionDigits: 4 });
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });

/** A value as the legend shows it; `null` is "no value". */
function shown(value) {
  return value == null ? '–' : exact.format(value);
}

/** A y-axis tick: 1.2K, 3.4M, 0.05. */
function tick(value) {
  return value == null ? '' : Math.abs(value) >= 1000 ? compact.format(value) : exact.format(value);
}

/** `#rrggbb` at `alpha` (0 to 1). */
function fade(colour, alpha) {
  return colour + Math.round(alpha * 255).toString(16).padStart(2, '0');
}

const BARS = uPlot.paths.bars({ size: [0.6, 48] });

// How each kind of series is drawn (`type` in the description).
const KINDS = {
  line(series, colour) {
    return {
      width: 1.5,
      fill: series.area ? fade(colour, 0.35) : undefined,
      dash: series.dashed ? [6, 4] : undefined,
      points: { show: false },
    };
  },
  bar(series, colour) {
    return { width: 0, fill: fade(colour, 0.85), paths: BARS, points: { show: false } };
  },
  scatter(series, colour) {
    return { width: 0, paths: () => null, points: { show: true, size: 7, width: 0, fill: colour, stroke: colour } };
  },
};

/**
 * The values as drawn: a series in a stack sits on the one before it in the same stack. The
 * bands fill between them, so each stacked series' fill covers only its own share.
 */
function stacked(spec) {
  const drawn = [];
  const bands = [];
  const top = new Map();
  spec.series.forEach((series, index) => {
    const below = series.stack == null ? undefined : top.get(series.stack);
    drawn.push(
      below === undefined
        ? series.data
        : series.data.map((value, point) => (value == null ? null : value + (drawn[below][point] ?? 0))),
    );
    if (below !== undefined) bands.push({ series: [index + 1, below + 1] });
    if (series.stack != null) top.set(series.stack, index);
  });
  return { drawn, bands };
}

/** The y scale: from zero, or logarithmic from the description's `min`. */
function yScale(axis) {
  if (axis.type !== 'log') return { auto: true };
  return {
    distr: 3,
    log: 10,
    range: (u, min, max) => {
      const low = Math.max(axis.min ?? 1, min ?? 1);
      const [from, to] = uPlot.rangeLog(low, Math.max(max ?? low * 10, low * 10), 10, true);
      return [Math.max(from, axis.min ?? from), to];
    },
  };
}

/**
 * Sizes the chart to its box: the canvas takes what the legend leaves. The legend is the box's
 * own child (not inside uPlot's root, which has no width until it is first drawn), so its
 * height is known at once.
 */
function fit(chart) {
  const box = chart.root.parentElement;
  if (!box) return;
  const legend = box.querySelector(':scope > .u-legend');
  const height = box.clientHeight - (legend ? legend.offsetHeight : 0);
  chart.setSize({ width: Math.max(box.clientWidth, 100), height: Math.max(height, 80) });
}

/** Draws the chart described by `json` into `element`, replacing what was there. */
function draw(element, json, dark) {
  const spec = JSON.parse(json);
  const theme = dark ? THEMES.dark : THEMES.light;
  const labels = spec.xAxis.data;
  const count = labels.length;
  const { drawn, bands } = stacked(spec);
  const axis = (label, extra) => ({
    label,
    stroke: theme.text,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
    ...extra,
  });
  element.replaceChildren();
  const options = {
    width: Math.max(element.clientWidth, 100),
    height: Math.max(element.clientHeight - 30, 80),
    scales: {
      x: { time: false, range: () => [-0.5, Math.max(count, 1) - 0.5] },
      y: yScale(spec.yAxis),
    },
    axes: [
      axis(spec.xAxis.name, {
        // About one label per 90 CSS pixels, on whole points.
        splits: (u) => {
          const every = Math.max(1, Math.ceil((count * 90) / Math.max(u.bbox.width / devicePixelRatio, 1)));
          const splits = [];
          for (let point = 0; point < count; point += every) splits.push(point);
          return splits;
        },
        values: (u, splits) => splits.map((point) => labels[point] ?? ''),
      }),
      axis(spec.yAxis.name, { size: 60, values: (u, splits) => splits.map(tick) }),
    ],
    series: [
      { label: spec.xAxis.name, value: (u, point) => (point == null ? '–' : labels[Math.round(point)] ?? '') },
      ...spec.series.map((series, index) => {
        const colour = series.colour ?? spec.color?.[index] ?? PALETTE[index % PALETTE.length];
        return {
          label: series.name,
          stroke: colour,
          spanGaps: false,
          // The legend shows each series' own value, not its height in a stack.
          value: (u, value, seriesIndex, point) => (point == null ? '–' : shown(series.data[point])),
          ...KINDS[series.type](series, colour),
        };
      }),
    ],
    bands,
    legend: { live: true, mount: (u, legend) => element.appendChild(legend) },
    cursor: { drag: { x: false, y: false, setScale: false } },
  };
  const chart = new uPlot(options, [Array.from({ length: count }, (_, point) => point), ...drawn], element);
  fit(chart);
  return chart;
}

// What the wasm calls (app/src/components/chart.rs).
window.modelwatchCharts = {
  draw,
  resize: fit,
  dispose: (chart) => chart.destroy(),
};
