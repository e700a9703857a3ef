// Embeddings: GET /api/v1/console/embeddings?run= (a PCA of the run's snapshot's pooled cached
// embeddings, computed server-side) as a scatter coloured by a chosen feature's label.
import { lineChart } from './charts.js';
import { element, getJson, numberCell, param, showError } from './api.js';

const runSelect = document.getElementById('run');
const featureSelect = document.getElementById('feature');
const CLASSES = [['present', '#1f5fa8', true], ['absent', '#b3261e', false], ['not rated', '#595959', undefined]];
let map;

function label(point, feature) {
  const v = point.labels[feature];
  return v === true ? 'present' : v === false ? 'absent' : 'not rated';
}

function draw() {
  const feature = featureSelect.value;
  const sorted = map.points.slice().sort((a, b) => a.x - b.x); // uPlot wants ascending x
  const data = [sorted.map((p) => p.x), ...CLASSES.map(([name]) => sorted.map((p) => (label(p, feature) === name ? p.y : null)))];
  lineChart(document.getElementById('map-chart'),
    CLASSES.map(([name, colour]) => ({ label: name, colour, line: false, points: true, pointSize: 8 })), data,
    { xLabel: `PC 1 (${(100 * map.explainedVarianceRatio[0]).toFixed(1)} %)`,
      yLabel: `PC 2 (${(100 * map.explainedVarianceRatio[1]).toFixed(1)} %)`, height: 420 });
  document.querySelector('#points tbody').replaceChildren(...map.points.map((p) => element('tr', { 'data-recording': p.recordingId },
    element('th', { scope: 'row', title: p.recordingId }, p.recordingId.slice(0, 12)), element('td', {}, p.speakerId),
    element('td', {}, p.split ?? '–'), numberCell(p.x, { 'data-field': 'x' }), numberCell(p.y, { 'data-field': 'y' }),
    element('td', { 'data-field': 'label' }, label(p, feature)))));
  const counts = CLASSES.map(([name]) => `${map.points.filter((p) => label(p, feature) === name).length} ${name}`);
  document.getElementById('map-summary').textContent = `${map.points.length} recordings of snapshot `
    + `${map.snapshot.slice(0, 12)}… (encoder ${map.encoder}, layer ${map.layer}, ${map.dimensions} dimensions`
    + `${map.missing ? `, ${map.missing} without a cached embedding` : ''}); ${feature}: ${counts.join(', ')}.`;
  document.getElementById('main').dataset.loaded = `${runSelect.value}:${feature}`;
}

async function show() {
  showError(null);
  map = await getJson(`/api/v1/console/embeddings?run=${encodeURIComponent(runSelect.value)}`);
  const wanted = param('feature') ?? featureSelect.value;
  featureSelect.replaceChildren(...map.features.map((f) => element('option', { value: f }, f)));
  if (map.features.includes(wanted)) featureSelect.value = wanted;
  draw();
}

async function load() {
  const runs = (await getJson('/api/v1/runs')).filter((r) => r.snapshot && r.state === 'succeeded').reverse();
  runSelect.replaceChildren(...runs.map((r) => element('option', { value: r.id },
    `${r.model ? `${r.model.name} v${r.model.version}` : r.id} (${r.id.slice(0, 8)})`)));
  if (!runs.length) {
    document.getElementById('map-summary').textContent = 'No succeeded run on a snapshot yet.';
    return;
  }
  if (param('run')) runSelect.value = param('run');
  await show();
}

runSelect.addEventListener('change', () => show().catch(showError));
featureSelect.addEventListener('change', () => { if (map) draw(); });
load().catch(showError);
