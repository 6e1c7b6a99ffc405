/**
 * Go nsq's http_api.Client.GETV1 for the tools that poll HTTP (nsq_stat, nsq_to_file's topic
 * discovery): GET with `Accept: application/vnd.nsq; version=1.0`, a connect timeout and a whole-request
 * timeout, keep-alive; 200 → the parsed JSON body; anything else an Error whose message is Go's text
 * (`got response 404 Not Found "..."`, `Get "<url>": dial tcp <addr>: connect: connection refused`,
 * `Get "<url>": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`).
 */

import { Agent, get, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { goQuote } from '../../go/quote.js';

/** bodies larger than this are an error rather than held in memory */
const MAX_BODY = 64 << 20;

const NET_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  ECONNRESET: 'read: connection reset by peer',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
};

export class GetV1Client {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 100 });

  /** timeouts in ms, both > 0 */
  constructor(
    private readonly connectTimeout: number,
    private readonly requestTimeout: number,
  ) {}

  close(): void {
    this.agent.destroy();
  }

  /** GETV1(endpoint): resolves with the JSON value, rejects with Go's error text */
  getV1(endpoint: string): Promise<unknown> {
    const url = new URL(endpoint);
    const hostPort = `${url.hostname}:${url.port || '80'}`;
    const prefix = `Get ${goQuote(endpoint)}: `;
    return new Promise((resolve, reject) => {
      let done = false;
      let gotHeaders = false;
      const fail = (text: string): void => {
        if (done) return;
        done = true;
        clearTimeout(total);
        req.destroy();
        reject(new Error(text));
      };
      const total = setTimeout(
        () =>
          fail(
            `${prefix}context deadline exceeded (Client.Timeout ${
              gotHeaders ? 'or context cancellation while reading body' : 'exceeded while awaiting headers'
            })`,
          ),
        this.requestTimeout,
      );
      const req = get(
        url,
        { agent: this.agent, headers: { Accept: 'application/vnd.nsq; version=1.0' } },
        (res) => {
          gotHeaders = true;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY) fail(`${prefix}response body larger than ${MAX_BODY} bytes`);
            else chunks.push(c);
          });
          res.on('error', (err) => fail(`${prefix}${err.message}`));
          res.on('end', () => {
            if (done) return;
            done = true;
            clearTimeout(total);
            const body = Buffer.concat(chunks);
            const status = res.statusCode ?? 0;
            if (status !== 200) {
              reject(new Error(`got response ${status} ${STATUS_CODES[status] ?? ''} ${goQuote(body)}`));
              return;
            }
            try {
              resolve(JSON.parse(body.toString('utf8')));
            } catch (err) {
              reject(new Error(jsonErrorText(body, err)));
            }
          });
        },
      );
      req.on('socket', (s: Socket) => {
        if (!s.connecting) return;
        const t = setTimeout(() => fail(`${prefix}dial tcp ${hostPort}: i/o timeout`), this.connectTimeout);
        s.once('connect', () => clearTimeout(t));
        s.once('close', () => clearTimeout(t));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const text = NET_TEXT[err.code ?? ''];
        if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN')
          fail(`${prefix}dial tcp: lookup ${url.hostname}: no such host`);
        else if (text !== undefined) fail(`${prefix}dial tcp ${hostPort}: ${text}`);
        else fail(`${prefix}${err.message}`);
      });
    });
  }
}

/** encoding/json's texts for the common failures; Node's message otherwise */
function jsonErrorText(body: Buffer, err: unknown): string {
  if (body.length === 0) return 'unexpected end of JSON input';
  const c = String.fromCharCode(body[0]!);
  if (!/[[{"\-0-9tfn \t\r\n]/.test(c))
    return `invalid character ${goQuoteRune(c)} looking for beginning of value`;
  return err instanceof Error ? err.message : String(err);
}

function goQuoteRune(c: string): string {
  return c === "'" ? "'\\''" : `'${c}'`;
}
