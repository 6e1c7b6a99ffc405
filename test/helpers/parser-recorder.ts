// A FrameParser harness for unit tests: a sink that logs every event, and feeding the same bytes
// whole, byte by byte and at seeded random split points, so each scenario asserts one log every way.

import { describe, test } from 'node:test';
import { errorFrameData, type ProtocolError } from '../../src/wire/errors.js';
import {
  type BodyRule,
  type BodyRules,
  FrameParser,
  type FrameSink,
  makeBodyRules,
} from '../../src/wire/parser.js';
import { prng } from './prng.js';

export const MAGIC = Buffer.from('  V2', 'latin1');

export interface RecorderOptions {
  maxLineLength?: number;
  maxMsgSize?: number;
  maxBodySize?: number;
  expectMagic?: boolean;
  /** pause after every event, and resume from outside */
  pauseEach?: boolean;
  /** pause and immediately resume inside every callback */
  pauseResumeInside?: boolean;
  /** call parser.end() after the last byte (the peer half-closed) */
  end?: boolean;
}

export class Recorder implements FrameSink {
  readonly log: string[] = [];
  readonly parser: FrameParser;
  readonly rules: BodyRules;
  bodies: { buf: Buffer; start: number; end: number }[] = [];

  constructor(readonly opts: RecorderOptions = {}) {
    this.rules = makeBodyRules({
      maxMsgSize: opts.maxMsgSize ?? 1024,
      maxBodySize: opts.maxBodySize ?? 4096,
    });
    this.parser = new FrameParser(this, {
      maxLineLength: opts.maxLineLength ?? 16 * 1024,
      expectMagic: opts.expectMagic ?? true,
    });
  }

  private after(): void {
    if (this.opts.pauseEach) this.parser.pause();
    if (this.opts.pauseResumeInside) {
      this.parser.pause();
      this.parser.resume();
    }
  }

  onMagic(): void {
    this.log.push('magic');
    this.after();
  }

  onBadMagic(): void {
    this.log.push('bad magic');
  }

  onLine(buf: Buffer, start: number, end: number): BodyRule | null {
    const line = buf.toString('latin1', start, end);
    this.log.push(`line ${JSON.stringify(line)}`);
    this.after();
    const cmd = line.split(' ')[0] as keyof BodyRules;
    return Object.hasOwn(this.rules, cmd) ? this.rules[cmd] : null;
  }

  onBody(rule: BodyRule, buf: Buffer, start: number, end: number): void {
    this.log.push(`body ${rule.command} ${buf.toString('latin1', start, end)}`);
    this.bodies.push({ buf, start, end });
    this.after();
  }

  onFrameError(err: ProtocolError): void {
    this.log.push(`error ${errorFrameData(err)}`);
  }

  onEnd(err: ProtocolError | null): void {
    this.log.push(err === null ? 'end' : `end ${errorFrameData(err)}`);
  }
}

export type Feed = (r: Recorder, bytes: Buffer) => void;

export function drain(r: Recorder): void {
  for (let guard = 0; r.parser.paused && guard < 100000; guard++) r.parser.resume();
}

const whole: Feed = (r, bytes) => {
  r.parser.push(bytes);
  drain(r);
};

const byteByByte: Feed = (r, bytes) => {
  for (let i = 0; i < bytes.length; i++) {
    r.parser.push(bytes.subarray(i, i + 1));
    drain(r);
  }
};

function randomSplits(seed: number): Feed {
  return (r, bytes) => {
    const rand = prng(seed);
    let pos = 0;
    while (pos < bytes.length) {
      const n = 1 + Math.floor(rand() * Math.min(64, bytes.length));
      // copy each piece so no two chunks share memory, like real socket reads
      r.parser.push(Buffer.from(bytes.subarray(pos, pos + n)));
      pos += n;
      if (rand() < 0.5) drain(r);
    }
    drain(r);
  };
}

export const WAYS: [string, Feed][] = [
  ['whole', whole],
  ['byte by byte', byteByByte],
  ...[1, 2, 3, 42, 1234].map((seed): [string, Feed] => [`random splits seed ${seed}`, randomSplits(seed)]),
];

/** Runs `check` on the log of `bytes` fed each way (then ended, with `opts.end`). */
export function eachWay(
  name: string,
  bytes: Buffer,
  check: (log: string[]) => void,
  opts: RecorderOptions = {},
): void {
  describe(name, () => {
    for (const [way, feed] of WAYS) {
      test(way, () => {
        const r = new Recorder(opts);
        feed(r, bytes);
        if (opts.end) {
          // with pauseEach the parser may still hold bytes: end() must wait for them
          r.parser.end();
          drain(r);
        }
        check(r.log);
      });
    }
  });
}

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
