/** Micro benchmarks of the V2 frame parser (PUB stream, one MPUB, FIN lines) and of MPUB body validation, with a sink that only counts. */

import { GuidFactory } from '../../src/nsqd/queue/guid.js';
import { encodeCommand, encodeMpubBody } from '../../src/wire/encode.js';
import type { ProtocolError } from '../../src/wire/errors.js';
import { scanMpubBody } from '../../src/wire/mpub.js';
import { idHexString } from '../../src/wire/msgid.js';
import { type BodyRule, FrameParser, type FrameSink, makeBodyRules } from '../../src/wire/parser.js';
import type { MicroSuite, MicroTask } from './run.js';

export const MSG_SIZE = 200;
export const MPUB_BATCH = 200;
const CHUNK = 64 * 1024;
const MAX_MSG_SIZE = 1024 * 1024; // nsqd's defaults
const MAX_BODY_SIZE = 5 * 1024 * 1024;
const RULES = makeBodyRules({ maxMsgSize: MAX_MSG_SIZE, maxBodySize: MAX_BODY_SIZE });

/** A recognisable 200-byte body (the content does not matter to any subject here). */
export function messageBody(i: number): Buffer {
  const b = Buffer.alloc(MSG_SIZE, 0x61 + (i % 26));
  b.writeUInt32BE(i, 0);
  return b;
}

/** `PUB t\n[size][body]`, 210 bytes for a 200-byte body. */
export function pubFrame(i: number): Buffer {
  return encodeCommand('PUB t', messageBody(i));
}

/** As many whole PUB frames as fit in 64 KiB, back to back (312 frames, 65,520 bytes). */
export function pubChunk(): { chunk: Buffer; frames: number } {
  const frameLen = pubFrame(0).length;
  const frames = Math.floor(CHUNK / frameLen);
  return { chunk: Buffer.concat(Array.from({ length: frames }, (_, i) => pubFrame(i))), frames };
}

/** `MPUB t\n[size]` + the MPUB body of 200 × 200 B; the body starts at `bodyStart`. */
export function mpubFrame(): { frame: Buffer; bodyStart: number; bodyEnd: number } {
  const body = encodeMpubBody(Array.from({ length: MPUB_BATCH }, (_, i) => messageBody(i)));
  const frame = encodeCommand('MPUB t', body);
  return { frame, bodyStart: frame.length - body.length, bodyEnd: frame.length };
}

/**
 * Counts messages (PUB bodies, MPUB counts, FIN lines) and bytes; decides the body rule from the first
 * byte. With `scan`, MPUB bodies are validated with scanMpubBody as the real sink must; without it only
 * their count word is read.
 */
class CountingSink implements FrameSink {
  msgs = 0;
  bytes = 0;

  constructor(private readonly scan: boolean) {}

  onMagic(): void {
    throw new Error('no magic expected');
  }

  onBadMagic(): void {
    throw new Error('bad magic');
  }

  onLine(buf: Buffer, start: number, end: number): BodyRule | null {
    const c = buf[start];
    if (c === 0x50) return RULES.PUB; // 'P'
    if (c === 0x4d) return RULES.MPUB; // 'M'
    this.msgs++; // FIN <id>
    this.bytes += end - start;
    return null;
  }

  onBody(rule: BodyRule, buf: Buffer, start: number, end: number): void {
    if (rule !== RULES.MPUB) this.msgs++;
    else if (!this.scan) this.msgs += buf.readInt32BE(start);
    else {
      const r = scanMpubBody(buf, start, end, MAX_MSG_SIZE, MAX_BODY_SIZE);
      if (!('count' in r)) throw new Error(`scanMpubBody: ${r.code} ${r.text}`);
      this.msgs += r.count;
    }
    this.bytes += end - start;
  }

  onFrameError(err: ProtocolError): void {
    throw new Error(`${err.code} ${err.text}`);
  }
}

/** A task that pushes `chunks` round-robin into one long-lived parser. */
function parseTask(name: string, chunks: readonly Buffer[], msgs: number, scan = false): MicroTask {
  const sink = new CountingSink(scan);
  const parser = new FrameParser(sink, { maxLineLength: 16 * 1024 }, { expectMagic: false });
  let next = 0;
  return {
    name,
    msgs,
    run(n: number): number {
      for (let i = 0; i < n; i++) {
        parser.push(chunks[next]!);
        if (++next === chunks.length) next = 0;
      }
      if (parser.closed) throw new Error(`${name}: parser closed`);
      return (sink.msgs + sink.bytes) | 0;
    },
  };
}

export function parserSuite(): MicroSuite {
  const { chunk, frames } = pubChunk();

  // the same PUB stream cut at 64 KiB boundaries: 105 chunks hold exactly 32,768 frames of 210 B
  const stream = Buffer.concat(Array.from({ length: 32768 }, (_, i) => pubFrame(i)));
  const cut: Buffer[] = [];
  for (let off = 0; off < stream.length; off += CHUNK) cut.push(stream.subarray(off, off + CHUNK));

  const mpub = mpubFrame();

  const guids = new GuidFactory(1);
  const now = Date.now() * 1e6;
  const fin = Buffer.from('FIN 0000000000000000\n', 'latin1');
  const finCount = Math.floor(CHUNK / fin.length);
  const fins = Buffer.concat(
    Array.from({ length: finCount }, () => {
      guids.next(now);
      return Buffer.from(`FIN ${idHexString(guids.hi, guids.lo)}\n`, 'latin1');
    }),
  );

  const body = mpub.frame.subarray(mpub.bodyStart, mpub.bodyEnd);
  const scan: MicroTask = {
    name: 'scanMpubBody (200 × 200 B)',
    msgs: MPUB_BATCH,
    run(n: number): number {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const r = scanMpubBody(body, 0, body.length, MAX_MSG_SIZE, MAX_BODY_SIZE);
        if (!('count' in r)) throw new Error(`scanMpubBody: ${r.code} ${r.text}`);
        sum += r.count;
      }
      return sum | 0;
    },
  };

  return {
    name: 'parser',
    msgSize: MSG_SIZE,
    tasks: [
      parseTask(`PUB × ${frames}, one ${chunk.length} B chunk`, [chunk], frames),
      parseTask('PUB stream in 64 KiB chunks (straddling)', cut, 32768 / cut.length),
      parseTask(
        `MPUB × ${MPUB_BATCH}, ${mpub.frame.length} B frame, body unwalked`,
        [mpub.frame],
        MPUB_BATCH,
      ),
      parseTask(`MPUB × ${MPUB_BATCH}, same + scanMpubBody in sink`, [mpub.frame], MPUB_BATCH, true),
      parseTask(`FIN × ${finCount}, one ${fins.length} B chunk`, [fins], finCount),
      scan,
    ],
  };
}
