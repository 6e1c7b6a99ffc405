/**
 * nsqlookupd's TCP protocol V1 from the client's side, no I/O: the magic, commands as go-nsq's
 * Command writes them (the V2 command layout: wire/encode.ts) with their log text
 * (Command.String), and a resumable reader of the `[i32 size][data]` responses, bounded as nsqd's
 * readResponseBounded is (by --max-body-size).
 */

import { encodeCommand } from '../../wire/encode.js';

export const MAGIC_V1 = Buffer.from('  V1', 'latin1');

/** one command to a lookupd: its bytes and its text for the log */
export interface V1Command {
  readonly bytes: Buffer;
  /** go-nsq's Command.String(): the name, then the params joined by spaces (never the body) */
  readonly text: string;
}

export function v1Command(name: string, params: readonly string[], body?: Buffer): V1Command {
  const text = params.length > 0 ? `${name} ${params.join(' ')}` : name;
  return { bytes: encodeCommand(text, body), text };
}

/** go-nsq's Register/UnRegister: the channel is left out when empty */
export function registerCommand(verb: 'REGISTER' | 'UNREGISTER', topic: string, channel: string): V1Command {
  return v1Command(verb, channel === '' ? [topic] : [topic, channel]);
}

export const PING = v1Command('PING', []);

/**
 * Cuts `[i32 size][data]` responses out of the chunks a socket delivers, in any split. A size over
 * `limit` (or negative) is an error, as nsqd's readResponseBounded's; nothing past it is buffered.
 */
export class V1ResponseReader {
  private readonly limit: number;
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** the next whole response, null while it is incomplete; throws on a size over the limit */
  next(): Buffer | null {
    if (this.buffered < 4) return null;
    const head = this.peek(4);
    const size = head.readInt32BE(0);
    if (size < 0 || size > this.limit) {
      throw new Error(`response body size (${size}) is greater than limit (${this.limit})`);
    }
    if (this.buffered < 4 + size) return null;
    const all = this.peek(4 + size);
    this.consume(4 + size);
    return all.subarray(4, 4 + size);
  }

  /** the first `n` buffered bytes as one buffer (joins chunks only when they straddle) */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    const joined = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined;
  }

  private consume(n: number): void {
    const first = this.chunks[0]!;
    this.buffered -= n;
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
  }
}
