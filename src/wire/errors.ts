/**
 * Protocol errors as plain data: `{ code, text, fatal }`. Codes survive postMessage and ring
 * records; classes would not. Only E_FIN_FAILED, E_REQ_FAILED and E_TOUCH_FAILED are non-fatal.
 */

export type ErrorCode =
  | 'E_BAD_PROTOCOL'
  | 'E_INVALID'
  | 'E_BAD_BODY'
  | 'E_BAD_TOPIC'
  | 'E_BAD_CHANNEL'
  | 'E_BAD_MESSAGE'
  | 'E_PUB_FAILED'
  | 'E_MPUB_FAILED'
  | 'E_DPUB_FAILED'
  | 'E_SUB_FAILED'
  | 'E_IDENTIFY_FAILED'
  | 'E_AUTH_FIRST'
  | 'E_AUTH_FAILED'
  | 'E_UNAUTHORIZED'
  | 'E_AUTH_DISABLED'
  | 'E_AUTH_ERROR'
  | 'E_FIN_FAILED'
  | 'E_REQ_FAILED'
  | 'E_TOUCH_FAILED';

export interface ProtocolError {
  readonly code: ErrorCode;
  /** the human description that follows the code in the error frame ("" for E_BAD_PROTOCOL) */
  readonly text: string;
  readonly fatal: boolean;
}

const NON_FATAL: ReadonlySet<ErrorCode> = new Set(['E_FIN_FAILED', 'E_REQ_FAILED', 'E_TOUCH_FAILED']);

export function protocolError(code: ErrorCode, text: string): ProtocolError {
  return { code, text, fatal: !NON_FATAL.has(code) };
}

/** The error frame's data: `"<CODE> <text>"`, or the bare code when there is no text. */
export function errorFrameData(err: ProtocolError): string {
  return err.text === '' ? err.code : `${err.code} ${err.text}`;
}
