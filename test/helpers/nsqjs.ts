/**
 * nsqjs (a real NSQ client from npm) for tests: a connected Writer, a Reader with the suite's short
 * heartbeat, publish as a promise, collecting messages with a deadline, and the PUB + MPUB round trip
 * the suites start with. `opts` pass nsqjs options through (authSecret, tls, snappy, deflate, ...).
 */

import assert from 'node:assert/strict';
import nsq from 'nsqjs';

export type Writer = InstanceType<typeof nsq.Writer>;
export type Reader = InstanceType<typeof nsq.Reader>;

/** a Writer that is ready (IDENTIFY, and AUTH with opts.authSecret, done) */
export function writer(port: number, opts: Record<string, unknown> = {}): Promise<Writer> {
  return new Promise((resolve, reject) => {
    const w = new nsq.Writer('127.0.0.1', port, opts);
    w.once('ready', () => resolve(w));
    w.once('error', reject);
    w.connect();
  });
}

export function publish(w: Writer, topic: string, msgs: string | string[]): Promise<void> {
  return new Promise((resolve, reject) => w.publish(topic, msgs, (err) => (err ? reject(err) : resolve())));
}

/** a Reader not yet connected; its errors are logged only with NSQ_TEST_LOG */
export function reader(
  port: number,
  topic: string,
  channel: string,
  opts: Record<string, unknown> = {},
): Reader {
  const r = new nsq.Reader(topic, channel, {
    nsqdTCPAddresses: [`127.0.0.1:${port}`],
    maxInFlight: 10,
    heartbeatInterval: 1,
    ...opts,
  });
  r.on('error', (err: Error) => {
    if (process.env.NSQ_TEST_LOG) console.error('reader error', err);
  });
  return r;
}

/** collect `n` message bodies from a reader, finishing each; rejects after timeoutMs */
export function collect(r: Reader, n: number, timeoutMs = 5000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const got: string[] = [];
    const t = setTimeout(() => reject(new Error(`got ${got.length} of ${n} messages`)), timeoutMs);
    r.on('message', (m) => {
      got.push(m.body.toString());
      m.finish();
      if (got.length === n) {
        clearTimeout(t);
        resolve(got);
      }
    });
  });
}

/**
 * One PUB and one 10-message MPUB through a Writer (`writerOpts`), consumed by a Reader on `channel`
 * (`readerOpts`): asserts the Reader gets all 11 bodies.
 */
export async function pubMpubRoundTrip(
  port: number,
  topic: string,
  channel: string,
  writerOpts: Record<string, unknown> = {},
  readerOpts: Record<string, unknown> = {},
): Promise<void> {
  const batch = Array.from({ length: 10 }, (_, i) => `batch-${i}`);
  const w = await writer(port, writerOpts);
  const r = reader(port, topic, channel, readerOpts);
  try {
    const done = collect(r, 1 + batch.length);
    r.connect();
    await publish(w, topic, 'single');
    await publish(w, topic, batch);
    assert.deepEqual((await done).sort(), ['single', ...batch].sort());
  } finally {
    r.close();
    w.close();
  }
}
