// Listen: a dropped or picked recording is sent to infer-service's predict API (explain=true,
// through POST /api/v1/console/predict) and decoded here for its waveform; the attention weights
// per encoder frame are drawn over the waveform and over its log mel spectrogram (POST
// /api/v1/console/spectrogram, drawn as an ECharts heatmap), the probabilities against their
// thresholds, and a line on the waveform follows the audio player (a click on it seeks).
import { lineChart } from './charts.js';
import { element, fmt, getJson, numberCell, showError } from './api.js';

const BUCKETS = 800;
let objectUrl;

/** Peak |amplitude| of the first channel in BUCKETS time buckets: [times, peaks]. */
function envelope(buffer) {
  const samples = buffer.getChannelData(0);
  const per = Math.max(1, Math.ceil(samples.length / BUCKETS));
  const times = [];
  const peaks = [];
  for (let start = 0; start < samples.length; start += per) {
    let peak = 0;
    for (let i = start; i < Math.min(samples.length, start + per); i++) peak = Math.max(peak, Math.abs(samples[i]));
    times.push(start / buffer.sampleRate);
    peaks.push(peak);
  }
  return [times, peaks];
}

async function decode(file) {
  const context = new OfflineAudioContext(1, 1, 16000);
  return context.decodeAudioData(await file.arrayBuffer());
}

function draw(buffer, explanation) {
  const [times, peaks] = envelope(buffer);
  const series = [{ label: 'amplitude', colour: '#595959', points: false, width: 1, fill: 'rgba(89,89,89,0.25)' },
    { label: '−amplitude', colour: '#595959', points: false, width: 1, fill: 'rgba(89,89,89,0.25)' }];
  const data = [times, peaks, peaks.map((p) => -p)];
  const scales = { w: { range: [0, Math.max(...(explanation?.weights ?? [1])) * 1.1 || 1] } };
  const axes = [{ scale: 'w', side: 1, label: 'attention weight', grid: { show: false } }];
  if (explanation) {
    series.push({ label: 'attention', colour: '#b3261e', scale: 'w', points: false, width: 2 });
    data.push(times.map((t) => weightAt(explanation, t)));
  }
  const container = document.getElementById('wave-chart');
  const chart = lineChart(container, series, data, { xLabel: 'seconds', yLabel: 'amplitude', yRange: [-1, 1],
    scales, axes, height: 260 });
  return { chart, container };
}

/** The attention weight at t seconds (the frame holding t), or null without an explanation. */
function weightAt(explanation, t) {
  if (!explanation) return null;
  return explanation.weights[Math.min(explanation.weights.length - 1, Math.floor(t / explanation.frameSeconds))];
}

/** The spectrogram as an ECharts heatmap (column x mel bin), the attention weights as a line on a right axis. */
function spectrogram(s, explanation) {
  const container = document.getElementById('spectrogram-chart');
  echarts.getInstanceByDom(container)?.dispose();
  const chart = echarts.init(container, null, { width: Math.max(280, container.clientWidth || 480), height: 280 });
  const cells = [];
  let low = Infinity;
  let high = -Infinity;
  s.values.forEach((column, c) => column.forEach((v, m) => {
    cells.push([c, m, v]);
    low = Math.min(low, v);
    high = Math.max(high, v);
  }));
  const times = s.values.map((_, c) => (c * s.columnSeconds).toFixed(2));
  const weights = s.values.map((_, c) => weightAt(explanation, c * s.columnSeconds));
  chart.setOption({
    animation: false,
    grid: { left: 56, right: 64, top: 12, bottom: 44 },
    xAxis: { type: 'category', data: times, name: 'seconds', nameLocation: 'middle', nameGap: 28 },
    yAxis: [{ type: 'category', data: s.values[0].map((_, m) => m), name: 'mel bin', nameLocation: 'middle', nameGap: 36 },
      { type: 'value', name: 'attention', min: 0, max: Math.max(...weights.map((w) => w ?? 0)) * 1.1 || 1, splitLine: { show: false } }],
    visualMap: { type: 'continuous', seriesIndex: 0, dimension: 2, min: low, max: high, show: false,
      inRange: { color: ['#0d0887', '#6a00a8', '#b12a90', '#e16462', '#fca636', '#f0f921'] } },
    tooltip: { show: false },
    series: [{ name: 'log mel energy', type: 'heatmap', data: cells, progressive: 0 },
      ...(explanation ? [{ name: 'attention', type: 'line', yAxisIndex: 1, data: weights, showSymbol: false,
        lineStyle: { color: '#ffffff', width: 2 } }] : [])],
  });
  container.dataset.columns = String(s.columns);
  container.dataset.melBins = String(s.melBins);
}

function follow(player, { chart, container }) {
  const line = element('div', { class: 'cursor-line', 'aria-hidden': 'true' });
  line.style.cssText = 'position:absolute;top:0;bottom:0;width:2px;background:#1f5fa8;pointer-events:none';
  chart.plot.over.append(line);
  const place = () => {
    const t = player.currentTime;
    line.style.left = `${chart.plot.valToPos(t, 'x')}px`;
    container.dataset.cursorSeconds = t.toFixed(3);
  };
  player.ontimeupdate = place; // replaces the previous recording's
  player.onseeked = place;
  chart.plot.over.addEventListener('click', (e) => {
    player.currentTime = Math.max(0, chart.plot.posToVal(e.offsetX, 'x'));
    place();
  });
  place();
}

function probabilities(prediction) {
  document.getElementById('predicted-by').textContent =
    `Model ${prediction.model?.name ?? '?'} version ${prediction.model?.version ?? '?'}, ${fmt(prediction.durationSeconds, 2)} s`;
  document.querySelector('#probabilities tbody').replaceChildren(...Object.entries(prediction.features).map(([name, f]) =>
    element('tr', { 'data-feature': name, class: f.present ? 'above' : null },
      element('th', { scope: 'row' }, name),
      numberCell(f.probability, { 'data-metric': 'probability' }),
      element('td', {}, element('span', { class: 'meter', title: `threshold ${fmt(f.threshold)}` },
        element('span', { class: 'bar', style: `width:${(f.probability * 100).toFixed(1)}%` }),
        element('span', { class: 'tick', style: `left:${(f.threshold * 100).toFixed(1)}%` }))),
      numberCell(f.threshold, { 'data-metric': 'threshold' }),
      element('td', { 'data-metric': 'present' }, f.present ? 'present' : 'absent'))));
}

function attention(explanation) {
  const summary = document.getElementById('attention-summary');
  const rows = document.querySelector('#attention tbody');
  if (!explanation) {
    summary.textContent = 'The model gave no explanation (its pooling has no attention weights).';
    rows.replaceChildren();
    return;
  }
  const w = explanation.weights;
  const peak = w.indexOf(Math.max(...w));
  summary.textContent = `${w.length} frames of ${fmt(explanation.frameSeconds * 1000, 0)} ms; attention peaks at `
    + `${fmt(peak * explanation.frameSeconds, 2)} s (weight ${fmt(w[peak])}).`;
  summary.dataset.peakFrame = String(peak);
  rows.replaceChildren(...w.map((v, i) => element('tr', {}, element('td', { class: 'num' }, fmt(i * explanation.frameSeconds, 2)),
    numberCell(v))));
}

async function listen(file) {
  showError(null);
  const form = new FormData();
  form.append('audio', file, file.name);
  const model = document.getElementById('model').value.trim();
  const query = new URLSearchParams({ explain: 'true', ...(model ? { model } : {}) });
  const upload = new FormData();
  upload.append('audio', file, file.name);
  const [prediction, buffer, spectrum] = await Promise.all([
    getJson(`/api/v1/console/predict?${query}`, { method: 'POST', body: form }), decode(file),
    getJson('/api/v1/console/spectrogram', { method: 'POST', body: upload })]);
  const result = document.getElementById('result');
  result.hidden = false;
  const player = document.getElementById('player');
  if (objectUrl) URL.revokeObjectURL(objectUrl);
  objectUrl = URL.createObjectURL(file);
  player.src = objectUrl;
  probabilities(prediction);
  attention(prediction.explanation);
  follow(player, draw(buffer, prediction.explanation));
  spectrogram(spectrum, prediction.explanation);
}

const input = document.getElementById('audio');
input.addEventListener('change', () => input.files[0] && listen(input.files[0]).catch(showError));
const drop = document.getElementById('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer.files[0];
  if (file) listen(file).catch(showError);
});
