/**
 * Topic page (`/topics/:topic`): Go's Topic Message Queue table (per node + total, tombstone per
 * node) and Channel Message Queues table, its Empty/Delete/Pause buttons, plus live numbers, charts
 * and the link to the tail view.
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
  e2eText,
  Spinner,
} from '../components.js';
import { commafy, enc, html, IS_ADMIN, Link, navigate, useData } from '../lib.js';

function NodeHost({ n }) {
  const port = n.node.slice(n.node.lastIndexOf(':') + 1);
  const host = `${n.hostname}:${port}`;
  const broadcast = n.node.slice(0, n.node.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  return n.hostname === broadcast
    ? html`<${Link} to=${`/nodes/${n.node}`}>${host}</${Link}>`
    : html`${host} (<${Link} to=${`/nodes/${n.node}`}>${n.node}</${Link}>)`;
}

export function TopicPage({ topic }) {
  const { data, error, loading, reload } = useData(
    `/api/topics/${enc(topic)}`,
    `/ext/live/topics/${enc(topic)}`,
    [topic],
  );
  const [actionError, setActionError] = useState('');
  const crumb = html`<${Breadcrumb}><${Link} to="/">Streams</${Link}> › <span>${topic}</span></${Breadcrumb}>`;
  if (loading) return html`${crumb}<${Spinner} />`;
  const onError = setActionError;
  const nodes = data?.nodes ?? [];
  const q = e2eQuantiles(data?.e2e_processing_latency);
  const channels = data?.channels ?? [];
  const actions = IS_ADMIN
    ? html`<div class="actions">
        <${ActionButton} label="Empty Queue" cls="btn btn-warning" test="empty-topic" confirm=${`Are you sure you want to empty ${topic}?`}
          method="POST" path=${`/api/topics/${enc(topic)}`} body=${{ action: 'empty' }} after=${reload} onError=${onError} />
        <${ActionButton} label="Delete Topic" cls="btn btn-danger" test="delete-topic" confirm=${`Are you sure you want to delete ${topic}?`}
          method="DELETE" path=${`/api/topics/${enc(topic)}`} after=${() => navigate('/')} onError=${onError} />
        ${
          data?.paused
            ? html`<${ActionButton} label="UnPause Topic" cls="btn btn-success" test="unpause-topic" confirm=${`Are you sure you want to unpause ${topic}?`}
              method="POST" path=${`/api/topics/${enc(topic)}`} body=${{ action: 'unpause' }} after=${reload} onError=${onError} />`
            : html`<${ActionButton} label="Pause Topic" cls="btn" test="pause-topic" confirm=${`Are you sure you want to pause ${topic}?`}
              method="POST" path=${`/api/topics/${enc(topic)}`} body=${{ action: 'pause' }} after=${reload} onError=${onError} />`
        }
        <${Link} class="btn" to=${`/tail/${enc(topic)}`}>Tail messages</${Link}>
      </div>`
    : null;
  const chKeys = channels.map((c) => `channel:${topic}/${c.channel_name}`);
  const query = `key=${enc(`topic:${topic}`)}&prefix=${enc(`channel:${topic}/`)}`;
  const chLabel = (k) => k.slice(`channel:${topic}/`.length);
  const allKeys = [`topic:${topic}`, ...chKeys];
  const label = (k) => (k.startsWith('topic:') ? `topic ${topic}` : chLabel(k));
  return html`
    ${crumb}
    <${Alerts} error=${error || actionError} message=${data?.message} />
    <h2>Topic: <span data-test="topic-name">${topic}</span>${data?.paused ? html` <span class="label label-paused" data-test="paused">paused</span>` : null}</h2>
    ${actions}
    ${
      nodes.length === 0
        ? html`<p class="notice">No producers exist for this topic. See <${Link} to="/lookup">Lookup</${Link}> for more information.</p>`
        : html`
        <h3>Topic Message Queue</h3>
        <div class="table-wrap"><table class="table" data-test="topic-nodes">
          <thead>
            <tr><th>NSQd Host</th><th class="num">Depth</th><th class="num">Memory + Disk</th><th class="num">Messages</th><th class="num">Channels</th>
              ${q.length > 0 ? html`<${E2eHeaders} quantiles=${q} />` : null}</tr>
          </thead>
          <tbody>
            ${nodes.map(
              (n) => html`<tr key=${n.node}>
                <td>
                  <${ActionButton} label="✘" cls="btn btn-tiny btn-danger" test=${`tombstone-${n.node}`}
                    confirm=${`Are you sure you want to tombstone ${n.node}?`} method="DELETE" path=${`/api/nodes/${n.node}`}
                    body=${{ topic }} after=${reload} onError=${onError} />
                  <${NodeHost} n=${n} />${n.paused ? html` <span class="label label-paused">paused</span>` : null}
                </td>
                <td class="num">${commafy(n.depth)}</td>
                <td class="num">${commafy(n.memory_depth)} + ${commafy(n.backend_depth)}</td>
                <td class="num">${commafy(n.message_count)}</td>
                <td class="num">${(n.channels ?? []).length}</td>
                <${E2eCells} e2e=${n.e2e_processing_latency} quantiles=${q} />
              </tr>`,
            )}
          </tbody>
          <tfoot><tr class="total">
            <td>Total:</td><td class="num" data-test="topic-depth">${commafy(data.depth)}</td>
            <td class="num">${commafy(data.memory_depth)} + ${commafy(data.backend_depth)}</td>
            <td class="num" data-test="topic-messages">${commafy(data.message_count)}</td><td class="num">${channels.length}</td>
            <${E2eCells} e2e=${data.e2e_processing_latency} quantiles=${q} />
          </tr></tfoot>
        </table></div>
        <${Charts} query=${query} build=${(s) => [
          { title: 'Messages/s', ...linesOf(s, allKeys, 'rate', label) },
          { title: 'Depth', ...linesOf(s, allKeys, 'depth', label) },
          { title: 'In-flight', ...linesOf(s, chKeys, 'in_flight', chLabel) },
          { title: 'Requeued/s', ...linesOf(s, chKeys, 'requeue_rate', chLabel) },
          { title: 'Timed out/s', ...linesOf(s, chKeys, 'timeout_rate', chLabel) },
          { title: 'E2E processing latency', unit: 'ms', ...e2eLines(s, `topic:${topic}`) },
        ]} />
        <h3>Channel Message Queues</h3>
        ${
          channels.length === 0
            ? html`<p class="notice">No channels exist for this topic. Messages will queue at the topic until a channel is created.</p>`
            : html`<${DataTable}
              test="channels"
              rows=${channels}
              rowKey=${(c) => c.channel_name}
              filterKeys=${(c) => [c.channel_name]}
              columns=${[
                {
                  key: 'name',
                  label: 'Channel',
                  value: (c) => c.channel_name,
                  cell: (c) =>
                    html`<${Link} to=${`/topics/${enc(topic)}/${enc(c.channel_name)}`}>${c.channel_name}</${Link}>${c.paused ? html` <span class="label label-paused">paused</span>` : null}`,
                },
                {
                  key: 'depth',
                  label: 'Depth',
                  cls: 'num',
                  value: (c) => c.depth,
                  cell: (c) => commafy(c.depth),
                },
                {
                  key: 'md',
                  label: 'Memory + Disk',
                  cls: 'num',
                  value: (c) => c.depth,
                  cell: (c) => `${commafy(c.memory_depth)} + ${commafy(c.backend_depth)}`,
                },
                {
                  key: 'inflight',
                  label: 'In-Flight',
                  cls: 'num',
                  value: (c) => c.in_flight_count,
                  cell: (c) => commafy(c.in_flight_count),
                },
                {
                  key: 'deferred',
                  label: 'Deferred',
                  cls: 'num',
                  value: (c) => c.deferred_count,
                  cell: (c) => commafy(c.deferred_count),
                },
                {
                  key: 'requeued',
                  label: 'Requeued',
                  cls: 'num',
                  value: (c) => c.requeue_count,
                  cell: (c) => commafy(c.requeue_count),
                },
                {
                  key: 'timedout',
                  label: 'Timed Out',
                  cls: 'num',
                  value: (c) => c.timeout_count,
                  cell: (c) => commafy(c.timeout_count),
                },
                {
                  key: 'messages',
                  label: 'Messages',
                  cls: 'num',
                  value: (c) => c.message_count,
                  cell: (c) => commafy(c.message_count),
                },
                {
                  key: 'conns',
                  label: 'Connections',
                  cls: 'num',
                  value: (c) => c.client_count,
                  cell: (c) => commafy(c.client_count),
                },
                ...q.map((qq) => ({
                  key: `e2e${qq}`,
                  label: `${Math.floor(qq * 100)}th e2e`,
                  cls: 'num',
                  cell: (c) => e2eText(c.e2e_processing_latency, qq),
                })),
              ]}
            />`
        }
      `
    }
  `;
}
