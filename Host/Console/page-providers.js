// Providers and plugins: what is bound for each kind, every manifest and what became of it
// (errors in full), and a hot swap (with copy for storage) that shows its provider.* progress
// events from the live stream and the swap's report.

import { api, get } from './api.js';
import { h, put, table, time, badge, ms, errorBox, every, jsonBlock, parseJSON } from './ui.js';
import * as live from './live.js';

export function mount(root) {
  const bound = h('section', { class: 'panel', id: 'bound', 'aria-label': 'Bound providers' }, h('p', { class: 'muted' }, 'Asking the daemon…'));
  const swapBox = h('section', { class: 'panel', id: 'swap', 'aria-label': 'Swap a provider' });
  const plugins = h('section', { class: 'panel', id: 'plugins', 'aria-label': 'Manifests' });
  put(root, h('div', { class: 'split' }, bound, swapBox), h('h2', {}, 'Manifests'), plugins);
  let manifests = [];

  const loadBound = async () => {
    const r = await get('/v1/providers');
    put(bound, h('h2', {}, 'Bound'), table([
      { label: 'kind', cell: p => h('strong', {}, p.kind) }, { label: 'plugin', cell: p => h('span', { class: 'bound-plugin', 'data-kind': p.kind }, p.plugin ?? 'not bound') },
      { label: 'version', cell: p => p.version ?? '' }, { label: 'health', cell: p => badge(p.health?.status ?? 'unknown') },
      { label: 'latency', cell: p => ms(p.health?.latency_ms) }, { label: 'since', cell: p => time(p.bound_at) },
    ], r.providers, { id: 'bound-table' }));
  };
  const stopBound = every(3000, loadBound, e => put(bound, errorBox(e)));

  const stopPlugins = every(5000, async () => {
    manifests = (await get('/v1/plugins')).plugins;
    put(plugins, table([
      { label: 'id', cell: p => h('span', { class: 'mono' }, p.id) }, { label: 'kind', cell: p => p.provides ? `${p.kind} (${p.provides})` : p.kind },
      { label: 'version', cell: p => p.version ?? '' }, { label: 'isolation', cell: p => p.isolation ?? '', cls: 'hide-narrow' },
      { label: 'state', cell: p => badge(p.state) }, { label: 'manifest', cell: p => h('span', { class: 'mono' }, p.manifest ?? ''), cls: 'hide-narrow' },
      { label: 'error', cell: p => p.error ? h('pre', { class: 'error' }, p.error) : '' },
    ], manifests, { id: 'plugins-table', empty: 'No manifests found.' }));
    fillPlugins();
  }, e => put(plugins, errorBox(e)));

  // The swap form.
  const kind = h('select', { id: 'swap-kind', 'aria-label': 'provider kind' }, ['eventbus', 'storage', 'functions', 'containers'].map(k => h('option', { value: k }, k)));
  const plugin = h('select', { id: 'swap-plugin', 'aria-label': 'plugin' });
  const copy = h('input', { type: 'checkbox', id: 'swap-copy' });
  const copyLabel = h('label', {}, copy, 'copy the documents (storage)');
  const config = h('textarea', { id: 'swap-config', 'aria-label': 'plugin config (JSON)', spellcheck: 'false', placeholder: '{"path": "bus-2.sqlite"}' });
  const probation = h('input', { id: 'swap-probation', type: 'number', min: 0, max: 600000, value: 3000, 'aria-label': 'probation (ms)' });
  const go = h('button', { class: 'primary', type: 'submit', id: 'swap-go' }, 'Swap');
  const progress = h('ol', { id: 'swap-progress', 'aria-live': 'polite' });
  const result = h('div', { id: 'swap-result', 'aria-live': 'polite' });
  function fillPlugins() {
    const want = kind.value, had = plugin.value;
    const options = manifests.filter(m => m.provides === want);
    put(plugin, options.length ? options.map(m => h('option', { value: m.id, selected: m.id === had }, `${m.id} (${m.state})`)) : h('option', { value: '' }, 'no manifest provides ' + want));
    copyLabel.hidden = want !== 'storage';
  }
  kind.addEventListener('change', fillPlugins);
  const form = h('form', {}, h('h2', {}, 'Swap a provider'),
    h('p', { class: 'muted' }, 'Make-before-break: the new instance is prepared while the old one serves (docs/hot-swap.md).'),
    h('div', { class: 'row' }, h('label', {}, 'kind ', kind), h('label', {}, 'plugin ', plugin)),
    h('div', { class: 'row' }, copyLabel, h('label', {}, 'probation (ms) ', probation)),
    h('label', { for: 'swap-config' }, 'config (JSON, optional)'), config,
    h('div', { class: 'row' }, go), h('h3', {}, 'Progress'), progress, result);
  put(swapBox, form);
  fillPlugins();

  let swapping = false;
  const stopLive = live.subscribe(e => {
    if (!swapping || !e.type.startsWith('provider.')) return;
    const d = e.data ?? {};
    const text = Object.entries(d).filter(([, v]) => v === null || typeof v !== 'object')
      .map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : v}`).join(', ');
    progress.append(h('li', { 'data-type': e.type }, time(e.timestamp), ' ', h('span', { class: 'mono' }, e.type), ' ', text, ' ', h('details', {}, h('summary', {}, 'data'), jsonBlock(d))));
  });
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    put(progress); put(result, h('p', { class: 'muted' }, 'Swapping… (the answer comes once the new provider serves)'));
    go.disabled = true; swapping = true;
    try {
      const body = { plugin: plugin.value, probation_ms: Number(probation.value) };
      const c = parseJSON(config.value, 'config');
      if (Object.keys(c).length) body.config = c;
      if (kind.value === 'storage' && copy.checked) body.copy = true;
      const report = await api('PUT', `/v1/providers/${kind.value}`, body);
      put(result, h('p', {}, badge('succeeded'), ` ${kind.value} now on ${report.to ?? plugin.value}`), jsonBlock(report));
      loadBound().catch(e => put(bound, errorBox(e)));
    } catch (e) { put(result, errorBox(e)); }
    go.disabled = false;
    setTimeout(() => { swapping = false; }, 5000);  // probation events (rolled back) come after the answer
  });
  return () => { stopBound(); stopPlugins(); stopLive(); };
}
