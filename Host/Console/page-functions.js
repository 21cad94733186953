// Functions: the deployed functions with their pools and stats; invoke one with a JSON editor;
// recent invocations with their duration and whether they started cold, from the provider's own
// record (GET /v1/functions/{name}/invocations), refreshed after an invoke and on
// function.completed / function.failed events.

import { get, api } from './api.js';
import { h, put, table, time, badge, ms, kv, errorBox, every, jsonBlock, parseJSON, markSelected } from './ui.js';
import * as live from './live.js';

export function mount(root, params) {
  const list = h('section', { class: 'panel', 'aria-label': 'Functions' }, h('p', { class: 'muted' }, 'Asking the functions provider…'));
  const invoke = h('section', { class: 'panel', id: 'invoke', 'aria-label': 'Invoke' }, h('p', { class: 'muted' }, 'Select a function to invoke it.'));
  const recent = h('section', { class: 'panel', id: 'invocations', 'aria-label': 'Recent invocations' });
  const recentTitle = h('h2', { id: 'invocations-title' }, 'Recent invocations');
  put(root, h('div', { class: 'split' }, h('div', {}, list, recentTitle, recent), invoke));
  let functions = [], selected = params.get('name');

  let invocations = [], problems = [], loading = null, again = false;
  const drawRecent = () => put(recent, problems.map(e => errorBox(e)), table([
    { label: 'started', cell: i => time(i.started_at) }, { label: 'function', cell: i => h('span', { class: 'mono' }, i.function) },
    { label: 'status', cell: i => h('span', { class: 'inv-status', 'data-state': i.status }, badge(i.status)) },
    { label: 'duration', cell: i => h('span', { class: 'inv-duration' }, ms(i.duration_ms)) },
    { label: 'start', cell: i => h('span', { class: 'cold-warm' }, i.cold_start === undefined || i.cold_start === null ? '—' : i.cold_start ? 'cold' : 'warm') },
    { label: 'instance', cell: i => i.instance ?? '', cls: 'hide-narrow' },
    { label: 'output / error', cell: i => h('span', { class: 'mono trunc' }, JSON.stringify(i.error ?? i.output ?? null)) },
  ], invocations, { id: 'invocations-table', key: i => i.invocation_id, empty: 'No invocations kept by the functions provider.' }));

  /** Every function's recent invocations (the selected one's alone when one is selected), merged,
   * the latest started first. One load at a time; a request meanwhile loads once more after it. */
  async function loadRecent() {
    if (loading) { again = true; return loading; }
    loading = (async () => {
      const names = selected ? [selected] : functions.map(f => f.name);
      const answers = await Promise.allSettled(names.map(n => get(`/v1/functions/${encodeURIComponent(n)}/invocations?limit=25`)));
      problems = answers.filter(a => a.status === 'rejected').map(a => a.reason);
      invocations = answers.filter(a => a.status === 'fulfilled').flatMap(a => a.value.invocations)
        .sort((a, b) => String(b.started_at).localeCompare(String(a.started_at))).slice(0, 50);
      recentTitle.textContent = selected ? `Recent invocations of ${selected}` : 'Recent invocations';
      drawRecent();
    })();
    try { await loading; } finally { loading = null; }
    if (again) { again = false; return loadRecent(); }
  }

  const loadList = async () => {
    functions = (await get('/v1/functions')).functions;
    put(list, table([
      { label: 'name', cell: f => h('span', { class: 'mono' }, f.name) }, { label: 'version', cell: f => f.version ?? '' },
      { label: 'instances', cell: f => `${f.instances} (${f.busy} busy, ${f.queued} queued)` },
      { label: 'invocations', cell: f => `${f.stats?.invocations ?? 0} (${f.stats?.failed ?? 0} failed)` },
      { label: 'cold / warm', cls: 'hide-narrow', cell: f => `${f.stats?.cold_starts ?? 0} / ${f.stats?.warm_starts ?? 0}` },
      { label: 'triggers', cls: 'hide-narrow', cell: f => (f.triggers ?? []).join(', ') },
    ], functions, { id: 'functions', key: f => f.name, selected, empty: 'No functions deployed.',
      onSelect: (f, tr) => { selected = f.name; markSelected(tr.closest('table'), f.name); showInvoke(); loadRecent(); } }));
    if (selected && !invoke.querySelector('form')) showInvoke();
    await loadRecent();
  };
  const stopPoll = every(3000, loadList, e => put(list, errorBox(e)));

  function showInvoke() {
    const f = functions.find(x => x.name === selected);
    if (!f) return;
    const editor = h('textarea', { id: 'invoke-input', 'aria-label': `input for ${f.name} (JSON)`, spellcheck: 'false' }, '{\n  "text": "hello from the console"\n}');
    const check = h('span', { class: 'muted', id: 'invoke-check', 'aria-live': 'polite' });
    const out = h('div', { id: 'invoke-result', 'aria-live': 'polite' });
    const go = h('button', { class: 'primary', type: 'submit', id: 'invoke-go' }, 'Invoke');
    editor.addEventListener('input', () => {
      try { parseJSON(editor.value, 'input'); check.textContent = 'valid JSON'; check.className = 's-ok'; go.disabled = false; }
      catch (e) { check.textContent = e.message; check.className = 's-bad'; go.disabled = true; }
    });
    editor.addEventListener('keydown', e => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); } });
    const form = h('form', {}, h('h2', {}, 'Invoke ', h('span', { class: 'mono' }, f.name)),
      kv([['timeout', ms(f.timeout_ms)], ['max concurrency', f.max_concurrency], ['idle timeout', ms(f.idle_timeout_ms)],
        ['cold start avg', ms(f.stats?.cold_start_ms_avg)], ['warm avg', ms(f.stats?.warm_invoke_ms_avg)]]),
      h('label', { for: 'invoke-input' }, 'input (JSON; Ctrl+Enter invokes)'), editor, h('div', { class: 'row' }, go, check), out);
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      go.disabled = true;
      put(out, h('p', { class: 'muted' }, 'Invoking…'));
      try {
        const inv = await api('POST', `/v1/functions/${encodeURIComponent(f.name)}/invoke`, parseJSON(editor.value, 'input'));
        put(out, h('p', {}, badge(inv.status), ` in ${ms(inv.duration_ms)}, ${inv.cold_start ? 'cold' : 'warm'} start`), jsonBlock(inv.output ?? inv));
      } catch (e) {
        put(out, errorBox(e));
      }
      go.disabled = false;
      loadList().catch(e => put(list, errorBox(e)));  // its counters and the recent invocations
    });
    put(invoke, form);
  }
  drawRecent();
  const stopLive = live.subscribe(e => { if (e.type === 'function.completed' || e.type === 'function.failed') loadRecent(); });
  return () => { stopPoll(); stopLive(); };
}
