/**
 * The nsqadmin UI's entry: the header (Streams, Nodes, Counter, Lookup, login), the client-side
 * router over Go nsqadmin's page paths (plus /tail/:topic and /login) under BASE_PATH, and the
 * confirm dialog host. Pages live in pages/.
 */

import { render } from 'preact';
import './style.css';
import { ConfirmHost } from './components.js';
import { api, EXTRAS, html, IS_ADMIN, Link, url, useLocation, VERSION } from './lib.js';
import { ChannelPage } from './pages/channel.js';
import { CounterPage, LoginPage, LookupPage } from './pages/misc.js';
import { NodePage, NodesPage } from './pages/nodes.js';
import { TailPage } from './pages/tail.js';
import { TopicPage } from './pages/topic.js';
import { TopicsPage } from './pages/topics.js';

const dec = decodeURIComponent;

function route(path) {
  const seg = path.split('/').filter((s) => s !== '');
  if (seg.length === 0 || (seg[0] === 'topics' && seg.length === 1))
    return ['streams', html`<${TopicsPage} />`];
  if (seg[0] === 'topics' && seg.length === 2)
    return ['streams', html`<${TopicPage} topic=${dec(seg[1])} />`];
  if (seg[0] === 'topics' && seg.length === 3)
    return ['streams', html`<${ChannelPage} topic=${dec(seg[1])} channel=${dec(seg[2])} />`];
  if (seg[0] === 'tail' && seg.length === 2) return ['streams', html`<${TailPage} topic=${dec(seg[1])} />`];
  if (seg[0] === 'nodes' && seg.length === 1) return ['nodes', html`<${NodesPage} />`];
  if (seg[0] === 'nodes' && seg.length === 2) return ['nodes', html`<${NodePage} node=${dec(seg[1])} />`];
  if (seg[0] === 'counter') return ['counter', html`<${CounterPage} />`];
  if (seg[0] === 'lookup') return ['lookup', html`<${LookupPage} />`];
  if (seg[0] === 'login') return ['login', html`<${LoginPage} />`];
  return ['', html`<p class="notice">Not found</p>`];
}

function Header({ active }) {
  const nav = (key, to, label) =>
    html`<li class=${active === key ? 'active' : ''}><${Link} to=${to}>${label}</${Link}></li>`;
  const logout = async () => {
    await api('POST', '/ext/logout').catch(() => {});
    location.href = url('/');
  };
  return html`<header class="navbar">
    <${Link} class="brand" to="/">NSQ</${Link}>
    <ul class="nav">
      ${nav('streams', '/', 'Streams')} ${nav('nodes', '/nodes', 'Nodes')} ${nav('counter', '/counter', 'Counter')}
      ${nav('lookup', '/lookup', 'Lookup')}
    </ul>
    <ul class="nav nav-right">
      ${
        EXTRAS.login
          ? EXTRAS.user
            ? html`<li><span class="muted">${EXTRAS.user}</span> <button class="btn btn-tiny" onClick=${logout}>Log out</button></li>`
            : html`<li>${nav('login', '/login', 'Log in')}</li>`
          : null
      }
      ${IS_ADMIN ? null : html`<li><span class="label" title="actions need an admin">read-only</span></li>`}
      <li><a href="https://nsq.io/">Documentation</a></li>
      <li><span class="label">v${VERSION}</span></li>
    </ul>
  </header>`;
}

function App() {
  const path = useLocation();
  const [active, page] = route(path);
  return html`<${Header} active=${active} /><main class=${active === 'counter' ? 'container dark' : 'container'} key=${path}>${page}</main><${ConfirmHost} />`;
}

render(html`<${App} />`, document.getElementById('container'));
