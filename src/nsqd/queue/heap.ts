/**
 * An indexed binary min-heap of messages keyed by `pri` (in-flight deadlines, deferred due times).
 * Each message records its slot in `heapIndex`, so removal on FIN/REQ is O(log n). A message is in
 * at most one heap at a time; this class owns those two fields while it holds the message.
 */

import type { Message } from './message.js';

export class IndexedHeap {
  private items: Message[] = [];

  get length(): number {
    return this.items.length;
  }

  peek(): Message | undefined {
    return this.items[0];
  }

  push(m: Message): void {
    const items = this.items;
    m.heapIndex = items.length;
    items.push(m);
    this.up(m.heapIndex);
  }

  pop(): Message | undefined {
    const items = this.items;
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (n > 1) {
      items[0] = last;
      last.heapIndex = 0;
      this.down(0);
    }
    top.heapIndex = -1;
    return top;
  }

  remove(m: Message): void {
    const i = m.heapIndex;
    const items = this.items;
    if (i < 0 || items[i] !== m) return;
    const last = items.pop()!;
    if (i < items.length) {
      items[i] = last;
      last.heapIndex = i;
      this.fix(i);
    }
    m.heapIndex = -1;
  }

  /** re-establish order after m.pri changed */
  update(m: Message): void {
    if (m.heapIndex >= 0) this.fix(m.heapIndex);
  }

  /** every message, in no order; the heap is emptied */
  drain(): Message[] {
    const all = this.items;
    this.items = [];
    for (const m of all) m.heapIndex = -1;
    return all;
  }

  private fix(i: number): void {
    if (i > 0 && this.items[i]!.pri < this.items[(i - 1) >> 1]!.pri) this.up(i);
    else this.down(i);
  }

  private up(i: number): void {
    const items = this.items;
    const m = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (parent.pri <= m.pri) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = m;
    m.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const m = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && items[r]!.pri < items[l]!.pri ? r : l;
      const child = items[c]!;
      if (child.pri >= m.pri) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = m;
    m.heapIndex = i;
  }
}
