// Small DOM helpers shared by the pages: element builders, formatting in the viewer's time zone,
// tables with keyboard selection, error boxes that show the API's words.

/** An element: h('button', {class: 'primary', onclick}, 'Restart'). Children may be strings,
 * nodes, arrays, null or false. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  return fill(el, attrs, children);
}

/** An SVG element, like h(). */
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces the children of `el`. */
export function put(el, ...children) { el.replaceChildren(); return fill(el, {}, children); }

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A timestamp (RFC 3339 or milliseconds) in the viewer's time zone: the time today, else date and time. */
export function when(ts) {
  if (ts === undefined || ts === null || ts === '') return '—';
  const d = new Date(ts);
  if (isNaN(d)) return String(ts);
  return new Date().toDateString() === d.toDateString() ? timeFormat.format(d) : dateTimeFormat.format(d);
}

/** A <time> element with the full timestamp as its tooltip. */
export function time(ts) {
  return h('time', { datetime: ts ?? '', title: ts ? dateTimeFormat.format(new Date(ts)) + ` (${Intl.DateTimeFormat().resolvedOptions().timeZone})` : '' }, when(ts));
}

/** Seconds as "3 d 4 h", "5 min 2 s", "12.3 s". */
export function duration(seconds) {
  if (seconds === undefined || seconds === null || isNaN(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60), hh = Math.floor(m / 60), d = Math.floor(hh / 24);
  if (d) return `${d} d ${hh % 24} h`;
  if (hh) return `${hh} h ${m % 60} min`;
  return `${m} min ${Math.floor(seconds % 60)} s`;
}

export const ms = v => (v === undefined || v === null ? '—' : `${Number(v).toFixed(v < 10 ? 2 : 0)} ms`);

/** A state badge coloured by what it means. */
export function badge(state) {
  const cls = /^(ready|healthy|loaded|running|succeeded|completed|bound|live|accepted|done|enabled)$/.test(state) ? 's-ok'
    : /^(starting|stopping|backoff|degraded|waiting|pending|available|exited|cancelled|in_progress)$/.test(state) ? 's-warn'
    : /^(failed|unhealthy|error|dead|refused)$/.test(state) ? 's-bad' : 's-idle';
  return h('span', { class: `badge ${cls}`, 'data-state': state }, state);
}

/** An error box with the error's message verbatim (role=alert so screen readers say it). */
export function errorBox(err, what) {
  return h('pre', { class: 'error', role: 'alert', 'data-error': '' }, (what ? what + ': ' : '') + (err?.message ?? String(err)));
}

export const jsonBlock = v => h('pre', { class: 'json' }, JSON.stringify(v, null, 2));

/** A definition list from [label, value] pairs. */
export function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

/**
 * A table. columns: [{label, cell: row => node|string, cls?}]; rows: objects. With `onSelect`, rows
 * are focusable (Tab, ↑/↓) and Enter or a click selects one; `selected` is the key of the
 * selected row, `key` gives a row's key.
 */
export function table(columns, rows, { onSelect, key, selected, empty = 'Nothing yet.', id } = {}) {
  const body = h('tbody');
  for (const row of rows) {
    const k = key ? key(row) : undefined;
    const tr = h('tr', onSelect ? { tabindex: 0, 'aria-selected': k !== undefined && k === selected ? 'true' : 'false', 'data-key': k } : { 'data-key': k },
      columns.map(c => h('td', { class: c.cls }, c.cell(row))));
    if (onSelect) {
      tr.addEventListener('click', e => { if (!e.target.closest('button, a, input')) onSelect(row, tr); });
      tr.addEventListener('keydown', e => {
        if (e.target !== tr) return;
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect(row, tr); }
        else if (e.key === 'ArrowDown') { e.preventDefault(); tr.nextElementSibling?.focus(); }
        else if (e.key === 'ArrowUp') { e.preventDefault(); tr.previousElementSibling?.focus(); }
      });
    }
    body.append(tr);
  }
  if (!rows.length) body.append(h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, empty)));
  return h('table', { id }, h('thead', {}, h('tr', {}, columns.map(c => h('th', { class: c.cls, scope: 'col' }, c.label)))), body);
}

/** Marks the row whose data-key is `k` as selected in `tableEl`. */
export function markSelected(tableEl, k) {
  for (const tr of tableEl.querySelectorAll('tbody tr')) tr.setAttribute('aria-selected', tr.dataset.key === k ? 'true' : 'false');
}

/** Parses JSON typed by a person; throws an Error naming where it broke. */
export function parseJSON(text, what) {
  if (!text.trim()) return {};
  try { return JSON.parse(text); } catch (e) { throw new Error(`${what}: not valid JSON: ${e.message}`); }
}

/** Calls `fn` now and every `ms` until the returned function is called; errors go to `onError`. */
export function every(msInterval, fn, onError) {
  let stopped = false, timer = null;
  const tick = async () => {
    try { await fn(); } catch (e) { onError?.(e); }
    if (!stopped) timer = setTimeout(tick, msInterval);
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}
