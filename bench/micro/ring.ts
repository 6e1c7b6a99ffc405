/** Micro benchmarks of the SPSC SharedArrayBuffer ring on one thread: write + publish + read + release of 200 B records, singly, in batches of 256, and as one 40 KB MPUB body. */

import { createRingBuffer, RingReader, RingWriter } from '../../src/nsqd/shard/ring.js';
import { MPUB_BATCH, MSG_SIZE, mpubFrame, pubChunk } from './parser.js';
import type { MicroSuite, MicroTask } from './run.js';

const RING_BYTES = 4 * 1024 * 1024;

function ring(): { w: RingWriter; r: RingReader } {
  const sab = createRingBuffer(RING_BYTES);
  return { w: new RingWriter(sab), r: new RingReader(sab) };
}

/** Where each 200 B body sits in a 64 KiB chunk of PUB frames (the io thread copies from there). */
function bodyOffsets(): { chunk: Buffer; offsets: number[] } {
  const { chunk, frames } = pubChunk();
  const frameLen = chunk.length / frames;
  return { chunk, offsets: Array.from({ length: frames }, (_, i) => i * frameLen + frameLen - MSG_SIZE) };
}

/** `batch` records of 200 B per publish; the reader drains and releases after each publish. */
function recordsTask(batch: number): MicroTask {
  const { w, r } = ring();
  const { chunk, offsets } = bodyOffsets();
  let k = 0;
  return {
    name: `200 B records, batch ${batch}: write+publish+read+release`,
    msgs: batch,
    run(n: number): number {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < batch; j++) {
          const off = offsets[k]!;
          if (++k === offsets.length) k = 0;
          if (!w.begin(MSG_SIZE)) throw new Error('ring full');
          w.bytes(chunk, off, off + MSG_SIZE);
          w.end();
        }
        w.publish();
        while (r.next()) sum += r.length + r.buf[r.start + 3]!;
        r.release();
      }
      return sum | 0;
    },
  };
}

/** One record holding a whole MPUB body, copied from `src[start, end)` in one call. */
function bulkTask(name: string, src: Buffer, start: number, end: number): MicroTask {
  const { w, r } = ring();
  const len = end - start;
  return {
    name,
    msgs: MPUB_BATCH,
    run(n: number): number {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        if (!w.begin(len)) throw new Error('ring full');
        w.bytes(src, start, end);
        w.end();
        w.publish();
        if (!r.next()) throw new Error('ring empty');
        sum += r.length + r.buf[r.start + 7]!;
        r.release();
      }
      return sum | 0;
    },
  };
}

export function ringSuite(): MicroSuite {
  const { frame, bodyStart, bodyEnd } = mpubFrame();
  const len = bodyEnd - bodyStart;
  // every record here is 8-byte sized, so its payload sits at 4 mod 8 in the SAB; V8 copies word by
  // word only when source and target agree mod 8, so compare the body where the frame has it with a
  // copy placed at 4 mod 8
  const aligned = Buffer.alloc(len + 4);
  frame.copy(aligned, 4, bodyStart, bodyEnd);
  const mod8 = (frame.byteOffset + bodyStart) % 8;
  return {
    name: 'ring',
    msgSize: MSG_SIZE,
    tasks: [
      recordsTask(1),
      recordsTask(256),
      bulkTask(`${len} B MPUB body record, source as framed (${mod8} mod 8)`, frame, bodyStart, bodyEnd),
      bulkTask(`${len} B MPUB body record, source at 4 mod 8 (aligned)`, aligned, 4, len + 4),
    ],
  };
}
