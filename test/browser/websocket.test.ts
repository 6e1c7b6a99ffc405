/**
 * The README's browser example for --websocket-path (nsqio/nsq #450), run as written in headless
 * Chromium against our nsqd on each HTTP server: the page subscribes, publishes, receives its own
 * message and FINs it, and nsqd's /stats agrees (one message in, one finished, none in flight). The
 * block is read from README.md, so the example cannot drift from what works.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';
import { loadUws } from '../../src/http/server.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { eventually } from '../helpers/cluster.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

/** the ```js block after the `websocket-example` marker */
function readmeExample(): string {
  const text = readFileSync(README, 'utf8');
  const m = /<!-- websocket-example[^>]*-->\n```js\n([\s\S]*?)\n```/.exec(text);
  if (m === null) throw new Error('README.md has no websocket-example block');
  return m[1]!;
}

let browser: Browser;
before(async () => {
  browser = await puppeteer.launch({
    args: chromium.args,
    executablePath: await chromium.executablePath(),
    headless: true,
  });
});
after(() => browser?.close());

for (const httpServer of ['node', 'uws'] as const) {
  describe(
    `the README WebSocket example in Chromium (--http-server=${httpServer})`,
    {
      skip: httpServer === 'uws' && loadUws().mod === null,
    },
    () => {
      let b: TestBroker;
      before(async () => {
        b = await startBroker({ workers: 1, httpServer, websocketPath: '/ws' });
      });
      after(() => b.close());

      test('subscribes, publishes, receives its message and FINs it', async () => {
        const page = await browser.newPage();
        const logs: string[] = [];
        const errors: string[] = [];
        page.on('console', (m) => logs.push(m.text()));
        page.on('pageerror', (e) => errors.push((e as Error).message));
        await page.goto('about:blank');
        const code = readmeExample().replace('127.0.0.1:4151', `127.0.0.1:${b.broker.httpPort}`);
        await page.evaluate(code);
        await eventually('the message in the page', async () =>
          logs.includes('message hello from a browser') ? true : undefined,
        );
        assert.deepEqual(errors, []);
        assert.ok(!logs.some((l) => l.startsWith('error')), logs.join('\n'));
        const stats = (await (
          await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=orders`)
        ).json()) as {
          topics: {
            message_count: number;
            channels: {
              channel_name: string;
              in_flight_count: number;
              clients: { finish_count: number }[];
            }[];
          }[];
        };
        const t = stats.topics[0]!;
        assert.equal(t.message_count, 1);
        assert.deepEqual(
          t.channels.map((c) => c.channel_name),
          ['web#ephemeral'],
        );
        await eventually('FIN seen', async () => {
          const s = (await (
            await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=orders`)
          ).json()) as typeof stats;
          const c = s.topics[0]!.channels[0]!;
          return c.in_flight_count === 0 && c.clients[0]?.finish_count === 1 ? true : undefined;
        });
        await page.close();
      });
    },
  );
}
