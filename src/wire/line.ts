/**
 * One command line split into parameters on single spaces, as nsqd does (two spaces make an empty
 * parameter). Reused for every line of a connection: offsets only, strings made on demand.
 */

export const CMD_UNKNOWN = 0;
export const CMD_IDENTIFY = 1;
export const CMD_AUTH = 2;
export const CMD_SUB = 3;
export const CMD_PUB = 4;
export const CMD_MPUB = 5;
export const CMD_DPUB = 6;
export const CMD_RDY = 7;
export const CMD_FIN = 8;
export const CMD_REQ = 9;
export const CMD_TOUCH = 10;
export const CMD_CLS = 11;
export const CMD_NOP = 12;

const NAMES: ReadonlyArray<readonly [string, number]> = [
  ['IDENTIFY', CMD_IDENTIFY],
  ['AUTH', CMD_AUTH],
  ['SUB', CMD_SUB],
  ['PUB', CMD_PUB],
  ['MPUB', CMD_MPUB],
  ['DPUB', CMD_DPUB],
  ['RDY', CMD_RDY],
  ['FIN', CMD_FIN],
  ['REQ', CMD_REQ],
  ['TOUCH', CMD_TOUCH],
  ['CLS', CMD_CLS],
  ['NOP', CMD_NOP],
];
const BYTES = NAMES.map(([name, code]) => [Buffer.from(name, 'latin1'), code] as const);

export class Line {
  buf: Buffer = Buffer.alloc(0);
  count = 0;
  readonly starts: number[] = [];
  readonly ends: number[] = [];

  parse(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    let n = 0;
    let s = start;
    for (let i = start; i < end; i++) {
      if (buf[i] === 0x20) {
        this.starts[n] = s;
        this.ends[n] = i;
        n++;
        s = i + 1;
      }
    }
    this.starts[n] = s;
    this.ends[n] = end;
    this.count = n + 1;
  }

  command(): number {
    const s = this.starts[0]!;
    const len = this.ends[0]! - s;
    const buf = this.buf;
    for (let k = 0; k < BYTES.length; k++) {
      const [name, code] = BYTES[k]!;
      if (name.length !== len) continue;
      let i = 0;
      while (i < len && buf[s + i] === name[i]) i++;
      if (i === len) return code;
    }
    return CMD_UNKNOWN;
  }

  str(i: number): string {
    return this.buf.toString('latin1', this.starts[i], this.ends[i]);
  }

  len(i: number): number {
    return this.ends[i]! - this.starts[i]!;
  }
}
