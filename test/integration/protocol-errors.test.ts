/**
 * Every V2 error code over real TCP, with its exact text, and whether the connection survives —
 * for each shard setting. The io thread's own limits (read deadline, line length) are in
 * protocol-deadlines.test.ts, run once.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SHARD_MATRIX, startBroker, type TestBroker } from '../helpers/broker.js';
import { freshTopic, subscriber, WireClient } from '../helpers/wire.js';

for (const workers of SHARD_MATRIX) {
  describe(`protocol errors (--workers=${workers})`, () => {
    let b: TestBroker;
    before(async () => {
      b = await startBroker({ workers, maxMsgSize: 1024, maxBodySize: 4096, maxReqTimeout: 60000 });
    });
    after(() => b.close());

    /** send raw bytes; expect exactly this error frame, then a closed connection */
    async function fatal(bytes: Buffer | string, expected: string): Promise<void> {
      const c = await WireClient.connect(b.port);
      c.write(bytes);
      assert.equal(await c.error(), expected);
      await c.waitClosed();
    }

    it('bad magic → framed E_BAD_PROTOCOL, then close', async () => {
      const c = await WireClient.connect(b.port, { magic: false });
      c.write('  V1');
      assert.equal(await c.error(), 'E_BAD_PROTOCOL');
      await c.waitClosed();
    });

    it('unknown and empty commands are fatal E_INVALID', async () => {
      await fatal('FOO bar\n', 'E_INVALID invalid command FOO');
      await fatal('\n', 'E_INVALID invalid command ');
      await fatal('pub t\n', 'E_INVALID invalid command pub');
    });

    it('state errors before SUB', async () => {
      await fatal('RDY 1\n', 'E_INVALID cannot RDY in current state');
      await fatal('FIN 0123456789abcdef\n', 'E_INVALID cannot FIN in current state');
      await fatal('REQ 0123456789abcdef 0\n', 'E_INVALID cannot REQ in current state');
      await fatal('TOUCH 0123456789abcdef\n', 'E_INVALID cannot TOUCH in current state');
      await fatal('CLS\n', 'E_INVALID cannot CLS in current state');
    });

    it('PUB checks in nsqd order', async () => {
      await fatal('PUB\n', 'E_INVALID PUB insufficient number of parameters');
      await fatal('PUB bad!name\n', 'E_BAD_TOPIC PUB topic name "bad!name" is not valid');
      await fatal(`PUB ${'a'.repeat(65)}\n`, `E_BAD_TOPIC PUB topic name "${'a'.repeat(65)}" is not valid`);
      const zero = Buffer.concat([Buffer.from('PUB t\n'), Buffer.from([0, 0, 0, 0])]);
      await fatal(zero, 'E_BAD_MESSAGE PUB invalid message body size 0');
      const neg = Buffer.concat([Buffer.from('PUB t\n'), Buffer.from([0xff, 0xff, 0xff, 0xfb])]);
      await fatal(neg, 'E_BAD_MESSAGE PUB invalid message body size -5');
      const big = Buffer.concat([Buffer.from('PUB t\n'), Buffer.from([0, 0, 4, 1])]);
      await fatal(big, 'E_BAD_MESSAGE PUB message too big 1025 > 1024');
    });

    it('MPUB checks, including the outer size nsqd never checks', async () => {
      await fatal('MPUB\n', 'E_INVALID MPUB insufficient number of parameters');
      await fatal('MPUB b@d\n', 'E_BAD_TOPIC E_BAD_TOPIC MPUB topic name "b@d" is not valid');
      const big = Buffer.concat([Buffer.from('MPUB t\n'), Buffer.from([0, 0, 0x10, 1])]);
      await fatal(big, 'E_BAD_BODY MPUB body too big 4097 > 4096');
      const count0 = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0]);
      await fatal(
        Buffer.concat([Buffer.from('MPUB t\n'), count0]),
        'E_BAD_BODY MPUB invalid message count 0',
      );
      // outer size 9 claims 1 message of 100 bytes
      const lie = Buffer.from([0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 100, 0x41]);
      const c = await WireClient.connect(b.port);
      c.write(Buffer.concat([Buffer.from('MPUB t\n'), lie]));
      const e = await c.error();
      assert.match(e, /^E_BAD_BODY MPUB/);
      await c.waitClosed();
      // an inner message over --max-msg-size
      const inner = Buffer.alloc(4 + 4 + 4 + 1025);
      inner.writeUInt32BE(4 + 4 + 1025, 0);
      inner.writeUInt32BE(1, 4);
      inner.writeUInt32BE(1025, 8);
      await fatal(
        Buffer.concat([Buffer.from('MPUB t\n'), inner]),
        'E_BAD_MESSAGE MPUB message too big 1025 > 1024',
      );
    });

    it('DPUB checks', async () => {
      await fatal('DPUB t\n', 'E_INVALID DPUB insufficient number of parameters');
      await fatal('DPUB t -1\n', 'E_INVALID DPUB could not parse timeout -1');
      await fatal('DPUB t 60001\n', 'E_INVALID DPUB timeout 60001 out of range 0-60000');
    });

    it('IDENTIFY body and value checks', async () => {
      await fatal(
        Buffer.concat([Buffer.from('IDENTIFY\n'), Buffer.from([0, 0, 0x10, 1])]),
        'E_BAD_BODY IDENTIFY body too big 4097 > 4096',
      );
      const cases: [string, string][] = [
        ['null', 'E_BAD_BODY IDENTIFY failed to decode JSON body'],
        ['{"heartbeat_interval":"x"}', 'E_BAD_BODY IDENTIFY failed to decode JSON body'],
        ['{"heartbeat_interval":500}', 'E_BAD_BODY IDENTIFY heartbeat interval (500) is invalid'],
        ['{"output_buffer_size":10}', 'E_BAD_BODY IDENTIFY output buffer size (10) is invalid'],
        ['{"output_buffer_timeout":5}', 'E_BAD_BODY IDENTIFY output buffer timeout (5) is invalid'],
        ['{"sample_rate":100}', 'E_BAD_BODY IDENTIFY sample rate (100) is invalid'],
        ['{"msg_timeout":10}', 'E_BAD_BODY IDENTIFY msg timeout (10) is invalid'],
      ];
      for (const [json, expected] of cases) {
        const c = await WireClient.connect(b.port);
        c.identify(JSON.parse(json === 'null' ? '{}' : json));
        if (json === 'null') {
          c.close();
          await fatal(
            Buffer.concat([Buffer.from('IDENTIFY\n'), Buffer.from([0, 0, 0, 4]), Buffer.from('null')]),
            expected,
          );
          continue;
        }
        assert.equal(await c.error(), expected, json);
        await c.waitClosed();
      }
    });

    it('SUB checks in nsqd order', async () => {
      await fatal('SUB t\n', 'E_INVALID SUB insufficient number of parameters');
      await fatal('SUB t!x c\n', 'E_BAD_TOPIC SUB topic name "t!x" is not valid');
      await fatal('SUB t c!x\n', 'E_BAD_CHANNEL SUB channel name "c!x" is not valid');
      const c = await WireClient.connect(b.port);
      c.identify({ heartbeat_interval: -1 });
      assert.equal(await c.response(), 'OK');
      c.cmd('SUB t c');
      assert.equal(await c.error(), 'E_INVALID cannot SUB with heartbeats disabled');
      await c.waitClosed();
      const twice = await subscriber(b.port, freshTopic(), 'c', 0);
      twice.cmd('SUB t c');
      assert.equal(await twice.error(), 'E_INVALID cannot SUB in current state');
      await twice.waitClosed();
    });

    it('IDENTIFY after SUB is fatal', async () => {
      const c = await subscriber(b.port, freshTopic(), 'c', 0);
      c.identify({});
      assert.equal(await c.error(), 'E_INVALID cannot IDENTIFY in current state');
      await c.waitClosed();
    });

    it('RDY parse and range errors are fatal', async () => {
      for (const [arg, expected] of [
        ['-1', 'E_INVALID RDY could not parse count -1'],
        ['+5', 'E_INVALID RDY could not parse count +5'],
        ['2501', 'E_INVALID RDY count 2501 out of range 0-2500'],
      ]) {
        const c = await subscriber(b.port, freshTopic(), 'c', 0);
        c.cmd(`RDY ${arg}`);
        assert.equal(await c.error(), expected);
        await c.waitClosed();
      }
    });

    it('FIN/REQ/TOUCH param errors are fatal, unknown IDs are not', async () => {
      const c = await subscriber(b.port, freshTopic(), 'c', 1);
      c.cmd('FIN 0123456789abcdef');
      assert.equal(await c.error(), 'E_FIN_FAILED FIN 0123456789abcdef failed ID not in flight');
      c.cmd('REQ 0123456789abcdef 0');
      assert.equal(await c.error(), 'E_REQ_FAILED REQ 0123456789abcdef failed ID not in flight');
      c.cmd('TOUCH 0123456789abcdef');
      assert.equal(await c.error(), 'E_TOUCH_FAILED TOUCH 0123456789abcdef failed ID not in flight');
      // still open: a NOP and a PUB on the same connection work
      c.cmd('NOP');
      c.pub(freshTopic(), 'x');
      assert.equal(await c.response(), 'OK');
      c.cmd('REQ 0123456789abcdef x');
      assert.equal(await c.error(), 'E_INVALID REQ could not parse timeout x');
      await c.waitClosed();
      for (const [line, expected] of [
        ['FIN', 'E_INVALID FIN insufficient number of params'],
        ['FIN abc', 'E_INVALID invalid message ID'],
        ['REQ 0123456789abcdef', 'E_INVALID REQ insufficient number of params'],
        ['TOUCH', 'E_INVALID TOUCH insufficient number of params'],
      ]) {
        const s = await subscriber(b.port, freshTopic(), 'c', 0);
        s.cmd(line!);
        assert.equal(await s.error(), expected);
        await s.waitClosed();
      }
    });

    it('AUTH without an auth server is E_AUTH_DISABLED', async () => {
      await fatal('AUTH a b\n', 'E_INVALID AUTH invalid number of parameters');
      const body = Buffer.concat([Buffer.from('AUTH\n'), Buffer.from([0, 0, 0, 3]), Buffer.from('abc')]);
      await fatal(body, 'E_AUTH_DISABLED AUTH disabled');
    });

    it('a pipelined error comes after the OKs of the commands before it', async () => {
      const c = await WireClient.connect(b.port);
      const t = freshTopic();
      c.write(
        Buffer.concat([
          Buffer.from(`PUB ${t}\n`),
          Buffer.from([0, 0, 0, 1]),
          Buffer.from('a'),
          Buffer.from(`PUB ${t}\n`),
          Buffer.from([0, 0, 0, 1]),
          Buffer.from('b'),
          Buffer.from('BOGUS\n'),
        ]),
      );
      assert.equal(await c.response(), 'OK');
      assert.equal(await c.response(), 'OK');
      assert.equal(await c.error(), 'E_INVALID invalid command BOGUS');
      await c.waitClosed();
    });
  });
}
