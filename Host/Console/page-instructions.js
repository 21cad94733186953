// Instructions: "when an event like this happens, do that" (GET /v1/instructions): the list with
// counts, enable / disable / delete, a form that saves one (PUT /v1/instructions/{name}, the
// trigger and action as the API takes them; its errors shown verbatim), and the executions
// (instruction.executed / .failed events) as they happen.

import { get, api, post } from './api.js';
import { h, put, table, time, badge, errorBox, every, parseJSON, markSelected } from './ui.js';
import * as live from './live.js';

/** A starting config for each action type (docs/planner.md#instructions). */
const examples = {
  create_task: { title: 'Follow up {{ event.data.customer }}', priority: 'high' },
  emit_event: { type: 'order.flagged', data: { order: '{{ event.data.id }}' } },
  invoke_function: { function: 'wordcount', input: { text: '{{ event.data.text }}' } },
  run_plan: { plan: 'count-greeting', data: { name: '{{ event.data.name }}' } },
};

/** Executions seen while the console is open, newest first (kept across page changes). */
const executions = [];
live.subscribe(e => {
  if (e.type !== 'instruction.executed' && e.type !== 'instruction.failed') return;
  executions.unshift(e);
  if (executions.length > 100) executions.pop();
});

export function mount(root, params) {
  const list = h('section', { class: 'panel', 'aria-label': 'Instructions' }, h('p', { class: 'muted' }, 'Asking the daemon…'));
  const result = h('div', { id: 'instr-action-result', 'aria-live': 'polite' });
  const runs = h('section', { class: 'panel', id: 'instr-executions', 'aria-label': 'Executions' });
  const form = editor();
  put(root, list, result, h('div', { class: 'split' }, h('div', {}, h('h2', {}, 'Executions seen live'), runs), form.panel));
  let instructions = [], selected = params.get('name'), confirming = null;

  const draw = () => put(list, table([
    { label: 'name', cell: i => h('span', { class: 'mono' }, i.name) },
    { label: 'state', cell: i => h('span', { class: 'instr-enabled', 'data-name': i.name, 'data-state': i.enabled ? 'enabled' : 'disabled' }, badge(i.enabled ? 'enabled' : 'disabled')) },
    { label: 'when', cell: i => [h('span', { class: 'mono' }, i.trigger.event_type), i.trigger.conditions ? h('span', { class: 'muted' }, ` if ${conditionText(i.trigger.conditions)}`) : null] },
    { label: 'do', cell: i => [i.action.type, ' ', h('span', { class: 'mono trunc muted' }, JSON.stringify(i.action.config))] },
    { label: 'executed', cell: i => h('span', { class: 'instr-count', 'data-name': i.name }, String(i.execution_count ?? 0)) },
    { label: 'last', cell: i => time(i.last_executed_at), cls: 'hide-narrow' },
    { label: 'actions', cell: i => h('span', { class: 'row' },
      h('button', { 'data-action': i.enabled ? 'disable' : 'enable', 'data-name': i.name, 'aria-label': `${i.enabled ? 'disable' : 'enable'} ${i.name}`,
        onclick: () => act(i, i.enabled ? 'disable' : 'enable') }, i.enabled ? 'Disable' : 'Enable'),
      h('button', { 'data-action': 'delete', 'data-name': i.name, 'aria-label': `delete ${i.name}`, class: confirming === i.name ? 'danger' : null,
        onclick: () => remove(i) }, confirming === i.name ? 'Really delete?' : 'Delete')) },
  ], instructions, { id: 'instructions', key: i => i.name, selected, empty: 'No instructions (save one with the form, PUT /v1/instructions/{name} or lightning instructions apply).',
    onSelect: (i, tr) => { selected = i.name; markSelected(tr.closest('table'), i.name); form.load(i); } }));

  const drawRuns = () => put(runs, table([
    { label: 'at', cell: e => time(e.timestamp) }, { label: 'instruction', cell: e => h('span', { class: 'mono' }, e.data?.instruction ?? '') },
    { label: 'result', cell: e => badge(e.type === 'instruction.executed' ? 'succeeded' : 'failed') },
    { label: 'event', cell: e => h('span', { class: 'mono' }, e.data?.event_type ?? ''), cls: 'hide-narrow' },
    { label: 'action', cell: e => e.data?.action ?? '' },
    { label: 'outcome', cell: e => e.data?.reason ? h('span', { class: 's-bad' }, e.data.reason) : h('span', { class: 'mono trunc' }, JSON.stringify(e.data?.result ?? null)) },
  ], executions, { id: 'instr-runs', key: e => e.id, empty: 'None since the console opened.' }));

  async function act(i, verb) {
    try {
      const updated = await post(`/v1/instructions/${encodeURIComponent(i.name)}/${verb}`);
      put(result, h('p', {}, `${verb}d ${updated.name}`));
      refresh();
    } catch (e) { put(result, errorBox(e)); }
  }

  /** Delete asks once more on the button itself (no modal): a second click within 5 s deletes. */
  async function remove(i) {
    if (confirming !== i.name) {
      confirming = i.name; draw();
      setTimeout(() => { if (confirming === i.name) { confirming = null; draw(); } }, 5000);
      return;
    }
    confirming = null;
    try { await api('DELETE', `/v1/instructions/${encodeURIComponent(i.name)}`); put(result, h('p', {}, `deleted ${i.name}`)); }
    catch (e) { put(result, errorBox(e)); }
    refresh();
  }

  async function refresh() {
    try { instructions = (await get('/v1/instructions')).instructions; draw(); }
    catch (e) { put(list, errorBox(e)); }
  }
  form.onSaved = refresh;
  const stopPoll = every(5000, refresh);
  drawRuns();
  const stopLive = live.subscribe(e => {
    if (e.type === 'instruction.executed' || e.type === 'instruction.failed') { drawRuns(); refresh(); }
  });
  if (selected) get(`/v1/instructions/${encodeURIComponent(selected)}`).then(i => form.load(i), () => {});
  return () => { stopPoll(); stopLive(); };
}

function conditionText(c) {
  const parts = [];
  if (c.time_range) parts.push(`${c.time_range.start}–${c.time_range.end} ${c.time_range.timezone ?? 'UTC'}`);
  for (const [k, v] of Object.entries(c.data ?? {})) parts.push(`${k} = ${JSON.stringify(v)}`);
  for (const [k, v] of Object.entries(c.contains ?? {})) parts.push(`${k} ∋ ${JSON.stringify(v)}`);
  return parts.join(' and ');
}

/** The form: name, trigger (event type pattern, conditions as JSON), action (type, config as JSON). */
function editor() {
  const name = h('input', { id: 'instr-name', required: true, placeholder: 'big-orders', spellcheck: 'false', 'aria-label': 'name' });
  const description = h('input', { id: 'instr-description', placeholder: 'optional', 'aria-label': 'description' });
  const eventType = h('input', { id: 'instr-event', required: true, placeholder: 'order.*', spellcheck: 'false', 'aria-label': 'trigger event type' });
  const conditions = h('textarea', { id: 'instr-conditions', spellcheck: 'false', rows: 3, 'aria-label': 'trigger conditions (JSON, optional)',
    placeholder: '{"data": {"country": "NO"}, "time_range": {"start": "08:00", "end": "18:00", "timezone": "Europe/Oslo"}}' });
  const type = h('select', { id: 'instr-action', 'aria-label': 'action type' }, Object.keys(examples).map(t => h('option', { value: t }, t)));
  const config = h('textarea', { id: 'instr-config', spellcheck: 'false', 'aria-label': 'action config (JSON)' }, JSON.stringify(examples.create_task, null, 2));
  const enabled = h('input', { id: 'instr-enabled', type: 'checkbox', checked: true });
  const out = h('div', { id: 'instr-result', 'aria-live': 'polite' });
  let edited = false;
  config.addEventListener('input', () => { edited = true; });
  type.addEventListener('change', () => { if (!edited) config.value = JSON.stringify(examples[type.value], null, 2); });
  const form = h('form', { id: 'instr-form' }, h('h2', {}, 'Save an instruction'),
    h('label', { for: 'instr-name' }, 'name'), h('div', { class: 'row' }, name),
    h('label', { for: 'instr-description' }, 'description'), h('div', { class: 'row' }, description),
    h('h3', {}, 'When'), h('label', { for: 'instr-event' }, 'event type (*, order.*, order.placed)'), h('div', { class: 'row' }, eventType),
    h('label', { for: 'instr-conditions' }, 'conditions (JSON: time_range, data, contains; empty: none)'), conditions,
    h('h3', {}, 'Do'), h('div', { class: 'row' }, h('label', {}, 'action ', type)),
    h('label', { for: 'instr-config' }, 'config (JSON; strings may use {{ event.data.x }}, {{ event.id }}, {{ event.type }})'), config,
    h('div', { class: 'row' }, h('label', {}, enabled, ' enabled'), h('button', { class: 'primary', type: 'submit', id: 'instr-save' }, 'Save')), out);
  const panel = h('section', { class: 'panel', 'aria-label': 'Save an instruction' }, form);
  const self = { panel, onSaved: null };
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    let body;
    try {
      const trigger = { event_type: eventType.value.trim() };
      if (conditions.value.trim()) trigger.conditions = parseJSON(conditions.value, 'conditions');
      body = { enabled: enabled.checked, trigger, action: { type: type.value, config: parseJSON(config.value, 'config') } };
      if (description.value.trim()) body.description = description.value.trim();
    } catch (e) { put(out, errorBox(e)); return; }
    try {
      const saved = await api('PUT', `/v1/instructions/${encodeURIComponent(name.value.trim())}`, body);
      put(out, h('p', { 'data-saved': saved.name }, `saved instruction ${saved.name} (${saved.enabled ? 'enabled' : 'disabled'})`));
      self.onSaved?.();
    } catch (e) { put(out, errorBox(e)); }
  });
  /** Fills the form with a saved instruction, to change and save it again. */
  self.load = i => {
    name.value = i.name; description.value = i.description ?? ''; eventType.value = i.trigger.event_type;
    conditions.value = i.trigger.conditions ? JSON.stringify(i.trigger.conditions, null, 2) : '';
    type.value = i.action.type; config.value = JSON.stringify(i.action.config, null, 2); edited = true;
    enabled.checked = i.enabled; put(out);
  };
  return self;
}
