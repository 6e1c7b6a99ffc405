/**
 * src/nsqd/auth/state.ts: an auth server's reply decoded as Go's encoding/json decodes it into
 * nsqd's auth.State (each case below was checked against Go nsqd 1.3.0 with the same reply),
 * validated in nsqd's order, and nsqd's IsAllowed/IsExpired.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthReplyError, authStateFromReply } from '../../src/nsqd/auth/state.js';

const NOW = 1_000_000;

function state(json: string) {
  return authStateFromReply(Buffer.from(json), NOW);
}

function refused(json: string, why: string | RegExp): void {
  assert.throws(
    () => state(json),
    (err: unknown) => {
      assert.ok(err instanceof AuthReplyError);
      if (typeof why === 'string') assert.equal(err.message, why);
      else assert.match(err.message, why);
      return true;
    },
  );
}

const PUB_ALL = '"authorizations":[{"topic":".*","channels":[".*"],"permissions":["publish"]}]';

describe('auth server reply', () => {
  it('decodes identity, identity_url, TTL and authorizations', () => {
    const s = state(
      `{"ttl":60,"identity":"bob","identity_url":"https://x/bob","authorizations":[` +
        `{"topic":"^orders$","channels":[".*"],"permissions":["publish","subscribe"]},` +
        `{"topic":"^logs","channels":["^ro$"],"permissions":["subscribe"]}],"extra":{"k":[1,2]}}`,
    );
    assert.equal(s.identity, 'bob');
    assert.equal(s.identityUrl, 'https://x/bob');
    assert.equal(s.authorizations.length, 2);
    assert.equal(s.expiresAt, NOW + 60_000);
    assert.equal(s.isExpired(NOW + 60_000), false); // Go: Expires.Before(now)
    assert.equal(s.isExpired(NOW + 60_001), true);
  });

  it("follows Go's decoding: folded keys (last wins), null fields, null elements", () => {
    // "TTL" and "ttl" are one field; the last one wins; CHANNELS/Topic fold too
    let s = state(
      '{"TTL":5,"Authorizations":[{"Topic":".*","CHANNELS":[".*"],"permissions":["publish"]}],"ttl":7}',
    );
    assert.equal(s.expiresAt, NOW + 7000);
    assert.ok(s.isAllowed('any', ''));
    // a null authorizations list is none; a null channel is "" (which matches every channel)
    assert.equal(state(`{"ttl":1,"authorizations":null}`).hasAuthorizations, false);
    s = state('{"ttl":1,"authorizations":[{"topic":"t","channels":[null],"permissions":["publish"]}]}');
    assert.ok(s.isAllowed('t', ''));
    // Expires (no json tag) must be an RFC 3339 time or null when present
    assert.ok(state(`{"ttl":1,"EXPIRES":"2020-01-02T03:04:05.5+01:00",${PUB_ALL}}`).hasAuthorizations);
    assert.ok(state(`{"ttl":1,"expires":null,${PUB_ALL}}`).hasAuthorizations);
    refused(`{"ttl":1,"Expires":"nope",${PUB_ALL}}`, /invalid JSON/);
    refused(`{"ttl":1,"expires":5,${PUB_ALL}}`, /invalid JSON/);
  });

  it("refuses what nsqd refuses, in nsqd's order, with nsqd's words", () => {
    refused(`{"ttl":5.0,${PUB_ALL}}`, /invalid JSON/); // an int field takes no fraction
    refused(`{"ttl":"5",${PUB_ALL}}`, /invalid JSON/);
    refused(`{"ttl":5,${PUB_ALL}} x`, /invalid JSON/);
    refused('[]', /invalid JSON/);
    refused(`{${PUB_ALL}}`, 'invalid TTL 0 (must be >0)');
    refused('null', 'invalid TTL 0 (must be >0)');
    refused(
      '{"ttl":0,"authorizations":[{"topic":"(","channels":[],"permissions":["admin"]}]}',
      'unknown permission admin',
    );
    refused(
      '{"ttl":0,"authorizations":[{"topic":"(","channels":[],"permissions":["publish"]}]}',
      'unable to compile topic "(" error parsing regexp: missing closing ): `(`',
    );
    refused(
      '{"ttl":0,"authorizations":[{"topic":"x","channels":["a", "[b"],"permissions":[]}]}',
      'unable to compile channel "[b" error parsing regexp: missing closing ]: `[b`',
    );
    refused(`{"ttl":-1,${PUB_ALL}}`, 'invalid TTL -1 (must be >0)');
  });
});

describe('IsAllowed', () => {
  const s = state(
    '{"ttl":60,"authorizations":[' +
      '{"topic":"^orders$","channels":["^ch$"],"permissions":["publish","subscribe"]},' +
      '{"topic":"ev","channels":[".*"],"permissions":["publish"]},' +
      '{"topic":"^nochan$","channels":[],"permissions":["publish","subscribe"]}]}',
  );

  it('a publish is the channel "", so it needs a channel regex matching ""', () => {
    assert.equal(s.isAllowed('orders', ''), false); // ^ch$ does not match ""
    assert.equal(s.isAllowed('events', ''), true); // unanchored topic regex
    assert.equal(s.isAllowed('nochan', ''), false); // no channel regex at all
  });

  it('a subscribe needs the subscribe permission and a channel regex matching the channel', () => {
    assert.equal(s.isAllowed('orders', 'ch'), true);
    assert.equal(s.isAllowed('orders', 'ch2'), false);
    assert.equal(s.isAllowed('events', 'ch'), false); // publish only
  });
});
