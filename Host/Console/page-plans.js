// Plans, runs, schedules: a plan's graph drawn as SVG (events as places, steps as transitions),
// its runs, starting one, and the selected run's marking and step states, updated live from the
// plan.* events of the stream (and a poll while it runs).

import { get, post } from './api.js';
import { h, s, put, table, time, badge, errorBox, every, jsonBlock, parseJSON, kv, markSelected } from './ui.js';
import * as live from './live.js';

/** Positions for a plan's nodes: columns by distance from the events nothing emits. */
export function layout(plan) {
  const produced = new Set(plan.steps.flatMap(st => st.emits ?? []));
  const depth = new Map();
  const queue = plan.events.filter(e => !produced.has(e.name)).map(e => ['e:' + e.name, 0]);
  if (!queue.length && plan.events.length) queue.push(['e:' + plan.events[0].name, 0]);
  while (queue.length) {
    const [id, d] = queue.shift();
    if (depth.has(id)) continue;
    depth.set(id, d);
    if (id.startsWith('e:')) { for (const st of plan.steps) if ((st.on ?? []).includes(id.slice(2))) queue.push(['s:' + st.name, d + 1]); }
    else { const st = plan.steps.find(x => 's:' + x.name === id); for (const e of st.emits ?? []) queue.push(['e:' + e, d + 1]); }
  }
  const nodes = [...plan.events.map(e => 'e:' + e.name), ...plan.steps.map(st => 's:' + st.name)];
  const columns = new Map();
  const pos = new Map();
  for (const id of nodes) {
    const d = depth.get(id) ?? 0;
    const col = columns.get(d) ?? [];
    col.push(id); columns.set(d, col);
  }
  let height = 0;
  for (const [d, col] of columns) col.forEach((id, i) => { pos.set(id, { x: 70 + d * 130, y: 50 + i * 80 }); height = Math.max(height, 50 + i * 80); });
  const width = 70 + Math.max(0, ...columns.keys()) * 130 + 80;
  return { pos, width, height: height + 60 };
}

/** The plan's net as SVG; with a run, its marking (tokens) and each step's latest state. */
export function graph(plan, run) {
  const { pos, width, height } = layout(plan);
  const state = new Map();
  for (const f of run?.steps ?? []) state.set(f.step, f.state);
  const marking = run?.marking ?? {};
  const arcs = [];
  const arc = (a, b, fromPlace) => {
    const p = pos.get(a), q = pos.get(b);
    const dx = q.x - p.x, dy = q.y - p.y, len = Math.hypot(dx, dy) || 1;
    const start = fromPlace ? 20 : 42, end = fromPlace ? 42 : 22;
    arcs.push(s('line', { class: 'arc', x1: p.x + dx / len * start, y1: p.y + dy / len * start, x2: q.x - dx / len * end, y2: q.y - dy / len * end, 'marker-end': 'url(#arrow)' }));
  };
  for (const st of plan.steps) {
    for (const e of st.on ?? []) if (pos.has('e:' + e)) arc('e:' + e, 's:' + st.name, true);
    for (const e of st.emits ?? []) if (pos.has('e:' + e)) arc('s:' + st.name, 'e:' + e, false);
  }
  const places = plan.events.map(e => {
    const p = pos.get('e:' + e.name), n = marking[e.name] ?? 0;
    return s('g', { class: 'place-node', 'data-event': e.name, 'data-tokens': n },
      s('title', {}, `event ${e.name}${e.kind ? ` (${e.kind})` : ''}: ${n} token(s)`),
      s('circle', { class: 'place' + (n ? ' marked' : ''), cx: p.x, cy: p.y, r: 18 }),
      n === 1 ? s('circle', { class: 'token', cx: p.x, cy: p.y, r: 5 }) : n > 1 ? s('text', { x: p.x, y: p.y + 4, 'text-anchor': 'middle' }, String(n)) : null,
      s('text', { x: p.x, y: p.y + 34, 'text-anchor': 'middle' }, e.name),
      e.kind ? s('text', { class: 'label-sm', x: p.x, y: p.y + 46, 'text-anchor': 'middle' }, e.kind) : null);
  });
  const transitions = plan.steps.map(st => {
    const p = pos.get('s:' + st.name), stt = state.get(st.name);
    return s('g', { class: 'step-node', 'data-step': st.name, 'data-state': stt ?? 'none' },
      s('title', {}, `step ${st.name}: ${st.action}${stt ? ` (${stt})` : ''}`),
      s('rect', { class: 'trans' + (stt ? ` st-${stt}` : ''), x: p.x - 40, y: p.y - 16, width: 80, height: 32, rx: 3 }),
      s('text', { x: p.x, y: p.y + 4, 'text-anchor': 'middle' }, st.name.length > 12 ? st.name.slice(0, 11) + '…' : st.name),
      s('text', { class: 'label-sm', x: p.x, y: p.y + 30, 'text-anchor': 'middle' }, st.action));
  });
  return s('svg', { class: 'graph', id: 'plan-graph', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `graph of plan ${plan.name}` },
    s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      s('path', { d: 'M0,0 L10,5 L0,10 z', fill: 'currentColor' }))),
    arcs, places, transitions);
}

export function mount(root, params) {
  const list = h('section', { class: 'panel', 'aria-label': 'Plans' }, h('p', { class: 'muted' }, 'Asking the daemon…'));
  const schedules = h('section', { class: 'panel', id: 'schedules', 'aria-label': 'Schedules' });
  const detail = h('section', { class: 'panel', id: 'plan-detail', 'aria-label': 'Plan' }, h('p', { class: 'muted' }, 'Select a plan to see its graph and runs.'));
  put(root, h('div', { class: 'split' }, h('div', {}, list, schedules), detail));
  let plans = [], selected = params.get('plan'), runId = params.get('run'), stopRun = null;

  const stopPlans = every(5000, async () => {
    plans = (await get('/v1/plans')).plans;
    put(list, h('h2', {}, 'Plans'), table([
      { label: 'id', cell: p => h('span', { class: 'mono' }, p.id) }, { label: 'name', cell: p => p.plan.name },
      { label: 'version', cell: p => p.version }, { label: 'saved', cell: p => time(p.saved_at), cls: 'hide-narrow' },
    ], plans, { id: 'plans', key: p => p.id, selected, empty: 'No plans saved (PUT /v1/plans/{id}, or lightning plans apply).',
      onSelect: (p, tr) => { selected = p.id; runId = null; markSelected(tr.closest('table'), p.id); showPlan(); } }));
    if (selected && !detail.querySelector('svg')) showPlan();
  }, e => put(list, errorBox(e)));
  const stopSchedules = every(10000, async () => {
    const r = await get('/v1/schedules');
    put(schedules, h('h2', {}, 'Schedules'), table([
      { label: 'plan', cell: x => x.plan ?? x.plan_id ?? '' }, { label: 'event', cell: x => x.event ?? '' },
      { label: 'schedule', cell: x => h('span', { class: 'mono' }, x.schedule ?? x.cron ?? '') }, { label: 'next', cell: x => time(x.next_fire ?? x.next ?? x.next_at) },
    ], r.schedules, { id: 'schedules-table', empty: 'No schedules (time.cron events of saved plans).' }));
  }, e => put(schedules, errorBox(e)));

  const graphBox = h('div', { id: 'graph-box' });
  const runsBox = h('div', { id: 'runs' });
  const runBox = h('div', { id: 'run-detail', 'aria-live': 'polite' });

  function showPlan() {
    const stored = plans.find(p => p.id === selected);
    if (!stored) return;
    const plan = stored.plan;
    const external = plan.events.filter(e => e.kind === 'manual' || e.kind === 'webhook');
    const eventSelect = h('select', { id: 'run-event', 'aria-label': 'starting event' }, (external.length ? external : plan.events.slice(0, 1)).map(e => h('option', { value: e.name }, `${e.name}${e.kind ? ` (${e.kind})` : ''}`)));
    const data = h('textarea', { id: 'run-data', 'aria-label': 'run data (JSON)', spellcheck: 'false' }, '{\n  "name": "Ada"\n}');
    const startResult = h('div', { id: 'run-start-result', 'aria-live': 'polite' });
    const form = h('form', {}, h('h3', {}, 'Start a run'), h('div', { class: 'row' }, h('label', {}, 'event ', eventSelect)),
      h('label', { for: 'run-data' }, 'data (JSON)'), data, h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit', id: 'run-start' }, 'Start run')), startResult);
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      try {
        const run = await post(`/v1/plans/${encodeURIComponent(stored.id)}/runs`, { event: eventSelect.value, data: parseJSON(data.value, 'data') });
        put(startResult);
        watchRun(run.run_id, run);
        loadRuns();
      } catch (e) { put(startResult, errorBox(e)); }
    });
    put(detail, h('h2', {}, plan.name, ' ', h('span', { class: 'muted' }, `${stored.id} v${stored.version}`)),
      plan.description ? h('p', { class: 'muted' }, plan.description) : null, graphBox, runBox, form, h('h3', {}, 'Runs'), runsBox);
    put(graphBox, graph(plan, null));
    put(runBox);
    loadRuns();
    if (runId) watchRun(runId);
  }

  async function loadRuns() {
    try {
      const runs = (await get(`/v1/plans/${encodeURIComponent(selected)}/runs`)).runs.slice().reverse();
      put(runsBox, table([
        { label: 'run', cell: r => h('span', { class: 'mono' }, r.run_id) }, { label: 'status', cell: r => badge(r.status) },
        { label: 'steps', cell: r => r.steps.map(f => `${f.step}: ${f.state}`).join(', ') },
      ], runs.slice(0, 20), { id: 'runs-table', key: r => r.run_id, selected: runId, empty: 'No runs yet.',
        onSelect: (r, tr) => { markSelected(tr.closest('table'), r.run_id); watchRun(r.run_id, r); } }));
    } catch (e) { put(runsBox, errorBox(e)); }
  }

  /** Shows run `id` and keeps it current: plan.* events about it refetch it, and a poll while it runs. */
  function watchRun(id, first) {
    stopRun?.();
    runId = id;
    const stored = plans.find(p => p.id === selected);
    const draw = run => {
      put(graphBox, graph(stored.plan, run));
      put(runBox, h('h3', {}, 'Run ', h('span', { class: 'mono', id: 'run-id' }, run.run_id), ' ', h('span', { id: 'run-status', 'data-status': run.status }, badge(run.status))),
        run.reason ? h('p', { class: 'error' }, run.reason) : null,
        table([
          { label: 'firing', cell: f => f.firing }, { label: 'step', cell: f => h('span', { class: 'mono' }, f.step) },
          { label: 'state', cell: f => h('span', { class: 'step-state', 'data-step': f.step, 'data-state': f.state }, badge(f.state)) },
          { label: 'attempt', cell: f => f.attempt }, { label: 'error / output', cell: f => f.error ? h('span', { class: 's-bad' }, f.error) : h('span', { class: 'mono trunc' }, JSON.stringify(f.output ?? null)) },
        ], run.steps, { id: 'run-steps', empty: 'No step has fired yet.' }),
        kv([['marking', Object.entries(run.marking).map(([k, v]) => `${k}: ${v}`).join(', ') || 'empty']]));
    };
    const refresh = async () => {
      try { const run = await get(`/v1/runs/${encodeURIComponent(id)}`); draw(run); return run; }
      catch (e) { put(runBox, errorBox(e)); return null; }
    };
    if (first) draw(first);
    let poll = null;
    const schedulePoll = async () => {
      const run = await refresh();
      if (run && run.status === 'running') poll = setTimeout(schedulePoll, 2000); else loadRuns();
    };
    schedulePoll();
    const unsub = live.subscribe(e => {
      if (e.type.startsWith('plan.') && (e.correlation_id === id || e.data?.run_id === id)) refresh().then(r => { if (r && r.status !== 'running') loadRuns(); });
    });
    stopRun = () => { clearTimeout(poll); unsub(); };
  }
  return () => { stopPlans(); stopSchedules(); stopRun?.(); };
}
