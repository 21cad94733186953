// Talking to the daemon's REST API: every request carries the bearer token (asked for when the
// API answers 401, kept in this tab's sessionStorage, never in the page or the URL); errors keep
// the API's own text. The live stream is read with fetch() so it can carry the header too
// (EventSource cannot send one).

const KEY = 'lightning.console.token';
let token = sessionStorage.getItem(KEY);
let asking = null;

/** An API failure: `message` is what the API (or the network) said, verbatim. */
export class APIError extends Error {
  constructor(status, message, body) { super(message); this.status = status; this.body = body; }
}

/** Shows the token dialog with the API's 401 message; resolves once a token was entered. */
function askToken(message) {
  if (asking) return asking;
  const dialog = document.getElementById('auth');
  const input = document.getElementById('auth-token');
  document.getElementById('auth-msg').textContent = message;
  asking = new Promise(resolve => {
    const form = document.getElementById('auth-form');
    const done = event => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      token = value;
      sessionStorage.setItem(KEY, value);
      input.value = '';
      form.removeEventListener('submit', done);
      dialog.close();
      asking = null;
      resolve();
    };
    form.addEventListener('submit', done);
    dialog.addEventListener('cancel', e => e.preventDefault(), { once: true });
    if (!dialog.open) dialog.showModal();
    input.focus();
  });
  return asking;
}

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  if (token) h.Authorization = 'Bearer ' + token;
  return h;
}

/** `method path` with an optional JSON body (an object, or a string sent as is). Resolves to the
 * parsed answer (null for 204); rejects with an APIError naming the request and the answer. */
export async function api(method, path, body) {
  for (;;) {
    const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    let res;
    try { res = await fetch(path, init); } catch (e) {
      throw new APIError(0, `${method} ${path}: no answer from the daemon (${e.message})`);
    }
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: shown as text */ }
    if (res.status === 401) { await askToken(json?.error?.message ?? text); continue; }
    if (!res.ok) {
      const said = json?.error ? `${json.error.code}: ${json.error.message}` : text || res.statusText;
      throw new APIError(res.status, `${method} ${path}: HTTP ${res.status} ${said}`, json);
    }
    return json;
  }
}

export const get = path => api('GET', path);
export const post = (path, body) => api('POST', path, body ?? {});

/** Reads the server-sent events of `path` until `signal` aborts, calling `onEvent({id, type,
 * data})` per message and `onStatus(text, live)` when the connection changes; reconnects after
 * a failure (2 s, or the server's `retry`). */
export async function stream(path, onEvent, onStatus, signal) {
  let retry = 2000;
  while (!signal.aborted) {
    try {
      const res = await fetch(path, { headers: headers({ Accept: 'text/event-stream' }), signal });
      if (res.status === 401) {
        const text = await res.text();
        let msg = text; try { msg = JSON.parse(text).error.message; } catch { /* keep the text */ }
        onStatus('stream: needs a token', false);
        await askToken(msg);
        continue;
      }
      if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
      onStatus('stream: live', true);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const msg = { id: null, type: 'message', data: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const i = line.indexOf(':');
            const field = i < 0 ? line : line.slice(0, i);
            const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
            if (field === 'id') msg.id = value;
            else if (field === 'event') msg.type = value;
            else if (field === 'data') msg.data += value;
            else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
          }
          if (!msg.data) continue;
          try { onEvent(JSON.parse(msg.data)); } catch (e) { console.error('bad stream message', msg, e); }
        }
      }
      onStatus('stream: reconnecting', false);
    } catch (e) {
      if (signal.aborted) return;
      onStatus(`stream: down (${e.message}); retrying`, false);
    }
    await new Promise(r => setTimeout(r, retry));
  }
}
