/**
 * The child process of listener-copies.ts: sends the handle it is given back `count` times (each
 * send is a new descriptor in the parent), then leaves. It never listens or accepts.
 */

process.on('message', (msg: { count: number }, handle: unknown) => {
  let left = msg.count;
  for (let i = 0; i < msg.count; i++) {
    process.send!({ copy: i }, handle as never, () => {
      if (--left === 0) process.disconnect();
    });
  }
});
