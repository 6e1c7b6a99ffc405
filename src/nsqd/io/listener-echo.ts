/**
 * The child process of listener-copies.ts: sends each handle it is given back `count` times,
 * tagged with its server's number (each send is a new descriptor in the parent), and leaves once
 * every server's copies are sent. It never listens or accepts.
 */

let received = 0;
let sending = 0;

process.on('message', (msg: { server: number; count: number; servers: number }, handle: unknown) => {
  received++;
  for (let i = 0; i < msg.count; i++) {
    sending++;
    process.send!({ server: msg.server }, handle as never, () => {
      if (--sending === 0 && received === msg.servers) process.disconnect();
    });
  }
});
