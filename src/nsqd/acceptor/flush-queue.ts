/**
 * Write coalescing for the io thread: connections that have response bytes waiting register here
 * and are flushed once, in a microtask, after the current event (a socket chunk, a ring drain, a
 * timer) has produced everything it will. Owns only the list of connections to flush.
 */

export interface Flushable {
  flushScheduled: boolean;
  flush(): void;
}

const pending: Flushable[] = [];
let armed = false;

function flushAll(): void {
  armed = false;
  for (let i = 0; i < pending.length; i++) {
    const f = pending[i]!;
    f.flushScheduled = false;
    f.flush();
  }
  pending.length = 0;
}

export function scheduleFlush(f: Flushable): void {
  if (f.flushScheduled) return;
  f.flushScheduled = true;
  pending.push(f);
  if (!armed) {
    armed = true;
    queueMicrotask(flushAll);
  }
}
