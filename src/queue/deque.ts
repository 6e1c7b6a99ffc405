/**
 * A growable FIFO ring of messages (a channel's or topic's memory queue). Owns only its array;
 * O(1) push, shift and unshift, no per-item allocation.
 */

import type { Message } from './message.js';

export class Deque {
  private items: (Message | undefined)[];
  private head = 0;
  private size = 0;
  private mask: number;

  constructor(initialCapacity = 16) {
    let cap = 16;
    while (cap < initialCapacity) cap <<= 1;
    this.items = new Array(cap);
    this.mask = cap - 1;
  }

  get length(): number {
    return this.size;
  }

  push(m: Message): void {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) & this.mask] = m;
    this.size++;
  }

  shift(): Message | undefined {
    if (this.size === 0) return undefined;
    const m = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    if (this.size === 0) this.head = 0;
    return m;
  }

  /** drop everything; returns how many were dropped */
  clear(): number {
    const n = this.size;
    this.items = new Array(16);
    this.mask = 15;
    this.head = 0;
    this.size = 0;
    return n;
  }

  private grow(): void {
    const old = this.items;
    const cap = old.length * 2;
    const next: (Message | undefined)[] = new Array(cap);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & this.mask];
    this.items = next;
    this.head = 0;
    this.mask = cap - 1;
  }
}
