/**
 * The client→server byte stream of protocol V2 as a resumable push parser: magic, command lines and
 * `[int32 size][body]`, with Go's size checks made before anything is buffered (MPUB's inner sizes as
 * they arrive) and Go's "failed to read" errors when the input ends mid-body. No I/O, no broker
 * state, no timers: the sink decides what each line means.
 */

import { type ProtocolError, protocolError } from './errors.js';
import { MpubWalk, mpubTruncatedError } from './mpub.js';

export type BodyCommand = 'PUB' | 'DPUB' | 'MPUB' | 'IDENTIFY' | 'AUTH';

/**
 * How to read the body that follows a command line. `limit` bounds the outer size (`--max-msg-size`
 * for PUB/DPUB, `--max-body-size` for MPUB/IDENTIFY/AUTH); `messageLimit` is `--max-msg-size` (used
 * for MPUB's inner messages). Build them once with `makeBodyRules`: every rule has the same shape.
 */
export interface BodyRule {
  readonly command: BodyCommand;
  limit: number;
  messageLimit: number;
}

export function bodyRule(command: BodyCommand, limit: number, messageLimit: number = limit): BodyRule {
  return { command, limit, messageLimit };
}

export interface BodyRules {
  readonly PUB: BodyRule;
  readonly DPUB: BodyRule;
  readonly MPUB: BodyRule;
  readonly IDENTIFY: BodyRule;
  readonly AUTH: BodyRule;
}

/** One rule per body-carrying command, from the two size options (bytes). */
export function makeBodyRules(limits: { maxMsgSize: number; maxBodySize: number }): BodyRules {
  const { maxMsgSize, maxBodySize } = limits;
  return {
    PUB: bodyRule('PUB', maxMsgSize, maxMsgSize),
    DPUB: bodyRule('DPUB', maxMsgSize, maxMsgSize),
    MPUB: bodyRule('MPUB', maxBodySize, maxMsgSize),
    IDENTIFY: bodyRule('IDENTIFY', maxBodySize, maxMsgSize),
    AUTH: bodyRule('AUTH', maxBodySize, maxMsgSize),
  };
}

/** Go's checks of a body size just read, in Go's order per command; null when acceptable. */
export function checkBodySize(rule: BodyRule, size: number): ProtocolError | null {
  const cmd = rule.command;
  const max = rule.limit;
  switch (cmd) {
    case 'PUB':
    case 'DPUB':
      if (size <= 0) return protocolError('E_BAD_MESSAGE', `${cmd} invalid message body size ${size}`);
      if (size > max) return protocolError('E_BAD_MESSAGE', `${cmd} message too big ${size} > ${max}`);
      return null;
    case 'MPUB':
      if (size <= 0) return protocolError('E_BAD_BODY', `MPUB invalid body size ${size}`);
      if (size > max) return protocolError('E_BAD_BODY', `MPUB body too big ${size} > ${max}`);
      return null;
    default:
      // IDENTIFY and AUTH check "too big" first
      if (size > max) return protocolError('E_BAD_BODY', `${cmd} body too big ${size} > ${max}`);
      if (size <= 0) return protocolError('E_BAD_BODY', `${cmd} invalid body size ${size}`);
      return null;
  }
}

/**
 * Go's error when the stream stops (EOF or idle timeout) while the parser waits for a body size or a
 * body (`FrameParser.truncationError` applies it to the parser's state). For MPUB at the 'body' stage
 * Go reads the inner structure as it arrives, so its text depends on where the bytes stopped: pass the
 * bytes received so far (`FrameParser.partialBody()`) and the declared size to get that exact text;
 * without them the text is the one for a body that stopped before its message count.
 */
export function readFailureError(
  rule: BodyRule,
  stage: 'size' | 'body',
  received?: Uint8Array,
  declaredSize?: number,
): ProtocolError {
  const cmd = rule.command;
  switch (cmd) {
    case 'PUB':
    case 'DPUB':
      return protocolError(
        'E_BAD_MESSAGE',
        stage === 'size' ? `${cmd} failed to read message body size` : `${cmd} failed to read message body`,
      );
    case 'MPUB':
      if (stage === 'size') return protocolError('E_BAD_BODY', 'MPUB failed to read body size');
      if (received === undefined || declaredSize === undefined) {
        return protocolError('E_BAD_BODY', 'MPUB failed to read message count');
      }
      return mpubTruncatedError(received, 0, received.length, declaredSize, rule.messageLimit, rule.limit);
    default:
      return protocolError(
        'E_BAD_BODY',
        stage === 'size' ? `${cmd} failed to read body size` : `${cmd} failed to read body`,
      );
  }
}

export interface FrameSink {
  /** the 4-byte magic `"  V2"` arrived */
  onMagic(): void;
  /** the first 4 bytes were not `"  V2"` (`magic`: those bytes, latin1); the parser is already closed */
  onBadMagic(magic: string): void;
  /**
   * One command line without "\n" and without one trailing "\r": `buf[start..end)`. The view is valid
   * only during the call (a line that straddled chunks lives in a reused buffer). Return null if the
   * command has no body, or a BodyRule to read `[int32 size][size bytes]` next. May call
   * parser.pause() or parser.close().
   */
  onLine(buf: Buffer, start: number, end: number): BodyRule | null;
  /**
   * The body: a zero-copy view of the pushed chunk when it arrived whole, else a buffer of exactly the
   * body's size that the sink owns. An MPUB body is already validated (`MpubWalk`: Go's checks plus
   * the outer size); its count is `mpubMessageCount(buf, start)`. May call parser.pause() or
   * parser.close().
   */
  onBody(rule: BodyRule, buf: Buffer, start: number, end: number): void;
  /**
   * fatal framing error (oversized line, bad body size, an MPUB count or message size Go rejects as
   * soon as it reads it); the parser is already closed
   */
  onFrameError(err: ProtocolError): void;
  /**
   * After `parser.end()`, once every byte before the end was parsed (callbacks that pause it delay
   * this until resumed): `err` is Go's "failed to read" error when the input ended inside a body size
   * or body, null when it ended between commands, inside a command line or inside the magic (Go
   * closes silently then). The parser is already closed.
   */
  onEnd?(err: ProtocolError | null): void;
}

export interface FrameParserLimits {
  /**
   * The most bytes a line may take including its "\n", like Go's 16 KiB bufio reader: a line of
   * `maxLineLength - 1` bytes plus "\n" is accepted; `maxLineLength` bytes without "\n" is an error.
   */
  maxLineLength: number;
  /** false when the caller has consumed the magic itself */
  expectMagic?: boolean;
}

export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024;

const MAGIC_V2 = [0x20, 0x20, 0x56, 0x32];

const S_MAGIC = 0;
const S_LINE = 1;
const S_SIZE = 2;
const S_BODY = 3;
const S_CLOSED = 4;

/** first allocation for a line that straddles chunks; grows by doubling up to maxLineLength */
const LINE_BUF_INITIAL = 256;
/** a grown line buffer above this is dropped once its line is done */
const LINE_BUF_KEEP = 4096;

export class FrameParser {
  private readonly sink: FrameSink;
  private readonly maxLine: number;
  private state: number;
  private pausedFlag = false;
  /** inside run(): pushes and resumes are queued instead of re-entering */
  private running = false;
  /** chunks (or the unconsumed rest of one) waiting while paused, oldest first */
  private readonly pending: Buffer[] = [];
  private magicLen = 0;
  private readonly small: Buffer = Buffer.alloc(4); // magic or size bytes that straddle chunks
  private sizeLen = 0;
  private lineBuf: Buffer | null = null;
  private lineLen = 0;
  private rule: BodyRule | null = null;
  private body: Buffer | null = null;
  private bodyLen = 0;
  /** the walk over the MPUB body being read */
  private readonly mpub = new MpubWalk();
  /** end() was called: finish once the queued input is parsed */
  private ended = false;

  /** `expectMagic` may be given in `limits` or in `options`; it defaults to true. */
  constructor(
    sink: FrameSink,
    limits: FrameParserLimits = { maxLineLength: DEFAULT_MAX_LINE_LENGTH },
    options?: { expectMagic?: boolean },
  ) {
    this.sink = sink;
    this.maxLine = limits.maxLineLength;
    const expectMagic = options?.expectMagic ?? limits.expectMagic ?? true;
    this.state = expectMagic ? S_MAGIC : S_LINE;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  get closed(): boolean {
    return this.state === S_CLOSED;
  }

  /** Feed bytes. While paused (or inside a callback) they are queued in order. */
  push(chunk: Buffer): void {
    if (this.state === S_CLOSED || chunk.length === 0) return;
    if (this.pausedFlag || this.running) {
      this.pending.push(chunk);
      return;
    }
    this.run(chunk);
  }

  /** Stop after the current callback; unconsumed bytes are kept (as views) for resume(). */
  pause(): void {
    this.pausedFlag = true;
  }

  /** Continue with the retained bytes. Safe inside a callback (the running loop just goes on). */
  resume(): void {
    if (!this.pausedFlag) return;
    this.pausedFlag = false;
    if (this.running || this.state === S_CLOSED) return;
    const next = this.pending.shift();
    if (next !== undefined) this.run(next);
    else if (this.ended) this.finish();
  }

  /**
   * Takes the bytes queued while paused, oldest first (a protocol upgrade reads them through its new
   * layer instead). Call it outside the parser's callbacks.
   */
  takePending(): Buffer[] {
    return this.pending.splice(0, this.pending.length);
  }

  /**
   * The input ended (the peer half-closed). Bytes already pushed are parsed first; then the parser
   * closes and calls `sink.onEnd` with `truncationError()`.
   */
  end(): void {
    if (this.state === S_CLOSED || this.ended) return;
    this.ended = true;
    if (!this.pausedFlag && !this.running) this.finish();
  }

  /** Drop every buffer and ignore further input. */
  close(): void {
    this.state = S_CLOSED;
    this.pending.length = 0;
    this.lineBuf = null;
    this.body = null;
    this.rule = null;
  }

  /**
   * What the parser waits for: 'line' (part of a command line), 'size' (after a line that takes a
   * body), 'body' (part of a body), else 'idle'. Bytes queued while paused are not counted.
   */
  pendingState(): 'idle' | 'line' | 'size' | 'body' {
    switch (this.state) {
      case S_LINE:
        return this.lineLen > 0 ? 'line' : 'idle';
      case S_SIZE:
        return 'size';
      case S_BODY:
        return 'body';
      default:
        return 'idle';
    }
  }

  /** the rule of the body being read (states 'size' and 'body'), else null */
  pendingRule(): BodyRule | null {
    return this.rule;
  }

  /**
   * Go's error if the input stopped right here: "failed to read ..." inside a body size or a body
   * (`readFailureError`), null between commands, inside a line or inside the magic.
   */
  truncationError(): ProtocolError | null {
    const rule = this.rule;
    if (rule === null) return null;
    if (this.state === S_SIZE) return readFailureError(rule, 'size');
    const partial = this.partialBody();
    if (partial === null) return null;
    return readFailureError(rule, 'body', partial.received, partial.declaredSize);
  }

  /** The bytes of the current, incomplete body (a view), with its declared size; null if none. */
  partialBody(): { received: Buffer; declaredSize: number } | null {
    if (this.state !== S_BODY || this.body === null) return null;
    return { received: this.body.subarray(0, this.bodyLen), declaredSize: this.body.length };
  }

  private run(first: Buffer): void {
    this.running = true;
    let chunk: Buffer | undefined = first;
    while (chunk !== undefined) {
      const stop = this.execute(chunk);
      if (this.state === S_CLOSED) break;
      if (this.pausedFlag) {
        if (stop < chunk.length) this.pending.unshift(chunk.subarray(stop));
        break;
      }
      chunk = this.pending.shift();
    }
    this.running = false;
    if (this.ended && !this.pausedFlag && this.state !== S_CLOSED) this.finish();
  }

  private finish(): void {
    const err = this.truncationError();
    this.close();
    this.sink.onEnd?.(err);
  }

  /** Parses `buf` until it is consumed, the parser pauses or closes; returns where it stopped. */
  // biome-ignore lint/complexity/noExcessiveCognitiveComplexity: the hot parser is one state-machine loop on purpose: splitting its states into calls costs measurably per frame (bench:micro parser)
  private execute(buf: Buffer): number {
    const len = buf.length;
    let pos = 0;
    while (pos < len) {
      switch (this.state) {
        case S_LINE: {
          const nl = buf.indexOf(0x0a, pos);
          if (this.lineLen === 0 && nl !== -1) {
            // hot path: the whole line is in this chunk
            if (nl - pos >= this.maxLine) return this.lineTooLong();
            let end = nl;
            if (end > pos && buf[end - 1] === 0x0d) end--;
            const start = pos;
            pos = nl + 1;
            this.afterLine(this.sink.onLine(buf, start, end));
            break;
          }
          const upTo = nl === -1 ? len : nl;
          if (this.lineLen + (upTo - pos) >= this.maxLine) return this.lineTooLong();
          this.appendLine(buf, pos, upTo);
          if (nl === -1) return len;
          pos = nl + 1;
          const line = this.lineBuf!;
          let end = this.lineLen;
          if (end > 0 && line[end - 1] === 0x0d) end--;
          this.lineLen = 0;
          if (line.length > LINE_BUF_KEEP) this.lineBuf = null;
          this.afterLine(this.sink.onLine(line, 0, end));
          break;
        }
        case S_SIZE: {
          let size: number;
          if (this.sizeLen === 0 && len - pos >= 4) {
            size = buf.readInt32BE(pos);
            pos += 4;
          } else {
            while (this.sizeLen < 4 && pos < len) this.small[this.sizeLen++] = buf[pos++]!;
            if (this.sizeLen < 4) return len;
            this.sizeLen = 0;
            size = this.small.readInt32BE(0);
          }
          const rule = this.rule!;
          const err = checkBodySize(rule, size);
          if (err !== null) return this.fail(err);
          const whole = len - pos >= size;
          // MPUB's count and sizes are checked as they arrive, as Go reads them off the stream
          if (rule.command === 'MPUB') this.mpub.reset(whole ? pos : 0, size, rule.messageLimit, rule.limit);
          if (whole) {
            // hot path: the whole body is in this chunk, hand out a view
            const start = pos;
            pos += size;
            if (rule.command === 'MPUB') {
              const bad = this.mpub.advance(buf, pos);
              if (bad !== null) return this.fail(bad);
            }
            this.state = S_LINE;
            this.rule = null;
            this.sink.onBody(rule, buf, start, pos);
            break;
          }
          this.body = Buffer.allocUnsafe(size);
          this.bodyLen = 0;
          this.state = S_BODY;
          break;
        }
        case S_BODY: {
          const body = this.body!;
          const n = Math.min(body.length - this.bodyLen, len - pos);
          buf.copy(body, this.bodyLen, pos, pos + n);
          this.bodyLen += n;
          pos += n;
          const rule = this.rule!;
          if (rule.command === 'MPUB') {
            const bad = this.mpub.advance(body, this.bodyLen);
            if (bad !== null) return this.fail(bad);
          }
          if (this.bodyLen < body.length) return len;
          this.body = null;
          this.rule = null;
          this.state = S_LINE;
          this.sink.onBody(rule, body, 0, body.length);
          break;
        }
        case S_MAGIC: {
          while (this.magicLen < 4 && pos < len) this.small[this.magicLen++] = buf[pos++]!;
          if (this.magicLen < 4) return len;
          const s = this.small;
          if (s[0] !== MAGIC_V2[0] || s[1] !== MAGIC_V2[1] || s[2] !== MAGIC_V2[2] || s[3] !== MAGIC_V2[3]) {
            this.close();
            this.sink.onBadMagic(s.toString('latin1'));
            return len;
          }
          this.state = S_LINE;
          this.sink.onMagic();
          break;
        }
        default:
          return len; // closed
      }
      if (this.pausedFlag || this.state === S_CLOSED) return pos;
    }
    return pos;
  }

  private afterLine(rule: BodyRule | null): void {
    if (rule === null || this.state === S_CLOSED) return;
    this.rule = rule;
    this.sizeLen = 0;
    this.state = S_SIZE;
  }

  private appendLine(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n === 0) return;
    const need = this.lineLen + n;
    let line = this.lineBuf;
    if (line === null || line.length < need) {
      let cap = line === null ? LINE_BUF_INITIAL : line.length * 2;
      while (cap < need) cap *= 2;
      if (cap > this.maxLine) cap = this.maxLine;
      const grown = Buffer.allocUnsafe(cap);
      if (line !== null && this.lineLen > 0) line.copy(grown, 0, 0, this.lineLen);
      this.lineBuf = line = grown;
    }
    buf.copy(line, this.lineLen, start, end);
    this.lineLen = need;
  }

  private lineTooLong(): number {
    return this.fail(
      protocolError('E_INVALID', `command line too long (${this.maxLine} bytes without newline)`),
    );
  }

  private fail(err: ProtocolError): number {
    this.close();
    this.sink.onFrameError(err);
    return 0;
  }
}
