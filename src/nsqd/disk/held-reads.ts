/**
 * Records a disk queue handed out that its owner has not yet released (durable mode: a message
 * read from disk stays recoverable until it is FINed or written back). Kept in read order with the
 * file position each record started at, so the queue can persist the oldest unreleased position as
 * its read position: a crash then redelivers, never strands. Releases may come in any order; the
 * head moves past a run of released records. Also keeps the numbers of complete files read past
 * while a held record still lies in them, until it is released. Owns only its arrays.
 */

const INITIAL = 256;

export class HeldReads {
  /** ring of (fileNum, pos, released) per held record, indexed by ticket - firstTicket */
  private fileNums = new Float64Array(INITIAL);
  private positions = new Float64Array(INITIAL);
  private released = new Uint8Array(INITIAL);
  private headIndex = 0;
  /** tickets handed out: [firstTicket, nextTicket) are held or released-but-not-popped */
  private firstTicket = 0;
  private nextTicket = 0;
  /** how many of them are released */
  private releasedCount = 0;
  /** complete files read past while a held record still lies in them, ascending */
  private kept: number[] = [];

  /** records held and not yet released */
  get count(): number {
    return this.nextTicket - this.firstTicket - this.releasedCount;
  }

  /** records from the oldest unreleased one on, released or not: what a restart would read again */
  get span(): number {
    return this.nextTicket - this.firstTicket;
  }

  get empty(): boolean {
    return this.nextTicket === this.firstTicket;
  }

  /** the oldest unreleased record's file (only when not empty) */
  get headFileNum(): number {
    return this.fileNums[this.headIndex]!;
  }

  get headPos(): number {
    return this.positions[this.headIndex]!;
  }

  /** a record that started at (fileNum, pos) was handed out: its ticket */
  hold(fileNum: number, pos: number): number {
    const n = this.nextTicket - this.firstTicket;
    if (n === this.fileNums.length) this.grow();
    const cap = this.fileNums.length;
    const i = (this.headIndex + n) % cap;
    this.fileNums[i] = fileNum;
    this.positions[i] = pos;
    this.released[i] = 0;
    return this.nextTicket++;
  }

  /** the owner is done with the record; false for a ticket not held (already released, or cleared) */
  release(ticket: number): boolean {
    if (ticket < this.firstTicket || ticket >= this.nextTicket) return false;
    const cap = this.fileNums.length;
    const i = (this.headIndex + (ticket - this.firstTicket)) % cap;
    if (this.released[i] === 1) return false;
    this.released[i] = 1;
    this.releasedCount++;
    while (this.firstTicket < this.nextTicket && this.released[this.headIndex] === 1) {
      this.released[this.headIndex] = 0;
      this.headIndex = (this.headIndex + 1) % cap;
      this.firstTicket++;
      this.releasedCount--;
    }
    return true;
  }

  /** a complete file was read past: true when it may be deleted now, else it is kept for later */
  mayDelete(fileNum: number): boolean {
    if (this.empty || this.headFileNum > fileNum) return true;
    this.kept.push(fileNum);
    return false;
  }

  /** the kept files no held record lies in any more (`readFileNum`: the reader's file), now forgotten */
  passedFiles(readFileNum: number): number[] {
    const keepFrom = this.empty ? readFileNum : this.headFileNum;
    const k = this.kept;
    let n = 0;
    while (n < k.length && k[n]! < keepFrom) n++;
    if (n === 0) return [];
    this.kept = k.slice(n);
    return k.slice(0, n);
  }

  /** forget every held record (emptied queue, or the owner wrote them all back); tickets stay unique */
  clear(): void {
    this.firstTicket = this.nextTicket;
    this.headIndex = 0;
    this.releasedCount = 0;
    this.released.fill(0);
  }

  private grow(): void {
    const cap = this.fileNums.length;
    const f = new Float64Array(cap * 2);
    const p = new Float64Array(cap * 2);
    const r = new Uint8Array(cap * 2);
    for (let k = 0; k < cap; k++) {
      const i = (this.headIndex + k) % cap;
      f[k] = this.fileNums[i]!;
      p[k] = this.positions[i]!;
      r[k] = this.released[i]!;
    }
    this.fileNums = f;
    this.positions = p;
    this.released = r;
    this.headIndex = 0;
  }
}
