/** Micro benchmarks of the shard's per-message costs: BodyStore.copyIn (one body, one MPUB batch), Message and PubBatch construction, GuidFactory.next and the ID's hex form. */

import { BodyStore } from '../../src/nsqd/queue/body-store.js';
import { GuidFactory } from '../../src/nsqd/queue/guid.js';
import { Message, PubBatch } from '../../src/nsqd/queue/message.js';
import { parsedId, parseIdHex, writeIdHex } from '../../src/wire/msgid.js';
import { MPUB_BATCH, MSG_SIZE, mpubFrame, pubChunk } from './parser.js';
import type { MicroSuite, MicroTask } from './run.js';

/** copyIn of each 200 B body of a 64 KiB PUB chunk in turn, where the frames put them. */
function copyBodyTask(): MicroTask {
  const store = new BodyStore();
  const { chunk, frames } = pubChunk();
  const frameLen = chunk.length / frames;
  let k = 0;
  return {
    name: `BodyStore.copyIn ${MSG_SIZE} B body`,
    msgs: 1,
    run(n: number): number {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const start = k * frameLen + frameLen - MSG_SIZE;
        if (++k === frames) k = 0;
        const slab = store.copyIn(chunk, start, start + MSG_SIZE);
        sum += store.lastOffset + slab[store.lastOffset]!;
      }
      return sum | 0;
    },
  };
}

/** copyIn of a whole MPUB body straight from its frame: one copy for 200 messages. */
function copyBatchTask(): MicroTask {
  const store = new BodyStore();
  const { frame, bodyStart, bodyEnd } = mpubFrame();
  return {
    name: `BodyStore.copyIn ${bodyEnd - bodyStart} B MPUB batch`,
    msgs: MPUB_BATCH,
    run(n: number): number {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const slab = store.copyIn(frame, bodyStart, bodyEnd);
        sum += store.lastOffset + slab[store.lastOffset + 4]!;
      }
      return sum | 0;
    },
  };
}

/** new Message(...) kept alive in a 4096-slot window, so the allocation cannot be optimised away. */
function messageTask(): MicroTask {
  const batch = PubBatch.own(Buffer.allocUnsafeSlow(1 << 20), 0, 0);
  const keep: (Message | null)[] = new Array(4096).fill(null);
  let k = 0;
  return {
    name: 'new Message',
    msgs: 1,
    run(n: number): number {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const m = new Message(0x0abc1234, k, batch, (k * 208) & 0xfffff, MSG_SIZE);
        keep[k] = m;
        k = (k + 1) & 4095;
        sum += m.offset;
      }
      return sum | 0;
    },
  };
}

/** PubBatch.arriving (one per PUB or per MPUB), kept alive the same way. */
function batchTask(): MicroTask {
  const slab = Buffer.allocUnsafeSlow(1 << 20);
  const keep: (PubBatch | null)[] = new Array(4096).fill(null);
  const store = new BodyStore();
  const now = Date.now() * 1e6;
  let k = 0;
  return {
    name: 'PubBatch.arriving',
    msgs: 1,
    run(n: number): number {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const b = PubBatch.arriving(slab, 0, MSG_SIZE, store, now + k * 1000);
        keep[k] = b;
        k = (k + 1) & 4095;
        sum += b.tsLo;
      }
      return sum | 0;
    },
  };
}

/** GuidFactory.next with the clock read once per run, as a shard reads it once per batch. */
function guidTask(): MicroTask {
  const guids = new GuidFactory(1);
  return {
    name: 'GuidFactory.next',
    msgs: 1,
    run(n: number): number {
      const now = Date.now() * 1e6;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        guids.next(now);
        sum += guids.lo;
      }
      return sum | 0;
    },
  };
}

/** writeIdHex into a message frame (egress) and parseIdHex out of a FIN line, over 4096 IDs. */
function hexTasks(): MicroTask[] {
  const guids = new GuidFactory(1);
  const now = Date.now() * 1e6;
  const hi = new Int32Array(4096);
  const lo = new Int32Array(4096);
  const hex = Buffer.alloc(4096 * 21); // "FIN <16 hex>\n" each
  for (let i = 0; i < 4096; i++) {
    guids.next(now);
    hi[i] = guids.hi;
    lo[i] = guids.lo;
    hex.write('FIN ', i * 21, 'latin1');
    writeIdHex(hex, i * 21 + 4, guids.hi, guids.lo);
    hex[i * 21 + 20] = 0x0a;
  }
  const frame = Buffer.alloc(64);
  let k = 0;
  let j = 0;
  return [
    {
      name: 'writeIdHex',
      msgs: 1,
      run(n: number): number {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          writeIdHex(frame, 18, hi[k]!, lo[k]!);
          k = (k + 1) & 4095;
          sum += frame[33]!;
        }
        return sum | 0;
      },
    },
    {
      name: 'parseIdHex',
      msgs: 1,
      run(n: number): number {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          if (!parseIdHex(hex, j * 21 + 4)) throw new Error('bad id');
          j = (j + 1) & 4095;
          sum += parsedId.lo;
        }
        return sum | 0;
      },
    },
  ];
}

export function storeSuite(): MicroSuite {
  return {
    name: 'store',
    msgSize: MSG_SIZE,
    tasks: [copyBodyTask(), copyBatchTask(), messageTask(), batchTask(), guidTask(), ...hexTasks()],
  };
}
