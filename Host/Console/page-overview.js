// Overview: the daemon's and every provider's health (latency, mode, uptime), events/s and the
// error rate over the last minutes as small SVG charts, and the dead letters and orphans counts.

import { get } from './api.js';
import { h, s, put, badge, duration, ms, kv, errorBox, every, time } from './ui.js';
import * as live from './live.js';

/** A sparkline of `series` ([{t, v}]) over the window, with a second line `series2`. */
export function chart(series, series2, label) {
  const w = 300, hgt = 60, pad = 2;
  const all = series.concat(series2 ?? []);
  const max = Math.max(1, ...all.map(p => p.v));
  // The window: the last 10 minutes, or since the first sample when the page is younger.
  const t1 = Date.now(), t0 = Math.max(t1 - 10 * 60 * 1000, Math.min(t1 - 30_000, ...all.map(p => p.t)));
  const path = ps => ps.filter(p => p.t >= t0).map((p, i) =>
    `${i ? 'L' : 'M'}${(pad + (p.t - t0) / (t1 - t0) * (w - 2 * pad)).toFixed(1)},${(hgt - pad - p.v / max * (hgt - 2 * pad)).toFixed(1)}`).join(' ');
  return s('svg', { class: 'chart', viewBox: `0 0 ${w} ${hgt}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label },
    s('title', {}, label),
    s('path', { class: 'l1', d: path(series) || 'M0,0' }),
    series2 ? s('path', { class: 'l2', d: path(series2) || 'M0,0' }) : null);
}

export function mount(root) {
  const daemonBox = h('section', { class: 'panel', id: 'daemon', 'aria-label': 'Daemon' }, h('p', { class: 'muted' }, 'Asking the daemon…'));
  const rateBox = h('section', { class: 'panel', id: 'rates', 'aria-label': 'Event rates' }, h('h2', {}, 'Events'), h('p', { class: 'muted' }, 'Measuring (a sample every 2 s)…'));
  const queues = h('section', { class: 'panel', id: 'queues', 'aria-label': 'Dead letters and orphans' }, h('h2', {}, 'Needs attention'), h('p', { class: 'muted' }, 'Counting…'));
  const provBox = h('section', { id: 'providers-health', 'aria-label': 'Providers' });
  put(root, h('div', { class: 'grid' }, daemonBox, rateBox, queues), h('h2', {}, 'Providers'), provBox);

  const stopHealth = every(3000, async () => {
    let health;
    try { health = await get('/health'); } catch (e) {
      // 503 still carries the body: show it with the error.
      health = e.body?.providers ? e.body : null;
      if (!health) { put(daemonBox, h('h2', {}, 'Daemon'), errorBox(e)); return; }
    }
    put(daemonBox, h('h2', {}, 'Daemon ', badge(health.status)), kv([
      ['version', health.version], ['mode', h('span', { id: 'mode' }, health.mode)], ['uptime', duration(health.uptime_seconds)],
      ['sandbox', Object.entries(health.sandbox?.profiles ?? {}).filter(([, v]) => v.available).map(([k]) => k).join(', ') || 'none available'],
    ]));
    put(provBox, h('div', { class: 'grid' }, health.providers.map(p => h('article', { class: 'panel provider', 'data-kind': p.kind },
      h('h3', {}, p.kind, ' ', badge(p.health?.status ?? 'unknown')),
      kv([['plugin', p.plugin ? `${p.plugin} ${p.version ?? ''}` : 'not bound'], ['latency', ms(p.health?.latency_ms)],
        ['mode', health.mode], ['uptime', p.bound_at ? duration((Date.now() - Date.parse(p.bound_at)) / 1000) : '—'],
        ['bound', p.bound_at ? time(p.bound_at) : '—'], p.health?.error ? ['error', h('span', { class: 's-bad' }, p.health.error)] : null]),
      h('p', {}, h('a', { href: '#/providers' }, 'Bindings and swaps'))))));
  });

  const drawRates = (samples, err) => {
    const r = live.rates();
    const last = r.at(-1);
    const recentR = r.filter(p => p.t > Date.now() - 60_000);
    const avg = f => recentR.length ? recentR.reduce((a, p) => a + f(p), 0) / recentR.length : 0;
    const ev = avg(p => p.events), er = avg(p => p.errors), routed = avg(p => p.routed);
    const errorRate = (ev + routed) > 0 ? er / Math.max(ev, routed) : 0;
    put(rateBox, h('h2', {}, 'Events'),
      err ? errorBox(err) : null,
      h('div', { class: 'row' },
        h('span', {}, h('span', { class: 'big', id: 'events-per-second' }, ev.toFixed(1)), ' events/s'),
        h('span', {}, h('span', { class: 'big', id: 'error-rate' }, (errorRate * 100).toFixed(1) + '%'), ' errors')),
      chart(r.map(p => ({ t: p.t, v: p.events })), r.map(p => ({ t: p.t, v: p.errors })), 'events per second (blue) and errors per second (red), last 10 minutes'),
      h('p', { class: 'muted' }, last ? `1-minute averages; ${samples.at(-1).published} published on the current event bus; the chart covers the last 10 minutes this page was open.` : 'Measuring…'));
  };
  const stopSamples = live.onSample(drawRates);
  drawRates(live.samples);

  const stopQueues = every(3000, async () => {
    const [dl, or] = await Promise.all([get('/v1/events/deadletters?limit=10000'), get('/v1/events/orphans?limit=10000')]);
    put(queues, h('h2', {}, 'Needs attention'), kv([
      ['dead letters', h('a', { href: '#/events?view=deadletters', id: 'deadletter-count' }, String(dl.dead_letters.length))],
      ['orphans', h('a', { href: '#/events?view=orphans', id: 'orphan-count' }, String(or.events.length))],
    ]));
  }, e => put(queues, h('h2', {}, 'Needs attention'), errorBox(e)));

  return () => { stopHealth(); stopSamples(); stopQueues(); };
}
