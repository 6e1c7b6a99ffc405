/** The errors the client rejects with: go-nsq's texts, with a stable `code` to test against. */

export type ClientErrorCode =
  /** go-nsq ErrNotConnected: the connection closed before the answer came */
  | 'ERR_NOT_CONNECTED'
  /** go-nsq ErrStopped: the producer or consumer was stopped */
  | 'ERR_STOPPED'
  /** go-nsq ErrAlreadyConnected */
  | 'ERR_ALREADY_CONNECTED'
  /** the producer's bounded pending queue is full (nsq-ts; go-nsq blocks the caller instead) */
  | 'ERR_PENDING_FULL'
  /** an error frame from nsqd (go-nsq ErrProtocol): the message is the frame, e.g. `E_BAD_TOPIC ...` */
  | 'ERR_PROTOCOL'
  /** dial, IDENTIFY or AUTH failed: the message is go-nsq's (`dial tcp ...`, `failed to IDENTIFY - ...`) */
  | 'ERR_CONNECT'
  /** a bad argument (invalid topic/channel name, bad option) */
  | 'ERR_INVALID';

export class NsqClientError extends Error {
  readonly code: ClientErrorCode;
  /** for ERR_PROTOCOL: the frame's error code (`E_BAD_TOPIC`) */
  readonly protocolCode: string;

  constructor(code: ClientErrorCode, message: string) {
    super(message);
    this.name = 'NsqClientError';
    this.code = code;
    this.protocolCode = code === 'ERR_PROTOCOL' ? (message.split(' ', 1)[0] ?? '') : '';
  }
}

export const notConnected = (): NsqClientError => new NsqClientError('ERR_NOT_CONNECTED', 'not connected');
export const stopped = (): NsqClientError => new NsqClientError('ERR_STOPPED', 'stopped');
