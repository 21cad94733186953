// What every page shares while the console is open: the one live event stream
// (GET /v1/events/stream, read with the token) and a sampler of the daemon's counters for the
// overview's charts (the daemon keeps totals, not series: the series start when the page opens).

import { get, stream } from './api.js';

const listeners = new Set();
/** The latest events seen on the stream, oldest first (at most `keep`). */
export const recent = [];
const keep = 500;

/** Calls `fn(event)` for every event from now on; returns the function that stops it. */
export function subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); }

/** Samples: {t, published, failed, deadLettered, routed} every `period` ms, the last 10 minutes. */
export const samples = [];
const period = 2000;
const sampleListeners = new Set();
export function onSample(fn) { sampleListeners.add(fn); return () => sampleListeners.delete(fn); }

let started = false;

/** Starts the stream and the sampler (once). `onStatus(text, live)` reports the stream's state. */
export function start(onStatus) {
  if (started) return;
  started = true;
  const controller = new AbortController();
  stream('/v1/events/stream?heartbeat_ms=10000', event => {
    recent.push(event);
    if (recent.length > keep) recent.splice(0, recent.length - keep);
    for (const fn of listeners) {
      try { fn(event); } catch (e) { console.error(e); }
    }
  }, onStatus, controller.signal);
  sample();
}

async function sample() {
  try {
    const [bus, router] = await Promise.all([get('/v1/events/stats'), get('/v1/router/stats')]);
    samples.push({ t: Date.now(), published: bus.published, deadLettered: bus.dead_lettered, failed: router.failed, routed: router.routed, bus, router });
    if (samples.length > 300) samples.shift();
    for (const fn of sampleListeners) fn(samples);
  } catch (e) {
    for (const fn of sampleListeners) fn(samples, e);
  }
  setTimeout(sample, period);
}

/** Per-second rates between consecutive samples: [{t, events, errors}]. */
export function rates() {
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1], b = samples[i], dt = (b.t - a.t) / 1000;
    if (dt <= 0) continue;
    out.push({ t: b.t, events: Math.max(0, b.published - a.published) / dt,
      errors: Math.max(0, (b.failed - a.failed) + (b.deadLettered - a.deadLettered)) / dt,
      routed: Math.max(0, b.routed - a.routed) / dt });
  }
  return out;
}
