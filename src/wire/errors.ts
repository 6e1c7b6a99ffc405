/**
 * Protocol errors as plain data: `{ code, text, fatal }`. Codes survive postMessage and ring
 * records (as their index in ERROR_CODES); classes would not. Only E_FIN_FAILED, E_REQ_FAILED and
 * E_TOUCH_FAILED are non-fatal.
 */

/** every error code nsqd sends; a code's index here is how it crosses a ring (one byte) */
export const ERROR_CODES = [
  'E_BAD_PROTOCOL',
  'E_INVALID',
  'E_BAD_BODY',
  'E_BAD_TOPIC',
  'E_BAD_CHANNEL',
  'E_BAD_MESSAGE',
  'E_PUB_FAILED',
  'E_MPUB_FAILED',
  'E_DPUB_FAILED',
  'E_SUB_FAILED',
  'E_IDENTIFY_FAILED',
  'E_AUTH_FIRST',
  'E_AUTH_FAILED',
  'E_UNAUTHORIZED',
  'E_AUTH_DISABLED',
  'E_AUTH_ERROR',
  'E_FIN_FAILED',
  'E_REQ_FAILED',
  'E_TOUCH_FAILED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ProtocolError {
  readonly code: ErrorCode;
  /** the human description that follows the code in the error frame ("" for E_BAD_PROTOCOL) */
  readonly text: string;
  readonly fatal: boolean;
}

const NON_FATAL: ReadonlySet<ErrorCode> = new Set(['E_FIN_FAILED', 'E_REQ_FAILED', 'E_TOUCH_FAILED']);
const CODE_INDEX: ReadonlyMap<ErrorCode, number> = new Map(ERROR_CODES.map((c, i) => [c, i]));

export function protocolError(code: ErrorCode, text: string): ProtocolError {
  return { code, text, fatal: !NON_FATAL.has(code) };
}

/** the code's index in ERROR_CODES (what a ring record carries instead of the code's text) */
export function errorCodeIndex(code: ErrorCode): number {
  return CODE_INDEX.get(code)!;
}

/** the code at `index` in ERROR_CODES; throws on an index no code has (a corrupt record) */
export function errorCodeAt(index: number): ErrorCode {
  const code = ERROR_CODES[index];
  if (code === undefined) throw new RangeError(`no error code has index ${index}`);
  return code;
}

/** The error frame's data: `"<CODE> <text>"`, or the bare code when there is no text. */
export function errorFrameData(err: ProtocolError): string {
  return err.text === '' ? err.code : `${err.code} ${err.text}`;
}
