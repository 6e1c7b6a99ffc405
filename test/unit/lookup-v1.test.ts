// nsqd's side of lookupd's TCP protocol V1: the commands' bytes and log texts as go-nsq writes
// them, the response reader fed whole, byte by byte and at seeded random split points, its size
// bound, and the IDENTIFY reply decoded as Go's json.Unmarshal into peerInfo does.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parsePeerInfo } from '../../src/nsqd/lookup/peer.js';
import { MAGIC_V1, PING, registerCommand, V1ResponseReader, v1Command } from '../../src/nsqd/lookup/v1.js';
import { prng } from '../helpers/prng.js';

function frame(data: string): Buffer {
  const body = Buffer.from(data, 'utf8');
  const head = Buffer.alloc(4);
  head.writeInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** every response `reader` yields when `bytes` arrive in the pieces `cuts` makes */
function readAll(bytes: Buffer, cuts: number[], limit = 1 << 20): string[] {
  const r = new V1ResponseReader(limit);
  const out: string[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    r.push(bytes.subarray(from, to));
    from = to;
    for (let m = r.next(); m !== null; m = r.next()) out.push(m.toString('utf8'));
  }
  return out;
}

describe('V1 commands', () => {
  test('the magic is two spaces and V1', () => {
    assert.equal(MAGIC_V1.toString('latin1'), '  V1');
  });
  test('REGISTER / UNREGISTER leave out an empty channel', () => {
    assert.equal(registerCommand('REGISTER', 't', '').bytes.toString(), 'REGISTER t\n');
    assert.equal(registerCommand('REGISTER', 't', 'c').bytes.toString(), 'REGISTER t c\n');
    assert.equal(
      registerCommand('UNREGISTER', 't#ephemeral', '').bytes.toString(),
      'UNREGISTER t#ephemeral\n',
    );
    assert.equal(registerCommand('UNREGISTER', 't', 'c').text, 'UNREGISTER t c');
  });
  test('PING, and IDENTIFY with its size-prefixed body (the text leaves the body out)', () => {
    assert.equal(PING.bytes.toString(), 'PING\n');
    assert.equal(PING.text, 'PING');
    const id = v1Command('IDENTIFY', [], Buffer.from('{"a":1}'));
    assert.deepEqual(
      id.bytes,
      Buffer.concat([Buffer.from('IDENTIFY\n'), Buffer.from([0, 0, 0, 7]), Buffer.from('{"a":1}')]),
    );
    assert.equal(id.text, 'IDENTIFY');
  });
});

describe('V1ResponseReader', () => {
  const responses = ['OK', '{"broadcast_address":"h","tcp_port":4160}', '', 'E_INVALID invalid command X'];
  const bytes = Buffer.concat(responses.map(frame));

  test('whole, byte by byte, and at seeded random split points', () => {
    assert.deepEqual(readAll(bytes, []), responses);
    assert.deepEqual(
      readAll(
        bytes,
        Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
      ),
      responses,
    );
    for (let seed = 1; seed <= 50; seed++) {
      const rand = prng(seed);
      const cuts = [...new Set(Array.from({ length: 4 }, () => 1 + Math.floor(rand() * (bytes.length - 1))))];
      assert.deepEqual(
        readAll(
          bytes,
          cuts.sort((a, b) => a - b),
        ),
        responses,
        `seed ${seed}`,
      );
    }
  });

  test('a response over the limit is an error, with readResponseBounded text', () => {
    const r = new V1ResponseReader(4);
    r.push(frame('12345'));
    assert.throws(() => r.next(), { message: 'response body size (5) is greater than limit (4)' });
    const ok = new V1ResponseReader(4);
    ok.push(frame('1234'));
    assert.equal(ok.next()?.toString(), '1234');
  });

  test('a negative size is an error', () => {
    const r = new V1ResponseReader(100);
    r.push(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
    assert.throws(() => r.next(), /response body size \(-2\)/);
  });
});

describe('parsePeerInfo (json.Unmarshal into peerInfo)', () => {
  test("nsqlookupd's reply", () => {
    const reply =
      '{"broadcast_address":"lk","hostname":"h","http_port":4161,"tcp_port":4160,"version":"1.3.0"}';
    assert.deepEqual(parsePeerInfo(reply), {
      tcpPort: 4160,
      httpPort: 4161,
      version: '1.3.0',
      broadcastAddress: 'lk',
    });
  });
  test('keys fold case; unknown keys and nulls are skipped; missing fields stay zero', () => {
    assert.deepEqual(parsePeerInfo('{"TCP_PORT":1,"Broadcast_Address":"x","other":[1],"version":null}'), {
      tcpPort: 1,
      httpPort: 0,
      version: '',
      broadcastAddress: 'x',
    });
    assert.deepEqual(parsePeerInfo('null'), { tcpPort: 0, httpPort: 0, version: '', broadcastAddress: '' });
  });
  test('not JSON, not an object, or a field of the wrong type fails', () => {
    assert.equal(parsePeerInfo('E_INVALID cannot IDENTIFY again'), null);
    assert.equal(parsePeerInfo('[1]'), null);
    assert.equal(parsePeerInfo('"x"'), null);
    assert.equal(parsePeerInfo('{"tcp_port":"4160"}'), null);
    assert.equal(parsePeerInfo('{"tcp_port":1.5}'), null);
    assert.equal(parsePeerInfo('{"version":1}'), null);
  });
});
