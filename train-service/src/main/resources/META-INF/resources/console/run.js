// A run: summary, live learning curves (server-sent events while it is not over), per-feature
// test metrics, confusion counts at the tuned thresholds, ROC and precision–recall curves, the
// configuration and the data it ran on.
import { lineChart } from './charts.js';
import { element, follow, getJson, getJsonOrNull, numberCell, param, showError } from './api.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const id = param('id');
const base = `/api/v1/runs/${encodeURIComponent(id ?? '')}`;
/** Epochs by number: {epoch, trainLoss, valLoss, valMacroAuroc, best}. */
const epochs = new Map();
let lossChart;
let aurocChart;

function summary(run) {
  const rows = [
    ['State', element('span', { class: `state state-${run.state}`, id: 'run-state' }, run.state)],
    ['Runner', run.runner],
    ['Progress', element('span', { id: 'run-progress' }, `epoch ${run.progress?.epoch ?? 0} of ${run.progress?.epochs ?? '?'}`)],
    ['Model', run.model ? element('a', { href: `/models.html#model-${run.model.name}`, id: 'run-model' },
      `${run.model.name} version ${run.model.version}`) : '–'],
    ['Best epoch', run.metrics ? `${run.metrics.best_epoch} (by ${run.metrics.selection_metric})` : '–'],
    ['Created', run.createdAt ?? '–'],
    ['Started', run.startedAt ?? '–'],
    ['Finished', run.finishedAt ?? '–'],
  ];
  if (run.failure) rows.push(['Failure', `${run.failure.reason}: ${run.failure.message}`]);
  if (run.cancelRequested && !TERMINAL.has(run.state)) rows.push(['Cancel', 'requested']);
  document.getElementById('summary').replaceChildren(
    ...rows.flatMap(([k, v]) => [element('dt', {}, k), element('dd', {}, v)]));
}

function addEpoch(e) {
  epochs.set(e.epoch, e);
}

/** curves.json's snake_case epochs as the events' camelCase. */
function fromCurves(e) {
  return { epoch: e.epoch, trainLoss: e.train_loss, valLoss: e.val_loss, valMacroAuroc: e.val_macro_auroc, best: e.best };
}

function drawEpochs() {
  const list = [...epochs.values()].sort((a, b) => a.epoch - b.epoch);
  const xs = list.map((e) => e.epoch);
  const loss = [xs, list.map((e) => e.trainLoss ?? null), list.map((e) => e.valLoss ?? null)];
  const auroc = [xs, list.map((e) => e.valMacroAuroc ?? null)];
  if (!lossChart) {
    lossChart = lineChart(document.getElementById('loss-chart'),
      [{ label: 'train loss' }, { label: 'validation loss', dash: [6, 3] }], loss, { xLabel: 'epoch', yLabel: 'loss', wholeX: true });
    aurocChart = lineChart(document.getElementById('auroc-chart'),
      [{ label: 'validation macro AUROC', colour: '#1b7a3a' }], auroc,
      { xLabel: 'epoch', yLabel: 'AUROC', yRange: [0, 1], wholeX: true });
  } else {
    lossChart.update(loss);
    aurocChart.update(auroc);
  }
  document.querySelector('#epochs tbody').replaceChildren(...list.map((e) => element('tr', { 'data-epoch': e.epoch },
    element('th', { scope: 'row' }, e.epoch), numberCell(e.trainLoss, { 'data-field': 'trainLoss' }),
    numberCell(e.valLoss, { 'data-field': 'valLoss' }), numberCell(e.valMacroAuroc, { 'data-field': 'valMacroAuroc' }),
    element('td', {}, e.best ? 'yes' : ''))));
}

function metricsTable(metrics) {
  const body = document.querySelector('#test-metrics tbody');
  if (!metrics) {
    body.replaceChildren(element('tr', {}, element('td', { colspan: 8 }, 'No test metrics yet (they come when the run succeeds).')));
    return;
  }
  const t = metrics.test;
  const rows = Object.entries(t.features).map(([name, f]) => element('tr', { 'data-feature': name },
    element('th', { scope: 'row' }, name), element('td', { class: 'num' }, f.rated), element('td', { class: 'num' }, f.positives),
    ...['auroc', 'auprc', 'f1', 'balanced_accuracy', 'threshold'].map((m) => numberCell(f[m], { 'data-metric': m }))));
  rows.push(element('tr', { 'data-feature': 'macro' }, element('th', { scope: 'row' }, 'macro mean'),
    element('td'), element('td'),
    ...['macro_auroc', 'macro_auprc', 'macro_f1', 'macro_balanced_accuracy'].map((m) => numberCell(t[m], { 'data-metric': m })),
    element('td')));
  body.replaceChildren(...rows);
}

function curvesSection(curves) {
  const confusion = document.querySelector('#confusion tbody');
  const figures = document.getElementById('feature-curves');
  if (!curves) {
    confusion.replaceChildren(element('tr', {}, element('td', { colspan: 6 }, 'No test curves (test_curves.json) for this run.')));
    figures.replaceChildren();
    return;
  }
  confusion.replaceChildren(...Object.entries(curves.features).map(([name, f]) => element('tr', { 'data-feature': name },
    element('th', { scope: 'row' }, name), numberCell(f.threshold, { 'data-metric': 'threshold' }),
    ...['tp', 'fp', 'fn', 'tn'].map((k) => element('td', { class: 'num', 'data-metric': k }, f.confusion[k])))));
  figures.replaceChildren();
  for (const [name, f] of Object.entries(curves.features)) {
    for (const [kind, x, y, title] of [['roc', 'fpr', 'tpr', 'ROC'], ['pr', 'recall', 'precision', 'Precision–recall']]) {
      const captionId = `${kind}-${name}-caption`;
      const chart = element('div', { id: `${kind}-${name}`, role: 'img', 'aria-labelledby': captionId });
      const curve = f[kind];
      const caption = `${title}: ${name}` + (curve ? ` (${curve[x].length} points)` : ' (undefined: one class only)');
      figures.append(element('figure', {}, element('figcaption', { id: captionId }, caption), chart));
      if (!curve) continue;
      const series = [{ label: kind === 'roc' ? 'true-positive rate' : 'precision' }];
      const data = [curve[x], curve[y]];
      if (kind === 'roc') {
        series.push({ label: 'chance', colour: '#595959', dash: [4, 4], points: false, width: 1 });
        data.push(curve[x]);
      }
      lineChart(chart, series, data, { xLabel: kind === 'roc' ? 'false-positive rate' : 'recall',
        yLabel: kind === 'roc' ? 'true-positive rate' : 'precision', xRange: [0, 1], yRange: [0, 1.02], height: 220 });
    }
  }
}

/** The learned layer mix (metrics.layer_mix), when the run's head reads a weighted sum of hidden states. */
function layerMix(metrics) {
  const mix = metrics?.layer_mix;
  const section = document.getElementById('layer-mix');
  section.hidden = !mix;
  if (!mix) return;
  document.querySelector('#layer-mix-table tbody').replaceChildren(...mix.map((w, i) => element('tr', { 'data-state': i },
    element('th', { scope: 'row' }, i), numberCell(w, { 'data-field': 'weight' }))));
  lineChart(document.getElementById('layer-mix-chart'), [{ label: 'weight', colour: '#1f5fa8' }],
    [mix.map((_, i) => i), mix], { xLabel: 'hidden state', yLabel: 'weight', yRange: [0, Math.max(...mix) * 1.1], wholeX: true, height: 200 });
}

function dataSection(run) {
  const rows = [['Dataset', JSON.stringify(run.dataset)], ['Snapshot', run.snapshot ?? '– (a dataset folder)'],
    ['Encoder', run.metrics ? `${run.metrics.encoder} (${run.metrics.encoder_id}), layer ${run.metrics.layer}` : '–'],
    ['Seed', run.config?.seed ?? '–']];
  document.getElementById('data').replaceChildren(
    ...rows.flatMap(([k, v]) => [element('dt', {}, k), element('dd', {}, v)]));
  document.getElementById('config').textContent = JSON.stringify(run.config, null, 2);
}

async function showFinished(run) {
  summary(run);
  metricsTable(run.metrics);
  layerMix(run.metrics);
  dataSection(run);
  const curves = await getJsonOrNull(`${base}/artifacts/curves.json`);
  (curves?.epochs ?? []).forEach((e) => addEpoch(fromCurves(e)));
  drawEpochs();
  curvesSection(run.state === 'succeeded' ? await getJsonOrNull(`${base}/artifacts/test_curves.json`) : null);
}

async function load() {
  if (!id) throw new Error('no run: open /run.html?id=<run id>');
  document.getElementById('run-id').textContent = id;
  document.title = `Run ${id} — Vocalis console`;
  const run = await getJson(base);
  await showFinished(run);
  if (TERMINAL.has(run.state)) return;
  document.getElementById('loss-chart').dataset.live = 'true';
  await follow(`${base}/events`, (name, data) => {
    if (name === 'epoch') {
      addEpoch(data);
      drawEpochs();
      document.getElementById('run-progress').textContent = `epoch ${data.epoch} of ${data.epochs}`;
    } else if (name === 'state') {
      summary(data);
    }
  });
  document.getElementById('loss-chart').dataset.live = 'false';
  await showFinished(await getJson(base));
}

load().catch(showError);
