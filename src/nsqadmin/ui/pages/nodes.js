/** Nodes page (`/nodes`) and Node page (`/nodes/:node`), Go's tables plus live numbers and charts. */

import { useState } from 'preact/hooks';
import { Charts, linesOf } from '../charts.js';
import { ActionButton, Alerts, Breadcrumb, DataTable, Spinner } from '../components.js';
import { commafy, enc, html, Link, LOOKUPDS, nanotohuman, useData } from '../lib.js';

const addr = (n) =>
  `${n.broadcast_address.includes(':') ? `[${n.broadcast_address}]` : n.broadcast_address}:${n.http_port}`;

function LookupdConns({ n }) {
  const [open, setOpen] = useState(false);
  const list = n.remote_addresses ?? [];
  return html`<button class=${`btn btn-tiny ${list.length !== LOOKUPDS.length ? 'btn-warning' : ''}`} onClick=${() => setOpen(!open)}>${list.length}</button>
    ${open ? html`<ul class="plain">${list.map((a) => html`<li>${a}</li>`)}</ul>` : null}`;
}

export function NodesPage() {
  const { data, error, loading } = useData('/api/nodes', null);
  if (loading) return html`<${Spinner} />`;
  const nodes = data?.nodes ?? [];
  return html`
    <${Alerts} error=${error} message=${data?.message} />
    <h2>NSQd Nodes (${nodes.length})</h2>
    <${DataTable}
      test="nodes"
      rows=${nodes}
      rowKey=${(n) => `${n.broadcast_address}:${n.tcp_port}`}
      rowClass=${(n) => (n.out_of_date ? 'warning' : '')}
      filterKeys=${(n) => [n.hostname, n.broadcast_address, n.version, ...(n.topics ?? []).map((t) => t.topic)]}
      columns=${[
        { key: 'host', label: 'Hostname', value: (n) => n.hostname, cell: (n) => n.hostname },
        {
          key: 'addr',
          label: 'Broadcast Address',
          value: (n) => n.broadcast_address,
          cell: (n) => html`<${Link} to=${`/nodes/${addr(n)}`}>${n.broadcast_address}</${Link}>`,
        },
        { key: 'tcp', label: 'TCP Port', cls: 'num', value: (n) => n.tcp_port, cell: (n) => n.tcp_port },
        { key: 'http', label: 'HTTP Port', cls: 'num', value: (n) => n.http_port, cell: (n) => n.http_port },
        { key: 'version', label: 'Version', value: (n) => n.version, cell: (n) => n.version },
        {
          key: 'region',
          label: 'Region',
          value: (n) => n.topology_region ?? '',
          cell: (n) => n.topology_region ?? '',
        },
        {
          key: 'zone',
          label: 'Zone',
          value: (n) => n.topology_zone ?? '',
          cell: (n) => n.topology_zone ?? '',
        },
        ...(LOOKUPDS.length > 0
          ? [{ key: 'conns', label: 'Lookupd Conns.', cell: (n) => html`<${LookupdConns} n=${n} />` }]
          : []),
        {
          key: 'topics',
          label: 'Topics',
          value: (n) => (n.topics ?? []).length,
          cell: (n) =>
            html`<span class="badge">${(n.topics ?? []).length}</span> ${(n.topics ?? []).map(
              (t) =>
                html`<${Link} class=${`label ${t.tombstoned ? 'label-warning' : ''}`} title=${t.tombstoned ? 'this topic is currently tombstoned on this node' : ''} to=${`/topics/${enc(t.topic)}`}>${t.topic}</${Link}> `,
            )}`,
        },
      ]}
    />
  `;
}

export function NodePage({ node }) {
  const { data, error, loading, reload } = useData(`/api/nodes/${node}`, `/ext/live/nodes/${node}`, [node]);
  const [actionError, setActionError] = useState('');
  const crumb = html`<${Breadcrumb}><${Link} to="/nodes">Nodes</${Link}> › <span>${node}</span></${Breadcrumb}>`;
  if (loading) return html`${crumb}<${Spinner} />`;
  const topics = data?.topics ?? [];
  const key = `node:${node}`;
  const one = () => node;
  return html`
    ${crumb}
    <${Alerts} error=${error || actionError} message=${data?.message} />
    <h2>Node: ${node}</h2>
    ${
      data
        ? html`<p><strong>${topics.length}</strong> Topics, <strong data-test="node-messages">${commafy(data.total_messages)}</strong> Messages, <strong>${commafy(data.total_clients)}</strong> Clients</p>`
        : null
    }
    <${Charts} query=${`key=${enc(key)}`} build=${(s) => [
      { title: 'Messages/s', ...linesOf(s, [key], 'rate', one) },
      { title: 'Depth', ...linesOf(s, [key], 'depth', one) },
      { title: 'In-flight', ...linesOf(s, [key], 'in_flight', one) },
      { title: 'Clients', ...linesOf(s, [key], 'clients', one) },
    ]} />
    ${data && topics.length === 0 ? html`<p class="notice">No topics exist on this node.</p>` : null}
    ${topics.map(
      (t) => html`<section class="node-topic" key=${t.topic_name}>
        <h3>
          <${ActionButton} label="✘" cls="btn btn-tiny btn-danger" confirm=${`Are you sure you want to tombstone ${t.topic_name}?`}
            method="DELETE" path=${`/api/nodes/${node}`} body=${{ topic: t.topic_name }} after=${reload} onError=${setActionError} />
          <${Link} to=${`/topics/${enc(t.topic_name)}`}>${t.topic_name}</${Link}>${t.paused ? html` <span class="label label-paused">paused</span>` : null}
          <small> depth ${commafy(t.depth)} · memory + disk ${commafy(t.memory_depth)} + ${commafy(t.backend_depth)} · messages ${commafy(t.message_count)} · channels ${(t.channels ?? []).length}</small>
        </h3>
        ${
          (t.channels ?? []).length === 0
            ? html`<p class="notice">No channels</p>`
            : html`<div class="table-wrap"><table class="table">
              <thead><tr><th>Channel</th><th class="num">Depth</th><th class="num">Memory + Disk</th><th class="num">In-Flight</th><th class="num">Deferred</th>
                <th class="num">Requeued</th><th class="num">Timed Out</th><th class="num">Messages</th><th class="num">Connections</th></tr></thead>
              <tbody>${(t.channels ?? []).map(
                (c) => html`<tr key=${c.channel_name}>
                  <td><${Link} to=${`/topics/${enc(t.topic_name)}/${enc(c.channel_name)}`}>${c.channel_name}</${Link}>${c.paused ? html` <span class="label label-paused">paused</span>` : null}</td>
                  <td class="num">${commafy(c.depth)}</td><td class="num">${commafy(c.memory_depth)} + ${commafy(c.backend_depth)}</td>
                  <td class="num">${commafy(c.in_flight_count)}</td><td class="num">${commafy(c.deferred_count)}</td>
                  <td class="num">${commafy(c.requeue_count)}</td><td class="num">${commafy(c.timeout_count)}</td>
                  <td class="num">${commafy(c.message_count)}</td><td class="num">${commafy(c.client_count)}</td>
                </tr>
                ${
                  (c.clients ?? []).length > 0
                    ? html`<tr><td colspan="9"><table class="table table-inner">
                      <thead><tr><th>Client Host</th><th>User-Agent</th><th class="num">In-Flight</th><th class="num">Ready Count</th><th class="num">Requeued</th><th class="num">Finished</th><th class="num">Messages</th><th class="num">Connected</th></tr></thead>
                      <tbody>${c.clients.map(
                        (
                          cl,
                        ) => html`<tr><td title=${cl.remote_address}>${cl.hostname}</td><td>${cl.user_agent}</td><td class="num">${commafy(cl.in_flight_count)}</td>
                          <td class="num">${commafy(cl.ready_count)}</td><td class="num">${commafy(cl.requeue_count)}</td><td class="num">${commafy(cl.finish_count)}</td>
                          <td class="num">${commafy(cl.message_count)}</td><td class="num">${nanotohuman(cl.connected)}</td></tr>`,
                      )}</tbody></table></td></tr>`
                    : null
                }`,
              )}</tbody>
            </table></div>`
        }
      </section>`,
    )}
  `;
}
