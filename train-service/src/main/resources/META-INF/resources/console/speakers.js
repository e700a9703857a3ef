// Speakers: a speaker's recordings in time order (GET /api/v1/console/speakers/{id}) with the
// production model's stream predictions of each (infer-service's GET /api/v1/predictions/{id},
// through /api/v1/console/predictions/{id}) as a trend line per feature, and the clinicians'
// ratings where they exist.
import { COLOURS, lineChart } from './charts.js';
import { ApiError, element, getJson, numberCell, param, showError } from './api.js';

const speakerSelect = document.getElementById('speaker');
const modelSelect = document.getElementById('model');
let models = [];

/** The stored prediction of the model's production version, or null. */
async function prediction(id, model) {
  try {
    const all = await getJson(`/api/v1/console/predictions/${encodeURIComponent(id)}`);
    return all.find((p) => p.modelId === model.name && p.modelVersion === String(model.production.version)) ?? null;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

function draw(recordings, predictions, features) {
  const xs = recordings.map((_, i) => i + 1);
  const series = [];
  const data = [xs];
  features.forEach((f, i) => {
    series.push({ label: `P(${f})`, colour: COLOURS[i % COLOURS.length], points: true });
    data.push(predictions.map((p) => p?.probabilities?.[f] ?? null));
  });
  features.forEach((f, i) => {
    series.push({ label: `rating ${f}`, colour: COLOURS[i % COLOURS.length], scale: 'r', line: false, points: true, pointSize: 8 });
    data.push(recordings.map((r) => r.ratings[f] ?? null));
  });
  const ratings = recordings.flatMap((r) => Object.values(r.ratings));
  lineChart(document.getElementById('trend-chart'), series, data, {
    xLabel: 'recording (time order)', yLabel: 'P(present)', yRange: [0, 1], wholeX: true,
    scales: { r: { range: [0, Math.max(4, ...ratings)] } },
    axes: [{ scale: 'r', side: 1, label: 'rating', grid: { show: false } }], height: 300 });
}

function table(recordings, predictions, features) {
  document.querySelector('#recordings thead').replaceChildren(element('tr', {},
    ...['#', 'Stored', 'Task', 'Revision'].map((h) => element('th', { scope: 'col' }, h)),
    ...features.flatMap((f) => [element('th', { scope: 'col' }, `P(${f})`), element('th', { scope: 'col' }, `Rating ${f}`)])));
  document.querySelector('#recordings tbody').replaceChildren(...recordings.map((r, i) => element('tr',
    { 'data-recording': r.id, 'data-index': i + 1 },
    element('th', { scope: 'row', title: r.id }, i + 1), element('td', {}, r.createdAt), element('td', {}, r.task ?? '–'),
    element('td', { class: 'num' }, r.ratingsRevision),
    ...features.flatMap((f) => [numberCell(predictions[i]?.probabilities?.[f] ?? null, { 'data-p': f }),
      numberCell(r.ratings[f] ?? null, { 'data-rating': f })]))));
}

async function show() {
  showError(null);
  const id = speakerSelect.value;
  const model = models.find((m) => m.name === modelSelect.value);
  const speaker = await getJson(`/api/v1/console/speakers/${encodeURIComponent(id)}`);
  const recordings = speaker.recordings;
  const predictions = model ? await Promise.all(recordings.map((r) => prediction(r.id, model))) : recordings.map(() => null);
  const features = [...new Set([...predictions.flatMap((p) => Object.keys(p?.probabilities ?? {})),
    ...recordings.flatMap((r) => Object.keys(r.ratings))])].sort();
  const predicted = predictions.filter((p) => p).length;
  document.getElementById('speaker-summary').textContent = `${recordings.length} recordings of ${id}; `
    + (model ? `${predicted} predicted by ${model.name} version ${model.production.version}` : 'no model in production');
  draw(recordings, predictions, features);
  table(recordings, predictions, features);
  history.replaceState(null, '', `?id=${encodeURIComponent(id)}${model ? `&model=${encodeURIComponent(model.name)}` : ''}`);
  document.getElementById('main').dataset.loaded = id;
}

async function load() {
  const [speakers, all] = await Promise.all([getJson('/api/v1/console/speakers'), getJson('/api/v1/models')]);
  models = all.filter((m) => m.production);
  speakerSelect.replaceChildren(...speakers.map((s) => element('option', { value: s.speakerId },
    `${s.speakerId} (${s.recordings})`)));
  modelSelect.replaceChildren(...models.map((m) => element('option', { value: m.name },
    `${m.name} (version ${m.production.version})`)));
  if (param('id')) speakerSelect.value = param('id');
  if (param('model')) modelSelect.value = param('model');
  if (!speakers.length) {
    document.getElementById('speaker-summary').textContent = 'No recording is stored yet.';
    return;
  }
  await show();
}

speakerSelect.addEventListener('change', () => show().catch(showError));
modelSelect.addEventListener('change', () => show().catch(showError));
load().catch(showError);
