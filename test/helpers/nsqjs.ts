/**
 * nsqjs (a real NSQ client from npm) for tests: a connected Writer, a Reader with the suite's short
 * heartbeat, publish as a promise, and collecting messages with a deadline. `opts` pass nsqjs
 * options through (authSecret, tls, snappy, deflate, ...).
 */

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
