/** Helpers for the client library's tests: captured go-nsq log lines, polling waits, nsqd's view of its clients over HTTP. */

import type { TestBroker } from './broker.js';

/** a logger sink that keeps the lines, and waits for one */
export class LogLines {
  readonly lines: string[] = [];
  readonly sink = (l: string): void => {
    this.lines.push(l);
    if (process.env.NSQ_TEST_LOG) process.stderr.write(l);
  };

  count(pattern: RegExp): number {
    return this.lines.filter((l) => pattern.test(l)).length;
  }

  /** resolves with the first line matching `pattern` from index `from` on; rejects after timeoutMs */
  async wait(pattern: RegExp, timeoutMs = 5000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find((l) => pattern.test(l));
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`no log line matching ${pattern}:\n${this.lines.join('')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** polls `pred` every 10 ms until true; rejects after timeoutMs naming `what` */
export async function waitUntil(
  pred: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface ClientView {
  ready_count: number;
  in_flight_count: number;
  user_agent: string;
  client_id: string;
  hostname: string;
}

/** the clients nsqd lists on topic/channel in /stats (empty when the channel does not exist yet) */
export async function channelClients(b: TestBroker, topic: string, channel: string): Promise<ClientView[]> {
  const res = await fetch(
    `http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=${topic}&channel=${channel}`,
  );
  const body = (await res.json()) as {
    topics?: { topic_name: string; channels: { channel_name: string; clients: ClientView[] }[] }[];
  };
  const t = body.topics?.find((x) => x.topic_name === topic);
  return t?.channels.find((c) => c.channel_name === channel)?.clients ?? [];
}
