/**
 * Tail page (`/tail/:topic`): new messages of a topic as they arrive, through an ephemeral channel
 * the admin subscribes for this view only; closed when the view goes away.
 */

import { useEffect, useState } from 'preact/hooks';
import { Alerts, Breadcrumb } from '../components.js';
import { api, enc, html, Link, url } from '../lib.js';

const MAX_SHOWN = 200;

export function TailPage({ topic }) {
  const [session, setSession] = useState(null);
  const [messages, setMessages] = useState([]);
  const [errors, setErrors] = useState([]);
  const [error, setError] = useState('');
  const [running, setRunning] = useState(true);
  useEffect(() => {
    if (!running) return undefined;
    let stop = false;
    let id = null;
    let after = 0;
    let timer = 0;
    const close = () => {
      if (id !== null) navigator.sendBeacon(url(`/ext/tail/${id}/close`));
      id = null;
    };
    const poll = async () => {
      try {
        const r = await api('GET', `/ext/tail/${id}?after=${after}`);
        if (stop) return;
        if (r.messages.length > 0) {
          after = r.messages[r.messages.length - 1].seq;
          setMessages((m) => [...r.messages.reverse(), ...m].slice(0, MAX_SHOWN));
        }
        setErrors(r.errors);
      } catch (e) {
        if (!stop) setError(e.message);
        return;
      }
      if (!stop) timer = setTimeout(poll, 1000);
    };
    api('POST', `/ext/tail/${enc(topic)}`).then(
      (s) => {
        if (stop) {
          navigator.sendBeacon(url(`/ext/tail/${s.id}/close`));
          return;
        }
        id = s.id;
        setSession(s);
        poll();
      },
      (e) => setError(e.message),
    );
    window.addEventListener('pagehide', close);
    return () => {
      stop = true;
      clearTimeout(timer);
      window.removeEventListener('pagehide', close);
      close();
    };
  }, [topic, running]);
  return html`
    <${Breadcrumb}><${Link} to="/">Streams</${Link}> › <${Link} to=${`/topics/${enc(topic)}`}>${topic}</${Link}> › <span>tail</span></${Breadcrumb}>
    <${Alerts} error=${error} message=${errors.length > 0 ? errors.join('; ') : ''} />
    <h2>Tail: ${topic}</h2>
    <p class="muted">
      ${session ? html`Reading new messages on <code>${session.channel}</code> (${session.nodes.length} node${session.nodes.length === 1 ? '' : 's'}); no existing channel is touched, and the channel goes away with this view.` : 'Connecting…'}
    </p>
    <div class="actions">
      <button class="btn" data-test="tail-toggle" onClick=${() => setRunning(!running)}>${running ? 'Stop' : 'Start'}</button>
      <button class="btn" onClick=${() => setMessages([])}>Clear</button>
      <span class="muted">${messages.length} shown (newest first, at most ${MAX_SHOWN})</span>
    </div>
    <ol class="tail" data-test="tail">
      ${messages.map(
        (m) => html`<li key=${`${m.node}/${m.id}`}>
          <div class="tail-meta">${new Date(m.timestamp).toLocaleTimeString()} · ${m.node} · id ${m.id} · ${m.size} B${m.attempts > 1 ? ` · attempt ${m.attempts}` : ''}${m.binary ? ' · base64' : ''}${m.truncated ? ' · truncated' : ''}</div>
          <pre class="tail-body">${m.body}</pre>
        </li>`,
      )}
    </ol>
  `;
}
