/**
 * nsqjs (a real NSQ client from npm) as the integration tests drive it: a connected Writer, a
 * publish as a promise, a Reader with test-friendly defaults, and collecting n messages. `opts`
 * passes nsqjs's own options (tls, snappy, deflate, ca, cert, key, ...) through unchanged.
 */

import nsq from 'nsqjs';

export function writer(
  port: number,
  opts: Record<string, unknown> = {},
): Promise<InstanceType<typeof nsq.Writer>> {
  return new Promise((resolve, reject) => {
    const w = new nsq.Writer('127.0.0.1', port, opts);
    w.once('ready', () => resolve(w));
    w.once('error', reject);
    w.connect();
  });
}

export function publish(
  w: InstanceType<typeof nsq.Writer>,
  topic: string,
  msgs: string | string[],
): Promise<void> {
  return new Promise((resolve, reject) => w.publish(topic, msgs, (err) => (err ? reject(err) : resolve())));
}

export function reader(port: number, topic: string, channel: string, opts: Record<string, unknown> = {}) {
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
export function collect(r: InstanceType<typeof nsq.Reader>, n: number, timeoutMs = 5000): Promise<string[]> {
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
