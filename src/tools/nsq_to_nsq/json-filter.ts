/**
 * nsq_to_nsq's JSON filter: --require-json-field / --require-json-value decide whether a message
 * passes, --whitelist-json-field rewrites it to only those fields (re-encoded as Go's json.Marshal of
 * a map: keys sorted, integral numbers as integers). Pure functions over the body.
 */

import { goJsonNumber, goJsonString } from '../../go/json.js';

export interface JsonFilterOptions {
  requireField: string;
  requireValue: string;
  whitelist: readonly string[];
}

export type FilterResult =
  | { kind: 'pass'; body: Buffer }
  /** FIN without publishing (logged already where Go logs) */
  | { kind: 'drop' }
  /** REQ with backoff: Go's handler returns errors.New("backoff") */
  | { kind: 'backoff' };

/** Go's json.Marshal of decoded JSON data: map keys sorted */
function marshalSorted(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return goJsonString(v);
    case 'number':
      return goJsonNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      break;
  }
  if (Array.isArray(v)) return `[${v.map(marshalSorted).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  return `{${keys.map((k) => `${goJsonString(k)}:${marshalSorted(o[k])}`).join(',')}}`;
}

export class JsonFilter {
  private readonly o: JsonFilterOptions;
  private readonly valueNumber: number | null;

  constructor(o: JsonFilterOptions) {
    this.o = o;
    // strconv.ParseFloat of the required value: a number can only equal a number
    const t = o.requireValue.trim();
    const n = t === o.requireValue && t !== '' ? Number(t) : Number.NaN;
    this.valueNumber = Number.isNaN(n) && t.toLowerCase() !== 'nan' ? null : n;
  }

  get active(): boolean {
    return this.o.requireField !== '' || this.o.whitelist.length > 0;
  }

  /** the decision for one body; `log` receives Go's log.Printf texts */
  apply(body: Buffer, log: (text: string) => void): FilterResult {
    let js: unknown;
    try {
      js = JSON.parse(body.toString('utf8'));
    } catch {
      js = undefined;
    }
    if (js === null) js = {}; // Go: unmarshalling null into a map leaves it nil, which reads as empty
    if (typeof js !== 'object' || Array.isArray(js) || js === undefined) {
      log(`ERROR: Unable to decode json: ${body.toString('latin1')}`);
      return { kind: 'drop' };
    }
    const obj = js as Record<string, unknown>;
    const { requireField, requireValue, whitelist } = this.o;
    if (requireField !== '') {
      if (!Object.hasOwn(obj, requireField)) {
        if (requireValue !== '') {
          log('ERROR: missing field to check required value');
          return { kind: 'backoff' };
        }
        return { kind: 'drop' };
      }
      if (requireValue !== '') {
        const v = obj[requireField];
        let pass: boolean;
        if (typeof v === 'string') pass = v === requireValue;
        else if (this.valueNumber !== null) pass = typeof v === 'number' && v === this.valueNumber;
        else pass = false;
        if (!pass) return { kind: 'drop' };
      }
    }
    if (whitelist.length === 0) return { kind: 'pass', body };
    const out: Record<string, unknown> = {};
    for (const k of whitelist) if (Object.hasOwn(obj, k)) out[k] = obj[k];
    return { kind: 'pass', body: Buffer.from(marshalSorted(out)) };
  }
}
