// Models: per model its production version and since when, its versions with their test metrics
// side by side, the production history, and promote / rollback buttons. A promotion first shows
// the guard rail's verdict (GET .../verdict); the click that follows promotes (or, when the
// verdict refuses, forces) and shows the recorded outcome or the refusal.
import { ApiError, element, getJson, numberCell, showError } from './api.js';

const root = document.getElementById('models');

function path(name, rest = '') {
  return `/api/v1/models/${encodeURIComponent(name)}${rest}`;
}

function comparisons(evidence) {
  const rows = [];
  if (evidence.macroAuroc) rows.push(['macro AUROC', evidence.macroAuroc]);
  for (const [feature, c] of Object.entries(evidence.features ?? {})) rows.push([feature, c]);
  if (!rows.length) return null;
  return element('table', { class: 'comparisons' },
    element('caption', {}, `AUROC on the champion's holdout (${evidence.holdout?.recordings ?? '?'} recordings), ε = ${evidence.epsilon}`),
    element('thead', {}, element('tr', {}, ...['Feature', 'Champion', 'Challenger', 'Δ', 'Gated', 'Passes']
      .map((h) => element('th', { scope: 'col' }, h)))),
    element('tbody', {}, ...rows.map(([feature, c]) => element('tr', { 'data-feature': feature },
      element('th', { scope: 'row' }, feature), numberCell(c.champion), numberCell(c.challenger), numberCell(c.delta),
      element('td', {}, c.gated ? 'yes' : 'no'), element('td', {}, c.passed ? 'yes' : 'no')))));
}

/** The verdict box: passed or refused, the reason, the comparisons, then the given buttons. */
function verdictBox(panel, title, evidence, ...buttons) {
  const passed = evidence?.passed !== false;
  panel.dataset.passed = String(passed);
  panel.className = `verdict ${passed ? 'passed' : 'refused'}`;
  panel.replaceChildren(element('p', {}, element('strong', {}, title), ' ', evidence?.reason ?? ''),
    evidence ? comparisons(evidence) : null, ...buttons);
  panel.hidden = false;
}

async function checkPromotion(name, version, panel) {
  panel.hidden = false;
  panel.className = 'verdict';
  panel.replaceChildren(`Asking the guard rail about version ${version}…`);
  const evidence = await getJson(path(name, `/versions/${version}/verdict`));
  const go = (force) => element('button', { type: 'button', class: 'primary', 'data-action': 'confirm' },
    force ? `Promote version ${version} anyway (force)` : `Promote version ${version}`);
  const cancel = element('button', { type: 'button', 'data-action': 'cancel' }, 'Cancel');
  const confirm = go(!evidence.passed);
  cancel.addEventListener('click', () => { panel.hidden = true; });
  confirm.addEventListener('click', () => promote(name, version, !evidence.passed, panel).catch(showError));
  verdictBox(panel, evidence.passed ? `Guard rail passes version ${version}:` : `Guard rail refuses version ${version}:`,
    evidence, confirm, ' ', cancel);
  confirm.focus();
}

async function promote(name, version, force, panel) {
  try {
    const entry = await getJson(path(name, `/versions/${version}/promote${force ? '?force=true' : ''}`), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ by: 'console' }) });
    await render(name);
    verdictBox(document.getElementById(`verdict-${name}`), `Version ${entry.version} is in production${entry.force ? ' (forced)' : ''}:`,
      entry.evidence);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 409) throw e;
    verdictBox(panel, 'Refused:', { passed: false, ...(e.problem?.evidence ?? {}), reason: e.message });
  }
}

async function rollback(name) {
  const entry = await getJson(path(name, '/rollback'), {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ by: 'console' }) });
  await render(name);
  verdictBox(document.getElementById(`verdict-${name}`),
    `Rolled back: version ${entry.version} is in production again (was ${entry.previousVersion}).`, null);
}

async function render(name) {
  const [model, history] = await Promise.all([getJson(path(name)), getJson(path(name, '/history'))]);
  const versions = await Promise.all(model.versions.map((v) => getJson(path(name, `/versions/${v.version}`))));
  const features = [...new Set(versions.flatMap((v) => Object.keys(v.metrics?.test?.features ?? {})))];
  const production = model.production;
  const section = document.getElementById(`model-${name}`) ?? root.appendChild(element('section', { id: `model-${name}` }));
  const panel = element('div', { id: `verdict-${name}`, class: 'verdict', 'aria-live': 'polite', hidden: '' });

  const versionRows = versions.map((v) => {
    const inProduction = production?.version === v.version;
    const button = element('button', { type: 'button', 'data-action': 'promote', 'data-version': v.version },
      `Promote version ${v.version}…`);
    if (inProduction) button.disabled = true;
    button.addEventListener('click', () => checkPromotion(name, v.version, panel).catch(showError));
    const test = v.metrics?.test;
    return element('tr', { 'data-version': v.version, class: inProduction ? 'production' : null },
      element('th', { scope: 'row' }, `v${v.version}`),
      element('td', {}, inProduction ? element('strong', {}, 'production') : ''),
      element('td', {}, v.run ? element('a', { href: `/run.html?id=${encodeURIComponent(v.run)}`, title: v.run }, v.run.slice(0, 8)) : '–'),
      element('td', {}, v.createdAt ?? '–'),
      numberCell(test?.macro_auroc, { 'data-metric': 'macro_auroc' }),
      ...features.map((f) => numberCell(test?.features?.[f]?.auroc, { 'data-metric': `auroc:${f}` })),
      element('td', {}, button));
  });

  const rollbackButton = element('button', { type: 'button', 'data-action': 'rollback' },
    production?.previous ? `Roll back to version ${production.previous}` : 'Roll back');
  rollbackButton.disabled = !production?.previous;
  rollbackButton.addEventListener('click', () => rollback(name).catch(showError));

  section.replaceChildren(
    element('h2', {}, `Model ${name}`),
    element('p', { 'data-field': 'production' }, production
      ? `In production: version ${production.version} since ${production.since}` : 'No version in production yet.'),
    element('p', {}, rollbackButton),
    panel,
    element('table', { class: 'versions' },
      element('caption', {}, 'Versions and their test metrics (AUROC per feature)'),
      element('thead', {}, element('tr', {}, ...['Version', 'Status', 'Run', 'Created', 'Macro AUROC', ...features, 'Promote']
        .map((h) => element('th', { scope: 'col' }, h)))),
      element('tbody', {}, ...versionRows)),
    element('table', { class: 'history' },
      element('caption', {}, 'Production history, oldest first'),
      element('thead', {}, element('tr', {}, ...['#', 'Action', 'Version', 'Previous', 'At', 'By', 'Reason', 'Forced', 'Published']
        .map((h) => element('th', { scope: 'col' }, h)))),
      element('tbody', {}, ...history.entries.map((e) => element('tr', { 'data-seq': e.seq },
        element('td', { class: 'num' }, e.seq), element('td', {}, e.action), element('td', { class: 'num' }, e.version),
        element('td', { class: 'num' }, e.previousVersion ?? '–'), element('td', {}, e.at), element('td', {}, e.by ?? ''),
        element('td', {}, e.reason ?? ''), element('td', {}, e.force ? 'yes' : ''),
        element('td', {}, e.published ?? 'not yet'))))));
}

async function load() {
  const models = await getJson('/api/v1/models');
  document.getElementById('models-empty').hidden = models.length > 0;
  for (const m of models) await render(m.name);
  if (location.hash) document.querySelector(location.hash)?.scrollIntoView();
}

load().catch(showError);
