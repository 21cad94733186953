// Tasks: the task board (GET /v1/tasks) filtered by status, each task's allowed status changes
// as buttons (PATCH /v1/tasks/{id}, the API's 409 shown verbatim), a small form to add one, and
// the task.* events of the live stream applied at once (a poll every 5 s reconciles).

import { get, api, post } from './api.js';
import { h, put, table, time, badge, errorBox, every, kv, markSelected } from './ui.js';
import * as live from './live.js';

const statuses = [['', 'All'], ['open', 'Open'], ['in_progress', 'In progress'], ['done', 'Done'], ['cancelled', 'Cancelled']];

/** The moves the API allows (TaskItem.Status.allows in the daemon; the API stays the judge). */
export const moves = {
  open: ['in_progress', 'done', 'cancelled'],
  in_progress: ['open', 'done', 'cancelled'],
  done: ['open'],
  cancelled: ['open'],
};
const verb = { open: 'Reopen', in_progress: 'Start', done: 'Done', cancelled: 'Cancel' };

export function mount(root, params) {
  const filter = statuses.some(([v]) => v === params.get('status')) ? params.get('status') : '';
  const list = h('section', { class: 'panel', 'aria-label': 'Tasks' }, h('p', { class: 'muted' }, 'Asking the task board…'));
  const result = h('div', { id: 'task-action-result', 'aria-live': 'polite' });
  const detail = h('section', { class: 'panel', id: 'task-detail', 'aria-label': 'Task' }, h('p', { class: 'muted' }, 'Select a task to see all its fields.'));
  const changes = h('ol', { id: 'task-events', class: 'log-list', 'aria-live': 'polite' });
  put(root, h('nav', { class: 'tabs', 'aria-label': 'Task status' }, statuses.map(([v, label]) =>
    h('a', { href: v ? `#/tasks?status=${v}` : '#/tasks', 'aria-current': v === filter ? 'page' : 'false', id: `tab-${v || 'all'}` }, label))),
  h('div', { class: 'split' }, h('div', {}, list, result), h('div', {}, detail, createForm(), h('section', { class: 'panel', 'aria-label': 'Changes' },
    h('h2', {}, 'Changes seen live'), changes))));

  let tasks = [], more = false, selected = params.get('id');
  const keep = t => !filter || t.status === filter;

  const draw = () => {
    put(list, table([
      { label: 'title', cell: t => h('span', { class: 'task-title' }, t.title) },
      { label: 'status', cell: t => h('span', { class: 'task-status', 'data-id': t.id, 'data-state': t.status }, badge(t.status)) },
      { label: 'priority', cell: t => t.priority, cls: 'hide-narrow' },
      { label: 'assignee', cell: t => t.assignee ?? '—', cls: 'hide-narrow' },
      { label: 'due', cell: t => (t.due ? time(t.due) : '—'), cls: 'hide-narrow' },
      { label: 'source', cell: t => t.source, cls: 'hide-narrow' },
      { label: 'change status', cell: t => h('span', { class: 'row' }, (moves[t.status] ?? []).map(to =>
        h('button', { 'data-action': 'status', 'data-to': to, 'data-id': t.id, 'aria-label': `${verb[to]}: ${t.title}`, onclick: () => move(t, to) }, verb[to]))) },
    ], tasks, { id: 'tasks', key: t => t.id, selected, empty: filter ? `No ${filter.replace('_', ' ')} tasks.` : 'No tasks (POST /v1/tasks, lightning tasks create, a plan\'s task.create step or a create_task instruction).',
      onSelect: (t, tr) => { selected = t.id; markSelected(tr.closest('table'), t.id); showDetail(); } }),
    more ? h('p', { class: 'muted' }, 'Showing the first 200; filter by status to see the rest.') : null);
  };

  function showDetail() {
    const t = tasks.find(x => x.id === selected);
    if (!t) return;
    put(detail, h('h2', {}, t.title, ' ', badge(t.status)), kv([
      ['id', h('span', { class: 'mono' }, t.id)], ['description', t.description], ['priority', t.priority], ['assignee', t.assignee],
      ['due', t.due ? time(t.due) : null], ['source', t.source + (t.instruction ? ` (instruction ${t.instruction})` : '') + (t.run_id ? ` (run ${t.run_id})` : '')],
      ['created', time(t.created_at)], ['updated', time(t.updated_at)],
    ]));
  }

  async function move(t, to) {
    try {
      const updated = await api('PATCH', `/v1/tasks/${encodeURIComponent(t.id)}`, { status: to });
      upsert(updated);
      put(result, h('p', {}, `${updated.title}: `, badge(t.status), ' → ', badge(updated.status)));
    } catch (e) { put(result, errorBox(e)); }
  }

  function upsert(t) {
    const i = tasks.findIndex(x => x.id === t.id);
    if (!keep(t)) { if (i >= 0) tasks.splice(i, 1); }
    else if (i >= 0) tasks[i] = t;
    else tasks.unshift(t);
    draw();
    if (t.id === selected) showDetail();
  }

  function createForm() {
    const title = h('input', { id: 'task-new-title', required: true, maxlength: 500, placeholder: 'What needs doing', 'aria-label': 'title' });
    const assignee = h('input', { id: 'task-new-assignee', placeholder: 'assignee (optional)', 'aria-label': 'assignee' });
    const priority = h('select', { id: 'task-new-priority', 'aria-label': 'priority' }, ['low', 'medium', 'high'].map(p => h('option', { value: p, selected: p === 'medium' }, p)));
    const out = h('div', { id: 'task-new-result', 'aria-live': 'polite' });
    const form = h('form', { id: 'task-new' }, h('h2', {}, 'Add a task'), h('div', { class: 'row' }, title),
      h('div', { class: 'row' }, assignee, priority, h('button', { class: 'primary', type: 'submit', id: 'task-new-go' }, 'Add')), out);
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const body = { title: title.value, priority: priority.value };
      if (assignee.value.trim()) body.assignee = assignee.value.trim();
      try { const t = await post('/v1/tasks', body); put(out, h('p', {}, 'added ', h('span', { class: 'mono' }, t.id))); title.value = ''; upsert(t); }
      catch (e) { put(out, errorBox(e)); }
    });
    return h('section', { class: 'panel', 'aria-label': 'Add a task' }, form);
  }

  const stopPoll = every(5000, async () => {
    const r = await get(`/v1/tasks?limit=200${filter ? `&status=${filter}` : ''}`);
    tasks = r.tasks.slice().sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)));
    more = !!r.continuation;
    draw();
    if (selected) showDetail();
  }, e => put(list, errorBox(e)));

  // task.* events: applied at once, and listed under "Changes seen live".
  const stopLive = live.subscribe(e => {
    if (!e.type.startsWith('task.')) return;
    const d = e.data ?? {};
    if (d.task) upsert(d.task);
    else if (e.type === 'task.status_changed') {
      const t = tasks.find(x => x.id === d.task_id);
      if (t) upsert({ ...t, status: d.to, updated_at: e.timestamp });
    } else if (e.type === 'task.deleted') {
      tasks = tasks.filter(x => x.id !== d.task_id); draw();
    }
    const what = e.type === 'task.status_changed' ? [badge(d.from), ' → ', badge(d.to), ` ${d.title ?? ''}`]
      : e.type === 'task.updated' ? [`updated ${(d.changed ?? []).join(', ')}: ${d.task?.title ?? ''}`]
      : e.type === 'task.created' ? [`created: ${d.task?.title ?? ''} `, badge(d.status ?? d.task?.status ?? 'open')] : [`deleted`];
    changes.prepend(h('li', { 'data-type': e.type, 'data-id': d.task_id ?? d.task?.id ?? '' }, time(e.timestamp), ' ', h('span', { class: 'mono' }, d.task_id ?? ''), ' ', what));
    while (changes.children.length > 50) changes.lastChild.remove();
  });
  return () => { stopPoll(); stopLive(); };
}
