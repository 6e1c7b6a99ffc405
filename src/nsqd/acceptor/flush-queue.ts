/**
 * Write coalescing for the io thread: connections that have response bytes waiting register here
 * and are flushed once, in a microtask, after the current event (a socket chunk, a ring drain, a
 * timer) has produced everything it will. Rings registered `first` (a shard link holding a publish
 * already answered OK) are published before any response is written, so whatever a client does
 * after an OK finds the publish in its shard's ring. Owns only the lists of what to flush.
 */

export interface Flushable {
  flushScheduled: boolean;
  flush(): void;
}

const pending: Flushable[] = [];
const first: Flushable[] = [];
let armed = false;

function flushAll(): void {
  armed = false;
  for (let i = 0; i < first.length; i++) {
    const f = first[i]!;
    f.flushScheduled = false;
    f.flush();
  }
  first.length = 0;
  for (let i = 0; i < pending.length; i++) {
    const f = pending[i]!;
    f.flushScheduled = false;
    f.flush();
  }
  pending.length = 0;
}

/** `beforeResponses`: flushed before every response of this round (a ring, not a socket) */
export function scheduleFlush(f: Flushable, beforeResponses = false): void {
  if (f.flushScheduled) return;
  f.flushScheduled = true;
  (beforeResponses ? first : pending).push(f);
  if (!armed) {
    armed = true;
    queueMicrotask(flushAll);
  }
}
