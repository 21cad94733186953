// The console's shell: hash routing between the pages (keys 1–8 or the links), the live
// stream's status, and a banner for anything that fails outside a page, so the page is never blank.

import { h, put, errorBox } from './ui.js';
import * as live from './live.js';

const pages = {
  overview: () => import('./page-overview.js'),
  events: () => import('./page-events.js'),
  processes: () => import('./page-processes.js'),
  providers: () => import('./page-providers.js'),
  functions: () => import('./page-functions.js'),
  plans: () => import('./page-plans.js'),
  tasks: () => import('./page-tasks.js'),
  instructions: () => import('./page-instructions.js'),
};

const main = document.getElementById('main');
const banner = document.getElementById('banner');
let unmount = null;
let generation = 0;

function showBanner(text) { banner.textContent = text; banner.hidden = false; }
window.addEventListener('error', e => showBanner(`Console error: ${e.message} (${e.filename}:${e.lineno})`));
window.addEventListener('unhandledrejection', e => showBanner(`Console error: ${e.reason?.message ?? e.reason}`));

/** The route of the hash: "#/events?view=deadletters" → {page: "events", params}. */
export function route() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const page = pages[path] ? path : 'overview';
  return { page, params: new URLSearchParams(query ?? '') };
}

async function show() {
  const { page, params } = route();
  const mine = ++generation;
  for (const a of document.querySelectorAll('#nav a')) a.setAttribute('aria-current', a.dataset.page === page ? 'page' : 'false');
  if (unmount) { try { unmount(); } catch (e) { console.error(e); } unmount = null; }
  const title = document.querySelector(`#nav a[data-page="${page}"]`).textContent;
  document.title = `${title} · Lightning`;
  const body = h('div', { id: `page-${page}`, 'data-page': page });
  put(main, h('h1', { id: 'page-title' }, title), body);
  if (!performance.getEntriesByName('lt-shell').length) performance.mark('lt-shell');  // checked by the browser test
  try {
    const mod = await pages[page]();
    if (mine !== generation) return;
    unmount = mod.mount(body, params) ?? null;
  } catch (e) {
    if (mine === generation) body.append(errorBox(e, `The ${title} page failed`));
  }
}

document.addEventListener('keydown', e => {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.target.closest('input, textarea, select, [contenteditable]') || document.querySelector('dialog[open]')) return;
  const links = [...document.querySelectorAll('#nav a')];
  const n = Number(e.key);
  if (n >= 1 && n <= links.length) { e.preventDefault(); location.hash = links[n - 1].getAttribute('href'); }
  else if (e.key === '/') { const f = main.querySelector('input[type=search], input'); if (f) { e.preventDefault(); f.focus(); } }
});

window.addEventListener('hashchange', () => { show(); main.focus({ preventScroll: true }); });
const conn = document.getElementById('conn');
live.start((text, ok) => { conn.textContent = text; conn.className = 'conn ' + (ok ? 'live' : 'down'); });
show();
