// The console's one way to the APIs: JSON requests (with the user's API key once a service asked
// for one: a 401 opens a dialog for it, kept for this browser tab only), problem+json errors as
// Error messages, server-sent events over fetch (so they carry the key too), and number formatting
// shared by every page.

const KEY = 'vocalis.apiKey';
let configPromise;
let keyPromise;

/** The console config: {ingestUrl, inferUrl}. */
export function config() {
  configPromise ??= getJson('/api/v1/console/config');
  return configPromise;
}

function headers(extra = {}) {
  const key = sessionStorage.getItem(KEY);
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

/** Asks for the API key in a modal dialog (one at a time) and keeps it for this tab. */
function askForKey(detail) {
  keyPromise ??= new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.setAttribute('aria-labelledby', 'api-key-title');
    dialog.innerHTML = `<form method="dialog">
      <h2 id="api-key-title">API key needed</h2>
      <p></p>
      <label for="api-key-input">API key (the demo writes it to &lt;state-dir&gt;/api-key)</label>
      <input id="api-key-input" type="password" autocomplete="off" required>
      <button type="submit">Use this key</button>
    </form>`;
    dialog.querySelector('p').textContent = detail;
    document.body.append(dialog);
    dialog.addEventListener('close', () => {
      sessionStorage.setItem(KEY, dialog.querySelector('input').value.trim());
      dialog.remove();
      keyPromise = null;
      resolve();
    });
    dialog.showModal();
  });
  return keyPromise;
}

/** An error carrying the HTTP status and the problem body (null when the body was not problem+json). */
export class ApiError extends Error {
  constructor(status, problem, text) {
    super(problem?.detail ?? `${status} ${text}`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * fetch() with the console's headers; on a 401 asks for the key and tries again; rejects with an
 * ApiError unless the status is 2xx.
 */
export async function request(path, options = {}) {
  let response = await fetch(path, { ...options, headers: headers(options.headers) });
  for (let asked = 0; response.status === 401 && asked < 3; asked++) {
    const problem = await response.json().catch(() => null);
    await askForKey(problem?.detail ?? 'The services require an API key.');
    response = await fetch(path, { ...options, headers: headers(options.headers) });
  }
  if (!response.ok) {
    const text = await response.text();
    let problem = null;
    try {
      problem = JSON.parse(text);
    } catch {
      // not JSON: the status text says enough
    }
    throw new ApiError(response.status, problem, text || response.statusText);
  }
  return response;
}

/** The JSON answer of GET (or of options.method) at path. */
export async function getJson(path, options) {
  return (await request(path, options)).json();
}

/** The JSON answer at path, or null on 404. */
export async function getJsonOrNull(path) {
  try {
    return await getJson(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/**
 * Follows the server-sent events at path: onEvent(name, data) for each, until the stream ends
 * (the returned promise resolves) or signal aborts.
 */
export async function follow(path, onEvent, signal) {
  const response = await request(path, { headers: { Accept: 'text/event-stream' }, signal });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(name, JSON.parse(data.join('\n')));
    }
  }
}

/** A number as the console shows it: 4 decimals, "–" when missing. */
export function fmt(value, digits = 4) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '–';
}

/** A table cell showing a number; data-value keeps the exact value for readers and tests. */
export function numberCell(value, attributes = {}) {
  const td = element('td', { class: 'num', ...attributes }, fmt(value));
  if (typeof value === 'number') td.dataset.value = String(value);
  return td;
}

/** A new element with attributes and children (strings become text). */
export function element(tag, attributes = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

/** Shows an error in the page's status region (role=alert), or clears it. */
export function showError(error) {
  const region = document.getElementById('status');
  region.textContent = error ? `Error: ${error.message}` : '';
  region.hidden = !error;
}

// Whatever a page's script fails on shows in its status region, not only in the developer console.
window.addEventListener('error', (e) => showError(e.error ?? new Error(e.message)));
window.addEventListener('unhandledrejection', (e) => showError(e.reason instanceof Error ? e.reason : new Error(String(e.reason))));

/** The console's sections, in the order the header lists them. */
const SECTIONS = [['runs', '/', 'Runs'], ['models', '/models.html', 'Models'], ['data', '/data.html', 'Data'],
  ['speakers', '/speakers.html', 'Speakers'], ['embeddings', '/embeddings.html', 'Embeddings'],
  ['calibration', '/calibration.html', 'Calibration'], ['listen', '/listen.html', 'Listen']];

/** Fills the page's <header data-section=…> with the console's navigation, the current section marked. */
function header() {
  const h = document.querySelector('header[data-section]');
  if (!h) return;
  h.append(element('nav', { 'aria-label': 'Console sections' }, element('ul', {},
    ...SECTIONS.map(([id, href, label]) => element('li', {},
      element('a', { href, 'aria-current': id === h.dataset.section ? 'page' : null }, label))))));
}
header();

/** A query parameter of the page's URL. */
export function param(name) {
  return new URLSearchParams(location.search).get(name);
}
