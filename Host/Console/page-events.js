// Events: the live stream with type and source filters and pause; an event's detail with its
// correlation chain; dead letters (reprocess) and orphans (replay, drain); publishing an event.

import { get, post } from './api.js';
import { h, put, table, time, jsonBlock, errorBox, kv, markSelected, parseJSON, badge } from './ui.js';
import * as live from './live.js';

/** True when `type` matches one of the comma-separated patterns ("*", "a.b", "a.*", "a*"). */
export function matches(patterns, type) {
  const list = patterns.split(',').map(p => p.trim()).filter(Boolean);
  if (!list.length) return true;
  return list.some(p => p === '*' || p === type || (p.endsWith('*') && type.startsWith(p.slice(0, -1))));
}

const views = [['live', 'Live'], ['deadletters', 'Dead letters'], ['orphans', 'Orphans'], ['publish', 'Publish']];

export function mount(root, params) {
  const view = views.some(([v]) => v === params.get('view')) ? params.get('view') : 'live';
  const detail = h('section', { class: 'panel', id: 'event-detail', 'aria-label': 'Event detail', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Select an event (click, or Enter on a row) to see it and its correlation chain.'));
  const content = h('div');
  put(root, h('nav', { class: 'tabs', 'aria-label': 'Event views' }, views.map(([v, label]) =>
    h('a', { href: `#/events?view=${v}`, 'aria-current': v === view ? 'page' : 'false', id: `tab-${v}` }, label))),
    h('div', { class: 'split' }, content, detail));
  const show = ev => showDetail(detail, ev, show);
  if (view === 'live') return liveView(content, show, params);
  if (view === 'deadletters') return deadLetters(content, detail, show);
  if (view === 'orphans') return orphans(content, show);
  return publish(content);
}

function liveView(root, show, params) {
  const typeFilter = h('input', { type: 'search', id: 'filter-type', placeholder: 'type: greet.*, error', 'aria-label': 'Filter by type (patterns, comma-separated)', value: params.get('type') ?? '' });
  const sourceFilter = h('input', { type: 'search', id: 'filter-source', placeholder: 'source', 'aria-label': 'Filter by source' });
  const pause = h('button', { id: 'pause', 'aria-pressed': 'false' }, 'Pause');
  const info = h('span', { class: 'muted', id: 'live-info', 'aria-live': 'polite' });
  const holder = h('div', { class: 'scroll' });
  put(root, h('div', { class: 'row' }, typeFilter, sourceFilter, pause, info), holder);
  let paused = false, held = 0, selected = null;
  const shown = () => live.recent.filter(e => matches(typeFilter.value, e.type) && (!sourceFilter.value || (e.source ?? '').includes(sourceFilter.value.trim())));
  const draw = () => {
    const rows = shown().slice(-200).reverse();
    put(holder, table([
      { label: 'time', cell: e => time(e.timestamp) },
      { label: 'type', cell: e => h('span', { class: 'mono event-type' }, e.type) },
      { label: 'source', cell: e => e.source ?? '' },
      { label: 'correlation', cls: 'hide-narrow', cell: e => h('span', { class: 'mono trunc' }, e.correlation_id ?? '') },
      { label: 'data', cls: 'hide-narrow', cell: e => h('span', { class: 'mono trunc' }, JSON.stringify(e.data ?? {})) },
    ], rows, { id: 'live-events', key: e => e.id, selected, empty: 'No events since this page opened (they appear here live).',
      onSelect: (e, tr) => { selected = e.id; markSelected(tr.closest('table'), e.id); show(e); } }));
    info.textContent = paused ? `paused; ${held} new event(s) held` : `${rows.length} shown of ${live.recent.length} received`;
  };
  const stop = live.subscribe(() => { if (paused) { held++; info.textContent = `paused; ${held} new event(s) held`; } else draw(); });
  pause.addEventListener('click', () => {
    paused = !paused; held = 0;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
    draw();
  });
  typeFilter.addEventListener('input', draw);
  sourceFilter.addEventListener('input', draw);
  draw();
  return stop;
}

/** The event and every event of its correlation chain (GET /v1/events?correlation_id=…), in time order. */
async function showDetail(root, e, show) {
  const chainBox = h('div', {}, h('p', { class: 'muted' }, 'Loading the correlation chain…'));
  put(root, h('h2', {}, 'Event ', h('span', { class: 'mono' }, e.type)), kv([
    ['id', h('span', { class: 'mono', id: 'detail-id' }, e.id)], ['time', time(e.timestamp)], ['source', e.source],
    ['correlation', e.correlation_id ? h('span', { class: 'mono' }, e.correlation_id) : '—'],
  ]), jsonBlock(e), h('h3', {}, 'Correlation chain'), chainBox);
  try {
    const cid = e.correlation_id ?? e.id;
    const [chain, caused] = await Promise.all([
      get(`/v1/events?correlation_id=${encodeURIComponent(cid)}&limit=200`),
      e.correlation_id ? Promise.resolve({ events: [] }) : get(`/v1/events?event_id=${encodeURIComponent(e.id)}&limit=1`).catch(() => ({ events: [] })),
    ]);
    const byId = new Map();
    for (const x of [...caused.events, ...chain.events]) byId.set(x.id, x);
    if (!byId.has(e.id)) byId.set(e.id, e);
    if (e.correlation_id && !byId.has(e.correlation_id)) {
      try { const root0 = await get(`/v1/events?event_id=${encodeURIComponent(e.correlation_id)}&limit=1`); for (const x of root0.events) byId.set(x.id, x); } catch { /* the root may be gone */ }
    }
    const list = [...byId.values()].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    put(chainBox, h('ol', { id: 'correlation-chain' }, list.map(x => h('li', {},
      x.id === e.id ? h('strong', {}, x.type) : h('a', { href: '#', onclick: ev => { ev.preventDefault(); show(x); } }, x.type),
      ' ', h('span', { class: 'muted' }, x.source ?? ''), ' ', time(x.timestamp)))));
  } catch (err) { put(chainBox, errorBox(err)); }
}

function deadLetters(root, detail, show) {
  const box = h('div'), result = h('div', { id: 'action-result', 'aria-live': 'polite' });
  const chosen = new Set();
  const reprocess = h('button', { class: 'primary', id: 'reprocess', disabled: true }, 'Reprocess selected');
  put(root, h('p', { class: 'muted' }, 'Events a subscription gave up on after its attempts. Reprocessing puts them back on their subscription with fresh attempts.'),
    h('div', { class: 'row' }, reprocess, h('button', { id: 'refresh', onclick: () => load() }, 'Refresh')), result, box);
  const load = async () => {
    try {
      const list = (await get('/v1/events/deadletters?limit=1000')).dead_letters;
      put(box, table([
        { label: '', cell: d => h('input', { type: 'checkbox', 'aria-label': `select dead letter ${d.id}`, checked: chosen.has(d.id), onchange: ev => { ev.target.checked ? chosen.add(d.id) : chosen.delete(d.id); reprocess.disabled = !chosen.size; } }) },
        { label: 'dead at', cell: d => time(d.dead_at) }, { label: 'subscription', cell: d => d.subscription },
        { label: 'type', cell: d => h('span', { class: 'mono' }, d.event.type) }, { label: 'attempts', cell: d => d.attempts },
        { label: 'last error', cell: d => h('span', { class: 's-bad' }, d.last_error) },
      ], list, { id: 'deadletters', key: d => d.id, empty: 'No dead letters.', onSelect: d => show(d.event) }));
    } catch (e) { put(box, errorBox(e)); }
  };
  reprocess.addEventListener('click', async () => {
    reprocess.disabled = true;
    try {
      const r = await post('/v1/events/deadletters/reprocess', { ids: [...chosen] });
      put(result, h('p', {}, badge('accepted'), ` ${r.count} dead letter(s) put back on their subscription.`));
      chosen.clear();
    } catch (e) { put(result, errorBox(e)); }
    load();
  });
  load();
  const stop = live.subscribe(e => { if (e.type === 'error') load(); });
  return stop;
}

function orphans(root, show) {
  const box = h('div'), result = h('div', { id: 'action-result', 'aria-live': 'polite' });
  put(root, h('p', { class: 'muted' }, 'Events no subscription wanted when they were published. Replay queues one again to every subscription that accepts it now; drain removes orphans of a type.'),
    h('div', { class: 'row' }, h('button', { id: 'refresh', onclick: () => load() }, 'Refresh')), result, box);
  const act = async (what, fn) => {
    try { put(result, h('p', {}, badge('accepted'), ' ', what(await fn()))); } catch (e) { put(result, errorBox(e)); }
    load();
  };
  const load = async () => {
    try {
      const list = (await get('/v1/events/orphans?limit=1000')).events.slice().reverse();
      put(box, table([
        { label: 'time', cell: e => time(e.timestamp) }, { label: 'type', cell: e => h('span', { class: 'mono' }, e.type) },
        { label: 'source', cell: e => e.source ?? '' },
        { label: 'actions', cell: e => h('span', { class: 'row' },
          h('button', { 'data-action': 'replay', onclick: () => act(r => `${r.count} delivery(ies) queued for ${e.type}.`,
            () => post('/v1/events/replay', { from: e.timestamp, to: new Date(Date.parse(e.timestamp) + 1).toISOString(), types: [e.type] })) }, 'Replay'),
          h('button', { 'data-action': 'drain', onclick: () => act(r => `${r.events.length} orphan(s) of type ${e.type} removed.`,
            () => post('/v1/events/orphans/drain', { types: [e.type] })) }, `Drain ${e.type}`)) },
      ], list, { id: 'orphans', key: e => e.id, empty: 'No orphans.', onSelect: e => show(e) }));
    } catch (e) { put(box, errorBox(e)); }
  };
  load();
  return () => {};
}

function publish(root) {
  const type = h('input', { id: 'publish-type', required: true, placeholder: 'greet.request', 'aria-label': 'type' });
  const source = h('input', { id: 'publish-source', value: 'console', 'aria-label': 'source' });
  const data = h('textarea', { id: 'publish-data', 'aria-label': 'data (JSON)', spellcheck: 'false' }, '{\n  "name": "Ada"\n}');
  const result = h('div', { id: 'publish-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'panel' }, h('div', { class: 'row' }, h('label', {}, 'type ', type), h('label', {}, 'source ', source)),
    h('label', { for: 'publish-data' }, 'data (JSON)'), data, h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit' }, 'Publish')), result);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    try {
      const r = await post('/v1/events', { type: type.value.trim(), source: source.value.trim() || 'console', data: parseJSON(data.value, 'data') });
      put(result, jsonBlock(r));
    } catch (e) { put(result, errorBox(e)); }
  });
  put(root, form);
  return () => {};
}
