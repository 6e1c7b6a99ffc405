/**
 * nsqlookupd's registration DB with Go's registration_db.go semantics: keys that outlive their
 * producers, `*` matching, producers found once per peer, the peer index kept in step with every
 * add and remove, per-registration tombstones, and FilterByActive's inactivity and tombstone rules
 * on an explicit clock.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterByActive, PeerInfo, RegistrationDB } from '../../src/nsqlookupd/db/registration-db.js';

const peer = (id: string, now = 1000): PeerInfo =>
  new PeerInfo(
    id,
    {
      hostname: `${id}.host`,
      broadcastAddress: id,
      tcpPort: 4150,
      httpPort: 4151,
      version: '1.3.0',
      topologyZone: '',
      topologyRegion: '',
    },
    now,
  );

const keys = (db: RegistrationDB): string[] =>
  db.registrations().map((r) => `${r.category}:${r.key}:${r.subkey}=${[...r.producers.keys()].join('+')}`);

describe('RegistrationDB', () => {
  it('addProducer creates the key, adds a peer once, and indexes the peer', () => {
    const db = new RegistrationDB();
    const a = peer('a');
    assert.equal(db.addProducer('topic', 't', '', a), true);
    assert.equal(db.addProducer('topic', 't', '', a), false);
    assert.equal(db.addProducer('channel', 't', 'c', a), true);
    assert.deepEqual(keys(db), ['topic:t:=a', 'channel:t:c=a']);
    assert.deepEqual(
      db.lookupRegistrations('a').map((r) => r.category),
      ['topic', 'channel'],
    );
  });

  it('removeProducer leaves the key (Go: "this leaves keys in the DB even if they have empty lists")', () => {
    const db = new RegistrationDB();
    const a = peer('a');
    const b = peer('b');
    db.addProducer('topic', 't', '', a);
    db.addProducer('topic', 't', '', b);
    const r = db.get('topic', 't', '')!;
    assert.deepEqual(db.removeProducer(r, 'a'), [true, 1]);
    assert.deepEqual(db.removeProducer(r, 'a'), [false, 1]);
    assert.deepEqual(db.removeProducer(r, 'b'), [true, 0]);
    assert.deepEqual(keys(db), ['topic:t:=']);
    assert.deepEqual(db.lookupRegistrations('a'), []);
  });

  it('removeRegistration drops the key and un-indexes its producers; a channel key may outlive its topic key', () => {
    const db = new RegistrationDB();
    const a = peer('a');
    db.addProducer('topic', 't', '', a);
    db.addProducer('channel', 't', 'c', a);
    db.removeRegistration(db.get('topic', 't', '')!);
    assert.deepEqual(keys(db), ['channel:t:c=a']);
    assert.deepEqual(
      db.lookupRegistrations('a').map((r) => `${r.key}:${r.subkey}`),
      ['t:c'],
    );
    assert.deepEqual(db.findRegistrations('topic', 't', ''), []);
    assert.deepEqual(
      db.findRegistrations('channel', 't', '*').map((r) => r.subkey),
      ['c'],
    );
  });

  it('findRegistrations and findProducers match `*` as Go does, each peer once', () => {
    const db = new RegistrationDB();
    const a = peer('a');
    const b = peer('b');
    db.addProducer('topic', 't1', '', a);
    db.addProducer('topic', 't2', '', a);
    db.addProducer('topic', 't2', '', b);
    db.addProducer('channel', 't1', 'c1', a);
    db.addProducer('channel', 't2', 'c2', b);
    db.addRegistration('client', '', '');
    assert.deepEqual(
      db.findRegistrations('topic', '*', '').map((r) => r.key),
      ['t1', 't2'],
    );
    assert.deepEqual(
      db.findRegistrations('channel', '*', '*').map((r) => r.subkey),
      ['c1', 'c2'],
    );
    assert.deepEqual(
      db.findRegistrations('channel', '*', 'c2').map((r) => r.key),
      ['t2'],
    );
    assert.deepEqual(
      db.findProducers('topic', '*', '').map((p) => p.peer.id),
      ['a', 'b'],
    );
    assert.deepEqual(
      db.findProducers('topic', 't2', '').map((p) => p.peer.id),
      ['a', 'b'],
    );
    assert.deepEqual(db.findProducers('topic', 'none', ''), []);
    assert.equal(db.findRegistrations('client', '', '').length, 1);
  });

  it('a tombstone belongs to one registration (one topic) of a peer', () => {
    const db = new RegistrationDB();
    const a = peer('a');
    db.addProducer('topic', 't1', '', a);
    db.addProducer('topic', 't2', '', a);
    db.findProducers('topic', 't1', '')[0]!.tombstone(2000);
    assert.equal(db.findProducers('topic', 't1', '')[0]!.isTombstoned(45_000, 2001), true);
    assert.equal(db.findProducers('topic', 't2', '')[0]!.isTombstoned(45_000, 2001), false);
  });
});

describe('filterByActive', () => {
  it('hides producers not updated within the timeout and those tombstoned within the lifetime', () => {
    const db = new RegistrationDB();
    const fresh = peer('fresh', 10_000);
    const stale = peer('stale', 1_000);
    const dead = peer('dead', 10_000);
    for (const p of [fresh, stale, dead]) db.addProducer('topic', 't', '', p);
    db.findProducers('topic', 't', '')
      .find((p) => p.peer.id === 'dead')!
      .tombstone(10_000);
    const all = db.findProducers('topic', 't', '');
    const ids = (now: number, timeout: number, lifetime: number): string[] =>
      filterByActive(all, timeout, lifetime, now).map((p) => p.peer.id);
    assert.deepEqual(ids(10_500, 5_000, 1_000), ['fresh']);
    // exactly at the timeout is still active (Go: now.Sub(cur) > timeout hides)
    assert.deepEqual(ids(11_000, 10_000, 2_000), ['fresh', 'stale']);
    // a tombstone expires after its lifetime; lifetime 0 ignores tombstones (/nodes)
    assert.deepEqual(ids(11_000, 5_000, 1_000), ['fresh', 'dead']);
    assert.deepEqual(ids(10_500, 5_000, 0), ['fresh', 'dead']);
  });
});
