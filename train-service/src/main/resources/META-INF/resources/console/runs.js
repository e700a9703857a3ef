// Runs list: every run with its state and the selected model's test metrics.
import { element, getJson, numberCell, showError } from './api.js';

async function load() {
  const runs = await getJson('/api/v1/runs');
  const body = document.querySelector('#runs tbody');
  body.replaceChildren(...runs.slice().reverse().map((run) => {
    const test = run.metrics?.test;
    return element('tr', { 'data-run': run.id },
      element('td', {}, element('a', { href: `/run.html?id=${encodeURIComponent(run.id)}` }, run.id)),
      element('td', {}, run.config?.name ?? ''),
      element('td', { class: `state state-${run.state}`, 'data-field': 'state' }, run.state),
      element('td', { class: 'num', 'data-field': 'progress' }, `${run.progress?.epoch ?? 0} / ${run.progress?.epochs ?? '?'}`),
      numberCell(test?.macro_auroc, { 'data-field': 'macro_auroc' }),
      numberCell(test?.macro_auprc, { 'data-field': 'macro_auprc' }),
      element('td', { class: 'num', 'data-field': 'best_epoch' }, run.metrics?.best_epoch ?? '–'),
      element('td', { 'data-field': 'model' }, run.model ? `${run.model.name} v${run.model.version}` : '–'),
      element('td', {}, run.createdAt ?? ''));
  }));
  document.getElementById('runs-empty').hidden = runs.length > 0;
}

load().catch(showError);
