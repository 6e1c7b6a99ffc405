// The small part of nsqjs (a real NSQ client from npm) that the integration tests use.
declare module 'nsqjs' {
  import { EventEmitter } from 'node:events';

  export interface Message {
    id: string;
    attempts: number;
    timestamp: bigint | number;
    body: Buffer;
    finish(): void;
    requeue(delay?: number | null, backoff?: boolean): void;
    touch(): void;
    json(): unknown;
  }

  export class Reader extends EventEmitter {
    constructor(topic: string, channel: string, options: Record<string, unknown>);
    connect(): void;
    close(): void;
  }

  export class Writer extends EventEmitter {
    constructor(host: string, port: number, options?: Record<string, unknown>);
    connect(): void;
    close(): void;
    publish(topic: string, msgs: string | Buffer | (string | Buffer)[], cb?: (err?: Error) => void): void;
    deferPublish(
      topic: string,
      msg: string | Buffer | (string | Buffer)[],
      timeMs: number,
      cb?: (err?: Error) => void,
    ): void;
  }

  const nsq: { Reader: typeof Reader; Writer: typeof Writer };
  export default nsq;
}
