// The console's one way to the APIs: JSON requests (with the bearer key when the console config
// holds one), problem+json errors as Error messages, server-sent events over fetch (so they carry
// the key too), and number formatting shared by every page.

let configPromise;

/** The console config: {ingestUrl, inferUrl, apiKey}. */
export function config() {
  configPromise ??= fetch('/api/v1/console/config').then((r) => r.json());
  return configPromise;
}

async function headers(extra = {}) {
  const { apiKey } = await config();
  return apiKey ? { ...extra, Authorization: `Bearer ${apiKey}` } : extra;
}

/** An error carrying the HTTP status and the problem body (null when the body was not problem+json). */
export class ApiError extends Error {
  constructor(status, problem, text) {
    super(problem?.detail ?? `${status} ${text}`);
    this.status = status;
    this.problem = problem;
  }
}

/** fetch() with the console's headers; rejects with an ApiError unless the status is 2xx. */
export async function request(path, options = {}) {
  const response = await fetch(path, { ...options, headers: await headers(options.headers) });
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

/** A query parameter of the page's URL. */
export function param(name) {
  return new URLSearchParams(location.search).get(name);
}
