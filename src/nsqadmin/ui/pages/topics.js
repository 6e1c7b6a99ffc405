/** Topics page (`/`, `/topics`): Go's topic list, plus live depth, messages and rate per topic. */

import { Alerts, DataTable, Spinner } from '../components.js';
import { commafy, html, LIVE_MS, Link, rate, useData } from '../lib.js';

export function TopicsPage() {
  const { data, error, loading } = useData('/api/topics', null);
  const live = useData(LIVE_MS > 0 ? '/ext/live/topics' : null, '/ext/live/topics');
  if (loading) return html`<${Spinner} />`;
  const byName = new Map((live.data?.topics ?? []).map((t) => [t.topic_name, t]));
  const rows = (data?.topics ?? []).map((name) => ({ name, live: byName.get(name) }));
  const n = (r, k) => r.live?.[k] ?? -1;
  return html`
    <${Alerts} error=${error} message=${data?.message} />
    <h2>Topics</h2>
    ${
      rows.length === 0 && !error
        ? html`<p class="notice">No Topics Found</p>`
        : html`<${DataTable}
          test="topics"
          rows=${rows}
          rowKey=${(r) => r.name}
          filterKeys=${(r) => [r.name]}
          columns=${[
            {
              key: 'name',
              label: 'Topic',
              value: (r) => r.name,
              cell: (r) =>
                html`<${Link} to=${`/topics/${encodeURIComponent(r.name)}`}>${r.name}</${Link}>${r.live?.paused ? html` <span class="label label-paused">paused</span>` : null}`,
            },
            {
              key: 'depth',
              label: 'Depth',
              cls: 'num',
              value: (r) => n(r, 'depth'),
              cell: (r) => (r.live ? commafy(r.live.depth) : ''),
            },
            {
              key: 'messages',
              label: 'Messages',
              cls: 'num',
              value: (r) => n(r, 'message_count'),
              cell: (r) => (r.live ? commafy(r.live.message_count) : ''),
            },
            {
              key: 'rate',
              label: 'Msgs/s',
              cls: 'num',
              value: (r) => r.live?.rate ?? -1,
              cell: (r) => (r.live ? rate(r.live.rate) : ''),
            },
            {
              key: 'channels',
              label: 'Channels',
              cls: 'num',
              value: (r) => n(r, 'channel_count'),
              cell: (r) => (r.live ? r.live.channel_count : ''),
            },
          ]}
        />`
    }
  `;
}
