// Charts from uPlot (the WebJar loaded by each page as the global uPlot): one helper for the
// console's line charts. The chart's container carries data-points (how many x values it plots),
// and a caption names it for screen readers; the numbers behind each chart are also in a table.

/** Colours with at least 4.5:1 contrast on white. */
export const COLOURS = ['#1f5fa8', '#b3261e', '#1b7a3a', '#7a4a00', '#6a1b9a'];

/**
 * A line chart in container: series [{label, colour?, scale?, dash?, line? (false: points only), pointSize?}], data [xs, ...ys];
 * options {xLabel, yLabel, xRange, yRange: [min, max], wholeX (ticks on whole numbers), scales, axes}.
 * Returns {update(data), plot}.
 */
export function lineChart(container, series, data, options = {}) {
  container.replaceChildren();
  const width = Math.max(280, container.clientWidth || 480);
  const opts = {
    width,
    height: options.height ?? 240,
    scales: {
      x: { time: false, ...(options.xRange ? { range: options.xRange } : {}) },
      y: options.yRange ? { range: options.yRange } : {},
      ...(options.scales ?? {}),
    },
    axes: [
      { label: options.xLabel ?? '', ...(options.wholeX ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] } : {}) },
      { label: options.yLabel ?? '' },
      ...(options.axes ?? []),
    ],
    series: [
      { label: options.xLabel ?? 'x' },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: s.colour ?? COLOURS[i % COLOURS.length],
        width: s.width ?? 2,
        scale: s.scale ?? 'y',
        dash: s.dash,
        fill: s.fill,
        points: { show: s.points ?? true, ...(s.pointSize ? { size: s.pointSize } : {}),
          ...(s.line === false ? { fill: s.colour ?? COLOURS[i % COLOURS.length] } : {}) },
        spanGaps: true,
        ...(s.line === false ? { paths: () => null } : {}), // points only
      })),
    ],
    legend: { live: false },
  };
  const plot = new uPlot(opts, data, container);
  container.chart = plot; // the uPlot instance (its data and scales), for scripts and tests
  container.dataset.points = String(data[0].length);
  return {
    update(next) {
      plot.setData(next);
      container.dataset.points = String(next[0].length);
    },
    plot,
  };
}
