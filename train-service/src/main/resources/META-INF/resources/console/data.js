// Data: what is stored (recordings, speakers, hours, by source and task), how often each feature
// is present with the top k, label coverage per day, and recent ingest failures and dead letters.
// Every number is GET /api/v1/console/data's or /failures'.
import { lineChart } from './charts.js';
import { element, getJson, numberCell, showError } from './api.js';

function cell(value, attributes = {}) {
  return element('td', { class: 'num', ...attributes }, value);
}

function groups(id, list) {
  document.querySelector(`#${id} tbody`).replaceChildren(...list.map((g) => element('tr', { 'data-name': g.name },
    element('th', { scope: 'row' }, g.name), cell(g.recordings, { 'data-field': 'recordings' }),
    numberCell(g.hours, { 'data-field': 'hours' }))));
}

function overview(data) {
  document.getElementById('threshold').textContent = String(data.threshold);
  const rows = [['Recordings', 'recordings', data.recordings], ['Speakers', 'speakers', data.speakers],
    ['Rated', 'rated', data.rated], ['Unrated', 'unrated', data.recordings - data.rated]];
  document.getElementById('summary').replaceChildren(
    ...rows.flatMap(([k, field, v]) => [element('dt', {}, k), element('dd', { 'data-field': field }, v)]),
    element('dt', {}, 'Hours'), element('dd', { 'data-field': 'hours', 'data-value': String(data.hours) },
      data.hours.toFixed(4)));
  groups('by-source', data.bySource);
  groups('by-task', data.byTask);
  document.getElementById('top-features').replaceChildren(...data.top.map((f, i) => element('li',
    { 'data-feature': f.feature, 'data-rank': i + 1 }, `${f.feature}: ${f.positives} of ${f.rated} rated`)));
  document.querySelector('#features tbody').replaceChildren(...data.features.map((f) => element('tr',
    { 'data-feature': f.feature }, element('th', { scope: 'row' }, f.feature), cell(f.rated, { 'data-field': 'rated' }),
    cell(f.positives, { 'data-field': 'positives' }), numberCell(f.prevalence, { 'data-field': 'prevalence' }))));
  const days = data.coverage;
  document.querySelector('#coverage tbody').replaceChildren(...days.map((d) => element('tr', { 'data-day': d.day },
    element('th', { scope: 'row' }, d.day), cell(d.recordings, { 'data-field': 'recordings' }),
    cell(d.rated, { 'data-field': 'rated' }), cell(d.unrated, { 'data-field': 'unrated' }))));
  const xs = days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000);
  lineChart(document.getElementById('coverage-chart'),
    [{ label: 'recordings' }, { label: 'rated', colour: '#1b7a3a' }, { label: 'unrated', colour: '#b3261e', dash: [6, 3] }],
    [xs, days.map((d) => d.recordings), days.map((d) => d.rated), days.map((d) => d.unrated)],
    { xLabel: 'day', yLabel: 'recordings',
      // one day alone: a day either side, or uPlot spans years around it
      scales: { x: { time: true, ...(xs.length === 1 ? { range: [xs[0] - 86400, xs[0] + 86400] } : {}) } } });
}

function failures(f) {
  document.querySelector('#import-failures tbody').replaceChildren(...(f.imports.length ? f.imports.map((x) =>
    element('tr', { 'data-import': x.importId, 'data-line': x.line }, element('td', {}, x.at), element('td', {}, x.importId),
      cell(x.line || '–'), element('td', {}, x.file ?? '(the whole job)'), element('td', { 'data-field': 'reason' }, x.reason)))
    : [element('tr', {}, element('td', { colspan: 5 }, 'No import failed.'))]));
  document.querySelector('#dead-letters tbody').replaceChildren(...(f.deadLetters.length ? f.deadLetters.map((d) =>
    element('tr', { 'data-offset': `${d.partition}/${d.offset}` }, element('td', {}, d.at), element('td', {}, d.topic ?? '–'),
      cell(`${d.partition} / ${d.offset}`), element('td', {}, d.key ?? '–'), element('td', { 'data-field': 'reason' }, d.reason ?? '–'),
      element('td', {}, d.cause ?? '–')))
    : [element('tr', {}, element('td', { colspan: 6 }, 'No dead letters.'))]));
  const error = document.getElementById('dead-letters-error');
  error.textContent = f.deadLettersError ?? '';
  error.hidden = !f.deadLettersError;
}

async function load() {
  showError(null);
  const top = document.getElementById('top').value || '5';
  const [data, f] = await Promise.all([getJson(`/api/v1/console/data?top=${encodeURIComponent(top)}`),
    getJson('/api/v1/console/failures')]);
  overview(data);
  failures(f);
  document.getElementById('main').dataset.loaded = 'true';
}

document.getElementById('top-form').addEventListener('submit', (e) => {
  e.preventDefault();
  load().catch(showError);
});
load().catch(showError);
