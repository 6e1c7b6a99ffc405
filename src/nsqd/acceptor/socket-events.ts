/**
 * A connection's socket events as named module-level listeners (no closure per socket): the
 * socket is tagged with its Connection, and each event goes to that connection's handler. A TLS
 * upgrade moves them from the plain socket to the TLS one. Owns nothing but the tag.
 */

import type { Socket } from 'node:net';

/** what the listeners call */
export interface SocketEventHandler {
  handleData(chunk: Buffer): void;
  handleEnd(): void;
  handleDrain(): void;
  handleError(err: NodeJS.ErrnoException): void;
  handleClose(): void;
}

const kConn = Symbol('nsq.connection');
type TaggedSocket = Socket & { [kConn]?: SocketEventHandler };

/** the connection's named listeners on a socket (the plain one, then the TLS one that replaces it) */
export function listen(socket: Socket, c: SocketEventHandler): void {
  (socket as TaggedSocket)[kConn] = c;
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('drain', onDrain);
  socket.on('error', onError);
  socket.on('close', onClose);
}

export function unlisten(socket: Socket): void {
  socket.off('data', onData);
  socket.off('end', onEnd);
  socket.off('drain', onDrain);
  socket.off('error', onError);
  socket.off('close', onClose);
}

function onData(this: TaggedSocket, chunk: Buffer): void {
  this[kConn]!.handleData(chunk);
}
function onEnd(this: TaggedSocket): void {
  this[kConn]!.handleEnd();
}
function onDrain(this: TaggedSocket): void {
  this[kConn]!.handleDrain();
}
function onError(this: TaggedSocket, err: Error): void {
  this[kConn]!.handleError(err);
}
function onClose(this: TaggedSocket): void {
  this[kConn]!.handleClose();
}
