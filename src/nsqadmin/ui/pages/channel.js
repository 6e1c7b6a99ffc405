/**
 * Channel page (`/topics/:topic/:channel`): Go's Channel table (per node + total, delivery bar)
 * and Client Connections table, its Empty/Delete/Pause buttons, plus live numbers and charts.
 */

import { useState } from 'preact/hooks';
import { Charts, e2eLines, linesOf } from '../charts.js';
import {
  ActionButton,
  Alerts,
  Breadcrumb,
  DataTable,
  E2eCells,
  E2eHeaders,
  e2eQuantiles,
  Spinner,
} from '../components.js';
import { commafy, enc, html, IS_ADMIN, Link, nanotohuman, navigate, useData } from '../lib.js';

function clientHost(c) {
  const port = c.remote_address.slice(c.remote_address.lastIndexOf(':') + 1);
  const short = c.hostname.split('.')[0];
  const id = c.client_id !== c.hostname && c.client_id !== short ? ` (${c.client_id})` : '';
  return `${c.hostname}:${port}${id}`;
}

function Attributes({ c }) {
  const labels = [];
  if (c.sample_rate > 0) labels.push(html`<span class="label">Sampled ${c.sample_rate}%</span>`);
  if (c.tls)
    labels.push(
      html`<span class="label label-ok" title=${`${c.tls_version} ${c.tls_cipher_suite} ${c.tls_negotiated_protocol} mutual: ${c.tls_negotiated_protocol_is_mutual}`}>TLS</span>`,
    );
  if (c.deflate) labels.push(html`<span class="label">Deflate</span>`);
  if (c.snappy) labels.push(html`<span class="label">Snappy</span>`);
  if (c.authed)
    labels.push(
      html`<span class="label" title=${`Authed Identity: ${c.auth_identity}`}>${c.auth_identity_url ? html`<a href=${c.auth_identity_url}>👤</a>` : '👤'}</span>`,
    );
  if (c.topology_region) labels.push(html`<span class="label">${c.topology_region}</span>`);
  if (c.topology_zone) labels.push(html`<span class="label">${c.topology_zone}</span>`);
  return labels;
}

function Delivery({ ch }) {
  const total = ch.delivery_msg_count;
  if (!total) return null;
  const pct = (n) => ((100 * (n ?? 0)) / total).toFixed(2);
  return html`<div class="delivery" title=${`zone-local ${pct(ch.zone_local_msg_count)}% · region-local ${pct(ch.region_local_msg_count)}% · global ${pct(ch.global_msg_count)}%`}>
    <span class="bar zone" style=${`width:${pct(ch.zone_local_msg_count)}%`}></span><span class="bar region" style=${`width:${pct(ch.region_local_msg_count)}%`}></span><span class="bar global" style=${`width:${pct(ch.global_msg_count)}%`}></span>
  </div>`;
}

export function ChannelPage({ topic, channel }) {
  const path = `/topics/${enc(topic)}/${enc(channel)}`;
  const { data, error, loading, reload } = useData(`/api${path}`, `/ext/live${path}`, [topic, channel]);
  const [actionError, setActionError] = useState('');
  const crumb = html`<${Breadcrumb}><${Link} to="/">Streams</${Link}> › <${Link} to=${`/topics/${enc(topic)}`}>${topic}</${Link}> › <span>${channel}</span></${Breadcrumb}>`;
  if (loading) return html`${crumb}<${Spinner} />`;
  const nodes = data?.nodes ?? [];
  const q = e2eQuantiles(data?.e2e_processing_latency);
  const delivery = (data?.delivery_msg_count ?? 0) > 0;
  const act = (action, label, cls) =>
    html`<${ActionButton} label=${label} cls=${cls} test=${`${action}-channel`} confirm=${`Are you sure you want to ${action} ${topic}/${channel}?`}
      method=${action === 'delete' ? 'DELETE' : 'POST'} path=${`/api${path}`} body=${action === 'delete' ? undefined : { action }}
      after=${action === 'delete' ? () => navigate(`/topics/${enc(topic)}`) : reload} onError=${setActionError} />`;
  const row = (n, total) => html`<tr key=${n.node} class=${total ? 'total' : ''}>
    <td>${total ? 'Total:' : html`<${Link} to=${`/nodes/${n.node}`}>${n.hostname}:${n.node.slice(n.node.lastIndexOf(':') + 1)}</${Link}>`}${!total && n.paused ? html` <span class="label label-paused">paused</span>` : null}</td>
    <td class="num" data-test=${total ? 'channel-depth' : undefined}>${commafy(n.depth)}</td>
    <td class="num">${commafy(n.memory_depth)} + ${commafy(n.backend_depth)}</td>
    <td class="num" data-test=${total ? 'channel-inflight' : undefined}>${commafy(n.in_flight_count)}</td>
    <td class="num">${commafy(n.deferred_count)}</td>
    <td class="num">${commafy(n.requeue_count)}</td>
    <td class="num">${commafy(n.timeout_count)}</td>
    <td class="num" data-test=${total ? 'channel-messages' : undefined}>${commafy(n.message_count)}</td>
    <td class="num">${commafy(n.client_count)}</td>
    ${delivery ? html`<td><${Delivery} ch=${n} /></td>` : null}
    <${E2eCells} e2e=${n.e2e_processing_latency} quantiles=${q} />
  </tr>`;
  const key = `channel:${topic}/${channel}`;
  const one = (k) => (k === key ? channel : k);
  return html`
    ${crumb}
    <${Alerts} error=${error || actionError} message=${data?.message} />
    <h2>Topic: ${topic}</h2>
    <h2>Channel: <span data-test="channel-name">${channel}</span>${data?.paused ? html` <span class="label label-paused" data-test="paused">paused</span>` : null}</h2>
    ${
      IS_ADMIN && data
        ? html`<div class="actions">
          ${act('empty', 'Empty Queue', 'btn btn-warning')} ${act('delete', 'Delete Channel', 'btn btn-danger')}
          ${data.paused ? act('unpause', 'UnPause Channel', 'btn btn-success') : act('pause', 'Pause Channel', 'btn')}
        </div>`
        : null
    }
    ${
      nodes.length === 0
        ? html`<p class="notice">No producers exist for this topic/channel.</p>`
        : html`
        <h3>Channel</h3>
        <div class="table-wrap"><table class="table" data-test="channel-nodes">
          <thead><tr><th>NSQd Host</th><th class="num">Depth</th><th class="num">Memory + Disk</th><th class="num">In-Flight</th>
            <th class="num">Deferred</th><th class="num">Requeued</th><th class="num">Timed Out</th><th class="num">Messages</th>
            <th class="num">Connections</th>${delivery ? html`<th>Delivery</th>` : null}<${E2eHeaders} quantiles=${q} /></tr></thead>
          <tbody>${nodes.map((n) => row(n, false))}</tbody>
          <tfoot>${row(data, true)}</tfoot>
        </table></div>
        <${Charts} query=${`key=${enc(key)}`} build=${(s) => [
          { title: 'Messages/s', ...linesOf(s, [key], 'rate', one) },
          { title: 'Depth', ...linesOf(s, [key], 'depth', one) },
          { title: 'In-flight', ...linesOf(s, [key], 'in_flight', one) },
          { title: 'Deferred', ...linesOf(s, [key], 'deferred', one) },
          { title: 'Requeued/s', ...linesOf(s, [key], 'requeue_rate', one) },
          { title: 'Timed out/s', ...linesOf(s, [key], 'timeout_rate', one) },
          { title: 'E2E processing latency', unit: 'ms', ...e2eLines(s, key) },
        ]} />
        <h3>Client Connections</h3>
        <${DataTable}
          test="clients"
          rows=${data.clients ?? []}
          rowKey=${(c) => `${c.node}/${c.remote_address}`}
          filterKeys=${(c) => [c.hostname, c.client_id, c.user_agent, c.remote_address]}
          empty="No clients connected to this channel"
          columns=${[
            {
              key: 'host',
              label: 'Client Host',
              value: (c) => c.hostname,
              cell: (c) => html`<span title=${c.remote_address}>${clientHost(c)}</span>`,
            },
            { key: 'ua', label: 'User-Agent', value: (c) => c.user_agent, cell: (c) => c.user_agent },
            { key: 'attrs', label: 'Attributes', cell: (c) => html`<${Attributes} c=${c} />` },
            {
              key: 'node',
              label: 'NSQd Host',
              value: (c) => c.node,
              cell: (c) => html`<${Link} to=${`/nodes/${c.node}`}>${c.node}</${Link}>`,
            },
            {
              key: 'inflight',
              label: 'In-Flight',
              cls: 'num',
              value: (c) => c.in_flight_count,
              cell: (c) => commafy(c.in_flight_count),
            },
            {
              key: 'rdy',
              label: 'Ready Count',
              cls: 'num',
              value: (c) => c.ready_count,
              cell: (c) => commafy(c.ready_count),
            },
            {
              key: 'fin',
              label: 'Finished',
              cls: 'num',
              value: (c) => c.finish_count,
              cell: (c) => commafy(c.finish_count),
            },
            {
              key: 'req',
              label: 'Requeued',
              cls: 'num',
              value: (c) => c.requeue_count,
              cell: (c) => commafy(c.requeue_count),
            },
            {
              key: 'msgs',
              label: 'Messages',
              cls: 'num',
              value: (c) => c.message_count,
              cell: (c) => commafy(c.message_count),
            },
            {
              key: 'conn',
              label: 'Connected',
              cls: 'num',
              value: (c) => c.connected,
              cell: (c) => nanotohuman(c.connected),
            },
          ]}
        />
      `
    }
  `;
}
