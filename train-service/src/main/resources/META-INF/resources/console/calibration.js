// Calibration: for a chosen model version (?model=&version=), each feature's reliability diagram on
// the version's test split (observed frequency against mean P(present) per non-empty bin, with the
// diagonal of perfect calibration) and its ECE, before and after the version's calibration, all
// from the registry's version record (GET /api/v1/models/{name}/versions/{v}).
import { element, fmt, getJson, numberCell, param, showError } from './api.js';
import { lineChart } from './charts.js';

const models = document.getElementById('model');
const versions = document.getElementById('version');
const section = document.getElementById('calibration');

function path(name, rest = '') {
  return `/api/v1/models/${encodeURIComponent(name)}${rest}`;
}

function option(value, text, selected) {
  const o = element('option', { value }, text);
  o.selected = selected;
  return o;
}

function describe(calibration) {
  if (!calibration) return 'not recorded: this version was trained before calibration existed (uncalibrated)';
  if (calibration.method === 'none') return "none: the head's sigmoid";
  return `${calibration.method} scaling per feature, fitted on the ${calibration.fitted_on} split`;
}

/** One feature's figure: the reliability chart and its bins as a table. */
function reliabilityFigure(feature, metrics) {
  const r = metrics?.calibration?.reliability;
  const caption = element('figcaption', { id: `reliability-caption-${feature}` },
    `${feature}: ECE ${fmt(metrics?.calibration?.ece)}`);
  const chart = element('div', { id: `reliability-${feature}`, role: 'img', 'aria-labelledby': `reliability-caption-${feature}` });
  const figure = element('figure', { 'data-feature': feature }, caption, chart);
  if (!r) {
    figure.append(element('p', {}, 'No reliability diagram in this version\'s metrics.'));
    return { figure, draw() {} };
  }
  const bins = r.count.map((count, k) => ({ k, count, predicted: r.mean_predicted[k], observed: r.observed[k] }));
  figure.append(element('table', { class: 'bins' },
    element('caption', {}, `${feature}: test recordings per bin`),
    element('thead', {}, element('tr', {}, ...['Bin', 'Recordings', 'Mean predicted', 'Observed']
      .map((h) => element('th', { scope: 'col' }, h)))),
    element('tbody', {}, ...bins.map((b) => element('tr', { 'data-bin': b.k },
      element('th', { scope: 'row' }, `${b.k === 0 ? '[' : '('}${r.edges[b.k].toFixed(1)}, ${r.edges[b.k + 1].toFixed(1)}]`),
      element('td', { class: 'num', 'data-metric': 'count' }, b.count),
      numberCell(b.predicted, { 'data-metric': 'mean_predicted' }),
      numberCell(b.observed, { 'data-metric': 'observed' }))))));
  const filled = bins.filter((b) => b.count > 0);
  const xs = [0, ...filled.map((b) => b.predicted), 1];
  return {
    figure,
    draw() {
      lineChart(chart, [
        { label: 'observed', points: true },
        { label: 'perfectly calibrated', colour: '#595959', dash: [6, 4], points: false, width: 1 },
      ], [xs, [null, ...filled.map((b) => b.observed), null], xs.slice()],
      { xLabel: 'mean predicted P(present)', yLabel: 'observed frequency', xRange: [0, 1], yRange: [0, 1] });
    },
  };
}

async function render(name, version) {
  const v = await getJson(path(name, `/versions/${version}`));
  const test = v.metrics?.test ?? {};
  const calibration = v.metrics?.calibration;
  const features = Object.keys(test.features ?? {});
  section.querySelector('[data-field=method]').textContent = describe(calibration);
  section.querySelector('[data-field=binning]').textContent = calibration?.binning ?? '10 equal-width bins on [0, 1]';
  section.querySelector('[data-field=run]').replaceChildren(v.run
    ? element('a', { href: `/run.html?id=${encodeURIComponent(v.run)}` }, v.run) : '–');
  section.querySelector('#ece tbody').replaceChildren(
    ...features.map((f) => {
      const fitted = calibration?.features?.[f];
      return element('tr', { 'data-feature': f },
        element('th', { scope: 'row' }, f),
        element('td', { class: 'num', 'data-metric': 'rated' }, test.features[f].rated),
        numberCell(test.features[f].calibration?.ece, { 'data-metric': 'ece' }),
        numberCell(fitted?.test_ece_uncalibrated, { 'data-metric': 'ece_uncalibrated' }),
        numberCell(fitted?.slope, { 'data-metric': 'slope' }),
        numberCell(fitted?.intercept, { 'data-metric': 'intercept' }));
    }),
    element('tr', { 'data-feature': 'macro' }, element('th', { scope: 'row' }, 'macro'), element('td', {}, ''),
      numberCell(test.macro_ece, { 'data-metric': 'macro_ece' }), element('td', {}, ''), element('td', {}, ''),
      element('td', {}, '')));
  const figures = features.map((f) => reliabilityFigure(f, test.features[f]));
  const root = document.getElementById('reliability');
  root.replaceChildren(...figures.map((f) => f.figure));
  section.hidden = false;
  figures.forEach((f) => f.draw()); // once visible: the charts take their container's width
  section.dataset.shown = `${name}:${version}`;
}

async function chooseVersion(name, wanted) {
  const model = await getJson(path(name));
  const numbers = model.versions.map((v) => v.version);
  const version = numbers.includes(Number(wanted)) ? Number(wanted)
    : model.production?.version ?? numbers[numbers.length - 1];
  versions.replaceChildren(...numbers.map((n) => option(n, `v${n}${model.production?.version === n ? ' (production)' : ''}`,
    n === version)));
  history.replaceState(null, '', `?model=${encodeURIComponent(name)}&version=${version}`);
  await render(name, version);
}

async function load() {
  const all = await getJson('/api/v1/models');
  document.getElementById('calibration-empty').hidden = all.length > 0;
  if (!all.length) return;
  const names = all.map((m) => m.name);
  const name = names.includes(param('model')) ? param('model') : names[0];
  models.replaceChildren(...names.map((n) => option(n, n, n === name)));
  models.addEventListener('change', () => chooseVersion(models.value).catch(showError));
  versions.addEventListener('change', () => {
    history.replaceState(null, '', `?model=${encodeURIComponent(models.value)}&version=${versions.value}`);
    render(models.value, versions.value).catch(showError);
  });
  await chooseVersion(name, param('version'));
}

load().catch(showError);
