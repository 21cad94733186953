// Processes: every supervised child (agents, function instances, plugin hosts) with its state,
// sandbox profile, restarts and last exit; start, stop and restart; the selected one's log tail.
// States follow process.* events on the live stream at once, and a poll every 2 s.

import { get, post } from './api.js';
import { h, put, table, time, badge, duration, kv, errorBox, every, markSelected } from './ui.js';
import * as live from './live.js';

export function mount(root, params) {
  const list = h('section', { class: 'panel', 'aria-label': 'Processes' }, h('p', { class: 'muted' }, 'Asking the supervisor…'));
  const detail = h('section', { class: 'panel', id: 'process-detail', 'aria-label': 'Process detail' }, h('p', { class: 'muted' }, 'Select a process to see its log tail and act on it.'));
  put(root, h('div', { class: 'split' }, list, detail));
  let processes = [], selected = params.get('name'), stopLogs = null;

  const draw = () => put(list, table([
    { label: 'name', cell: p => h('span', { class: 'mono' }, p.name) },
    { label: 'kind', cell: p => p.kind, cls: 'hide-narrow' },
    { label: 'state', cell: p => h('span', { class: 'proc-state', 'data-name': p.name }, badge(p.state)) },
    { label: 'sandbox', cell: p => p.sandbox },
    { label: 'restarts', cell: p => h('span', { class: 'proc-restarts' }, String(p.restarts)) },
    { label: 'last exit', cls: 'hide-narrow', cell: p => p.last_exit ? h('span', { title: p.last_exit.at }, p.last_exit.reason) : '—' },
    { label: 'actions', cell: p => actions(p) },
  ], processes, { id: 'processes', key: p => p.name, selected, empty: 'No supervised processes (agents and functions start them).',
    onSelect: (p, tr) => { selected = p.name; markSelected(tr.closest('table'), p.name); history.replaceState(null, '', `#/processes?name=${encodeURIComponent(p.name)}`); showDetail(); } }));

  const actionResult = h('div', { id: 'process-action-result', 'aria-live': 'polite' });
  const actions = p => h('span', { class: 'row' }, ['restart', 'stop', 'start'].map(a =>
    h('button', { 'data-action': a, 'data-name': p.name, 'aria-label': `${a} ${p.name}`,
      disabled: (a === 'start' && !['stopped', 'failed'].includes(p.state)) || (a === 'stop' && ['stopped', 'failed'].includes(p.state)),
      onclick: async ev => {
        ev.target.disabled = true;
        try { const snap = await post(`/v1/processes/${encodeURIComponent(p.name)}/${a}`); merge(snap); put(actionResult, h('p', {}, `${a}: ${p.name} is `, badge(snap.state))); }
        catch (e) { put(actionResult, errorBox(e)); }
        refresh();
      } }, a[0].toUpperCase() + a.slice(1))));

  const merge = snap => {
    const i = processes.findIndex(p => p.name === snap.name);
    if (i >= 0) processes[i] = snap; else processes.push(snap);
    draw(); if (snap.name === selected) showDetail(false);
  };
  const refresh = async () => {
    try { processes = (await get('/v1/processes')).processes; draw(); if (selected) showDetail(false); }
    catch (e) { put(list, errorBox(e)); }
  };
  const stopPoll = every(2000, refresh);
  // process.<state> events carry the new state at once: shown before the next poll.
  const stopLive = live.subscribe(e => {
    if (!e.type.startsWith('process.') || !e.data?.name) return;
    const p = processes.find(x => x.name === e.data.name);
    if (!p) return refresh();
    const state = e.data.state ?? e.type.slice('process.'.length);
    p.state = state;
    if (typeof e.data.restarts === 'number') p.restarts = e.data.restarts;
    p.transitions = [...(p.transitions ?? []), { state, at: e.timestamp, restarts: p.restarts, detail: e.data.reason ?? e.data.child }];
    draw(); if (p.name === selected) showDetail(false);
  });

  const logBox = h('div', { id: 'log-tail' });
  function showDetail(restartLogs = true) {
    const p = processes.find(x => x.name === selected);
    if (!p) return;
    put(detail, h('h2', {}, h('span', { class: 'mono' }, p.name), ' ', badge(p.state)), actionResult, kv([
      ['kind', p.kind], ['manifest', p.manifest], ['pid', p.program_pid ? `${p.pid} (program ${p.program_pid})` : p.pid ?? '—'],
      ['sandbox', p.sandbox], ['restarts', p.restarts], ['started', time(p.started_at)], ['uptime', duration(p.uptime_seconds)],
      ['command', h('span', { class: 'mono' }, (p.command ?? []).join(' '))],
      ['last exit', p.last_exit ? `${p.last_exit.reason} at ${new Date(p.last_exit.at).toLocaleTimeString()}` : '—'],
    ]), p.last_exit?.stderr_tail?.length ? h('pre', {}, p.last_exit.stderr_tail.join('\n')) : null,
      h('h3', {}, 'Transitions'),
      h('ol', { id: 'transitions' }, (p.transitions ?? []).slice(-12).map(t => h('li', { 'data-state': t.state, 'data-at': Date.parse(t.at) }, badge(t.state), ' ', time(t.at), t.detail ? ` ${t.detail}` : ''))),
      h('h3', {}, 'Log tail'), logBox);
    if (restartLogs || !stopLogs) {
      stopLogs?.();
      stopLogs = every(2000, async () => {
        const r = await get(`/v1/processes/${encodeURIComponent(p.name)}/logs?limit=100`);
        put(logBox, r.lines.length ? h('pre', { class: 'log' }, r.lines.map(l => `${new Date(l.at).toLocaleTimeString()} ${l.stream.padEnd(6)} ${l.text}`).join('\n')) : h('p', { class: 'muted' }, 'No log lines yet.'));
      }, e => put(logBox, errorBox(e)));
    }
  }
  return () => { stopPoll(); stopLive(); stopLogs?.(); };
}
