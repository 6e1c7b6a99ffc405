/** Lookup page (inactive topics, create form), Counter page (Go's polling counter), Login page. */

import { useEffect, useRef, useState } from 'preact/hooks';
import { ActionButton, Alerts, Spinner } from '../components.js';
import { api, commafy, EXTRAS, html, IS_ADMIN, LOOKUPDS, navigate, url, useData } from '../lib.js';

export function LookupPage() {
  const { data, error, loading, reload } = useData('/api/topics?inactive=true', null);
  const [topic, setTopic] = useState('');
  const [channel, setChannel] = useState('');
  const [actionError, setActionError] = useState('');
  if (LOOKUPDS.length === 0) {
    return html`<h2>Lookup</h2><p class="notice">nsqadmin is not configured with nsqlookupd hosts</p>`;
  }
  if (loading) return html`<${Spinner} />`;
  const create = async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/api/topics', { topic, channel });
      setTopic('');
      setChannel('');
      reload();
    } catch (err) {
      setActionError(err.message);
    }
  };
  const inactive = Object.entries(data?.topics ?? {});
  return html`
    <${Alerts} error=${error || actionError} message=${data?.message} />
    <h2>Lookup</h2>
    <table class="table"><thead><tr><th>nsqlookupd Host</th></tr></thead><tbody>${LOOKUPDS.map((a) => html`<tr><td>${a}</td></tr>`)}</tbody></table>
    <p>Below is a tree of Topics/Channels that are currently inactive (i.e. not produced on any nsqd in the cluster but are present in the lookup data)</p>
    ${
      inactive.length === 0
        ? html`<p class="notice">No inactive Topics</p>`
        : html`<ul class="tree" data-test="inactive">${inactive.map(
            ([t, chans]) => html`<li>
            <${ActionButton} label="✘" cls="btn btn-tiny btn-danger" method="DELETE" path=${`/api/topics/${encodeURIComponent(t)}`} after=${reload} onError=${setActionError} />
            ${t}
            <ul>${(chans ?? []).map(
              (c) => html`<li><${ActionButton} label="✘" cls="btn btn-tiny btn-danger" method="DELETE"
                path=${`/api/topics/${encodeURIComponent(t)}/${encodeURIComponent(c)}`} after=${reload} onError=${setActionError} /> ${c}</li>`,
            )}</ul>
          </li>`,
          )}</ul>`
    }
    ${
      IS_ADMIN
        ? html`<form class="create-form" onSubmit=${create}>
          <h3>Create Topic/Channel</h3>
          <p class="muted">If Channel Name is empty, just the topic is created.</p>
          <input placeholder="Topic Name" aria-label="Topic Name" value=${topic} onInput=${(e) => setTopic(e.currentTarget.value)} />
          <input placeholder="Channel Name" aria-label="Channel Name" value=${channel} onInput=${(e) => setChannel(e.currentTarget.value)} />
          <button class="btn btn-success" type="submit">Create</button>
        </form>`
        : null
    }
  `;
}

/** Go's Counter: poll /api/counter with a delay growing from 100 ms by 1 s up to ~10 s */
export function CounterPage() {
  const [total, setTotal] = useState(null);
  const [shown, setShown] = useState(0);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const target = useRef(0);
  useEffect(() => {
    let stop = false;
    let timer = 0;
    let delay = 100;
    const poll = async () => {
      try {
        const r = await api('GET', '/api/counter');
        let sum = 0;
        for (const s of Object.values(r.stats ?? {})) sum += s.message_count;
        target.current = sum;
        setTotal(sum);
        setMessage(r.message);
        setError('');
        if (delay < 10_000) delay += 1000;
      } catch (e) {
        setError(e.message);
        delay = 10_000;
      }
      if (!stop) timer = setTimeout(poll, delay);
    };
    poll();
    const anim = setInterval(
      () =>
        setShown((v) =>
          v < target.current
            ? Math.min(target.current, v + Math.max(1, Math.ceil((target.current - v) / 30)))
            : target.current,
        ),
      1000 / 60,
    );
    return () => {
      stop = true;
      clearTimeout(timer);
      clearInterval(anim);
    };
  }, []);
  return html`<div class="counter-page">
    <${Alerts} error=${error} message=${message} />
    <div class="counter" data-test="counter">${total === null ? '…' : commafy(shown)}</div>
    <div class="counter-caption">Messages Processed</div>
  </div>`;
}

export function LoginPage() {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  if (!EXTRAS.login)
    return html`<p class="notice">The built-in login is off (start nsqadmin with --admin-users-file).</p>`;
  const submit = async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/ext/login', { user, password });
      location.href = url('/');
    } catch (err) {
      setError(err.message === 'INVALID_LOGIN' ? 'Wrong user name or password' : err.message);
    }
  };
  return html`<form class="login-form" onSubmit=${submit}>
    <h2>Log in</h2>
    <${Alerts} error=${error} />
    <label>User <input name="user" autocomplete="username" value=${user} onInput=${(e) => setUser(e.currentTarget.value)} /></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} /></label>
    <button class="btn btn-success" type="submit">Log in</button>
    <button class="btn" type="button" onClick=${() => navigate('/')}>Cancel</button>
  </form>`;
}
