/** Micro benchmarks of the in-flight IndexedHeap (push/pop, push/remove at 2,500 and 100k entries, deadlines mostly increasing) beside Maps of in-flight messages by ID. */

import { GuidFactory } from '../../src/nsqd/queue/guid.js';
import { IndexedHeap } from '../../src/nsqd/queue/heap.js';
import { Message, PubBatch } from '../../src/nsqd/queue/message.js';
import { idHexString } from '../../src/wire/msgid.js';
import { MSG_SIZE } from './parser.js';
import type { MicroSuite, MicroTask } from './run.js';

const SIZES = [2500, 100_000];
const JITTER_MASK = 4095;

/** Deadline jitter in ticks, 0..255 (deterministic xorshift): the clock advances 1 tick per op, so deadlines mostly increase. */
const JITTER = ((): Float64Array => {
  const out = new Float64Array(JITTER_MASK + 1);
  let x = 0x9e3779b9;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) & 255;
  }
  return out;
})();

/** `count` messages with consecutive IDs, sharing one batch. */
function messages(count: number): Message[] {
  const guids = new GuidFactory(1);
  const now = Date.now() * 1e6;
  const batch = PubBatch.own(Buffer.alloc(MSG_SIZE), 0, 0);
  return Array.from({ length: count }, () => {
    guids.next(now);
    return new Message(guids.hi, guids.lo, batch, 0, MSG_SIZE);
  });
}

/** A heap of `size` messages with deadlines clock + jitter, in push order, and the clock after them. */
function filled(size: number): { heap: IndexedHeap; live: Message[]; clock: number } {
  const heap = new IndexedHeap();
  const live = messages(size);
  let clock = 0;
  for (const m of live) {
    m.pri = clock + JITTER[clock & JITTER_MASK]!;
    clock++;
    heap.push(m);
  }
  return { heap, live, clock };
}

/** Deliver one (push a new deadline), time out one (pop the earliest): the size stays put. */
function pushPopTask(size: number): MicroTask {
  const state = filled(size);
  let spare = messages(1)[0]!;
  return {
    name: `IndexedHeap push+pop @ ${size}`,
    msgs: 1,
    run(n: number): number {
      const heap = state.heap;
      let clock = state.clock;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        spare.pri = clock + JITTER[clock & JITTER_MASK]!;
        clock++;
        heap.push(spare);
        spare = heap.pop()!;
        sum += spare.pri & 7;
      }
      state.clock = clock;
      return sum | 0;
    },
  };
}

/** FIN the oldest delivery (remove from the middle-top of the heap), deliver it again as the newest. */
function pushRemoveTask(size: number): MicroTask {
  const state = filled(size);
  let head = 0;
  return {
    name: `IndexedHeap remove+push @ ${size}`,
    msgs: 1,
    run(n: number): number {
      const { heap, live } = state;
      let clock = state.clock;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const m = live[head]!;
        heap.remove(m);
        m.pri = clock + JITTER[clock & JITTER_MASK]!;
        clock++;
        heap.push(m);
        sum += m.heapIndex;
        if (++head === size) head = 0;
      }
      state.clock = clock;
      return sum | 0;
    },
  };
}

/**
 * In-flight by ID as 16-char hex strings: set the newest, get one in the middle, delete the oldest.
 * Keys are precomputed strings (their hashes get cached), the best case for a string key.
 */
function stringMapTask(size: number): MicroTask {
  const pool = messages(size + 65536);
  const keys = pool.map((m) => idHexString(m.idHi, m.idLo));
  const total = keys.length;
  const map = new Map<string, Message>();
  for (let i = 0; i < size; i++) map.set(keys[i]!, pool[i]!);
  let oldest = 0;
  return {
    name: `Map<hex id, Message> set+get+delete @ ${size}`,
    msgs: 1,
    run(n: number): number {
      let sum = 0;
      let newest = (oldest + size) % total;
      let middle = (oldest + (size >> 1)) % total;
      for (let i = 0; i < n; i++) {
        map.set(keys[newest]!, pool[newest]!);
        sum += map.get(keys[middle]!)!.length;
        map.delete(keys[oldest]!);
        if (++newest === total) newest = 0;
        if (++middle === total) middle = 0;
        if (++oldest === total) oldest = 0;
      }
      if (map.size !== size) throw new Error(`map size ${map.size} != ${size}`);
      return sum | 0;
    },
  };
}

/** The same pattern keyed by idLo with the idHi check, as the channel's in-flight map does. */
function intMapTask(size: number): MicroTask {
  const pool = messages(size + 65536);
  const total = pool.length;
  const map = new Map<number, Message>();
  for (let i = 0; i < size; i++) map.set(pool[i]!.idLo, pool[i]!);
  let oldest = 0;
  return {
    name: `Map<idLo, Message> set+get+delete @ ${size}`,
    msgs: 1,
    run(n: number): number {
      let sum = 0;
      let newest = (oldest + size) % total;
      let middle = (oldest + (size >> 1)) % total;
      for (let i = 0; i < n; i++) {
        const add = pool[newest]!;
        map.set(add.idLo, add);
        const want = pool[middle]!;
        const got = map.get(want.idLo)!;
        if (got.idHi !== want.idHi) throw new Error('idHi mismatch');
        sum += got.length;
        map.delete(pool[oldest]!.idLo);
        if (++newest === total) newest = 0;
        if (++middle === total) middle = 0;
        if (++oldest === total) oldest = 0;
      }
      if (map.size !== size) throw new Error(`map size ${map.size} != ${size}`);
      return sum | 0;
    },
  };
}

export function heapSuite(): MicroSuite {
  const tasks: MicroTask[] = [];
  for (const size of SIZES)
    tasks.push(pushPopTask(size), pushRemoveTask(size), stringMapTask(size), intMapTask(size));
  return { name: 'heap', msgSize: MSG_SIZE, tasks };
}
