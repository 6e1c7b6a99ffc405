/**
 * The nsqlookupd V1 wire format, no I/O: a resumable parser fed arbitrary chunks — the 4-byte magic,
 * then `\n`-terminated command lines (Go's strings.TrimSpace, then split on single spaces) and, when
 * the handler asks for one (IDENTIFY), a `[int32 size][body]` — zero-copy when a line or body lies in
 * one chunk, one bounded copy when it straddles; and the V1 response framing `[int32 size][data]`
 * (no frame type: errors are told apart by their `E_` text). Every buffer is bounded: a line longer
 * than `maxLine` and a body over `maxBody` are reported before anything is buffered past them.
 */

/** the V1 magic */
export const MAGIC_V1 = '  V1';

/** What the parser reports; the handler may call parser.stop() from any of these. */
export interface V1Events {
  /** the first 4 bytes (latin1) */
  magic(magic: string): void;
  /** a trimmed, split command line (latin1: bytes kept as they came); true = a body follows */
  line(params: string[]): boolean;
  /** the body announced after a line that asked for one */
  body(body: Buffer): void;
  /** a body size < 0 or > maxBody (nothing of the body is read) */
  badBodySize(size: number): void;
  /** a line longer than maxLine bytes without its `\n` */
  lineTooLong(): void;
  /** the input ended inside a body: 'size' (before its 4 size bytes were complete) or 'body' */
  bodyEof(at: 'size' | 'body'): void;
}

const S_MAGIC = 0;
const S_LINE = 1;
const S_SIZE = 2;
const S_BODY = 3;
const S_DONE = 4;

export class V1Parser {
  private readonly ev: V1Events;
  private readonly maxLine: number;
  private readonly maxBody: number;
  private state = S_MAGIC;
  /** a straddling magic, line, size or body: the bytes so far (bounded by maxLine / maxBody + 4) */
  private pending: Buffer | null = null;
  private pendingLen = 0;
  /** the body being read: its size */
  private bodySize = 0;

  constructor(ev: V1Events, maxLine: number, maxBody: number) {
    this.ev = ev;
    this.maxLine = maxLine;
    this.maxBody = maxBody;
  }

  /** no more events: the connection is closing */
  stop(): void {
    this.state = S_DONE;
    this.pending = null;
  }

  get stopped(): boolean {
    return this.state === S_DONE;
  }

  /** the input ended (FIN): a body cut short is reported; a partial line or magic is dropped, as Go's reader does */
  end(): void {
    if (this.state === S_SIZE) this.ev.bodyEof('size');
    else if (this.state === S_BODY) this.ev.bodyEof('body');
    this.stop();
  }

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && this.state !== S_DONE) {
      switch (this.state) {
        case S_MAGIC:
          i = this.fixed(chunk, i, 4, (b) => {
            this.state = S_LINE;
            this.ev.magic(b.toString('latin1'));
          });
          break;
        case S_LINE:
          i = this.line(chunk, i);
          break;
        case S_SIZE:
          i = this.fixed(chunk, i, 4, (b) => this.size(b.readInt32BE(0)));
          break;
        case S_BODY:
          i = this.fixed(chunk, i, this.bodySize, (b) => {
            this.state = S_LINE;
            this.ev.body(b);
          });
          break;
      }
    }
  }

  private size(n: number): void {
    if (n < 0 || n > this.maxBody) {
      this.ev.badBodySize(n);
      this.stop();
      return;
    }
    this.bodySize = n;
    this.state = S_BODY;
    if (n === 0) {
      this.state = S_LINE;
      this.ev.body(Buffer.alloc(0));
    }
  }

  /** reads `n` bytes (a view when they lie in this chunk), then `done`; returns the new offset */
  private fixed(chunk: Buffer, i: number, n: number, done: (b: Buffer) => void): number {
    if (this.pending === null && chunk.length - i >= n) {
      done(chunk.subarray(i, i + n));
      return i + n;
    }
    if (this.pending === null) {
      this.pending = Buffer.allocUnsafe(n);
      this.pendingLen = 0;
    }
    const take = Math.min(n - this.pendingLen, chunk.length - i);
    chunk.copy(this.pending, this.pendingLen, i, i + take);
    this.pendingLen += take;
    if (this.pendingLen === n) {
      const b = this.pending;
      this.pending = null;
      done(b);
    }
    return i + take;
  }

  private line(chunk: Buffer, i: number): number {
    const nl = chunk.indexOf(0x0a, i);
    const have = this.pending === null ? 0 : this.pendingLen;
    const len = (nl === -1 ? chunk.length : nl) - i;
    if (have + len > this.maxLine) {
      this.ev.lineTooLong();
      this.stop();
      return chunk.length;
    }
    if (nl === -1) {
      if (this.pending === null) {
        this.pending = Buffer.allocUnsafe(this.maxLine);
        this.pendingLen = 0;
      }
      chunk.copy(this.pending, this.pendingLen, i);
      this.pendingLen += len;
      return chunk.length;
    }
    let line: Buffer;
    if (this.pending === null) {
      line = chunk.subarray(i, nl);
    } else {
      chunk.copy(this.pending, this.pendingLen, i, nl);
      line = this.pending.subarray(0, this.pendingLen + len);
      this.pending = null;
    }
    const wantsBody = this.ev.line(splitParams(line));
    if (wantsBody && this.state === S_LINE) this.state = S_SIZE;
    return nl + 1;
  }
}

/** length of the Unicode white-space rune (Go's unicode.IsSpace) starting at b[i], 0 if none */
function spaceAt(b: Buffer, i: number, end: number): number {
  const c = b[i]!;
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return 1;
  if (c === 0xc2 && i + 1 < end && (b[i + 1] === 0x85 || b[i + 1] === 0xa0)) return 2;
  if (i + 2 >= end || (c !== 0xe1 && c !== 0xe2 && c !== 0xe3)) return 0;
  const c1 = b[i + 1]!;
  const c2 = b[i + 2]!;
  if (c === 0xe1) return c1 === 0x9a && c2 === 0x80 ? 3 : 0; // U+1680
  if (c === 0xe3) return c1 === 0x80 && c2 === 0x80 ? 3 : 0; // U+3000
  // U+2000..U+200A, U+2028, U+2029, U+202F
  if (c1 === 0x80) return (c2 >= 0x80 && c2 <= 0x8a) || c2 === 0xa8 || c2 === 0xa9 || c2 === 0xaf ? 3 : 0;
  return c1 === 0x81 && c2 === 0x9f ? 3 : 0; // U+205F
}

/** length of the white-space rune ending at b[end - 1], 0 if none */
function spaceBefore(b: Buffer, start: number, end: number): number {
  for (const n of [1, 2, 3]) {
    if (end - n < start) return 0;
    if (spaceAt(b, end - n, end) === n) return n;
  }
  return 0;
}

/** Go's strings.Split(strings.TrimSpace(line), " "), the bytes kept as latin1 characters */
export function splitParams(line: Buffer): string[] {
  let s = 0;
  let e = line.length;
  for (let n = 0; s < e && (n = spaceAt(line, s, e)) > 0; ) s += n;
  for (let n = 0; e > s && (n = spaceBefore(line, s, e)) > 0; ) e -= n;
  return line.toString('latin1', s, e).split(' ');
}

/** a V1 response or error: `[int32 size][data]`; `text` is latin1 (bytes as received) unless `json` */
export function encodeV1Response(text: string, encoding: 'latin1' | 'utf8' = 'latin1'): Buffer {
  const size = Buffer.byteLength(text, encoding);
  const out = Buffer.allocUnsafe(4 + size);
  out.writeInt32BE(size, 0);
  out.write(text, 4, encoding);
  return out;
}
