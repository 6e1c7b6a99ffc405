/**
 * src/http/go-client.ts: http_api's httpsEndpoint (the URL a 403 `{"https_port":N}` sends a client
 * to, and Go's failures) and the `got response` error text, as nsqd, nsqadmin and the client use them.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gotResponseError, httpsEndpoint } from '../../src/http/go-client.js';

const body = (s: string): Buffer => Buffer.from(s);

test('httpsEndpoint: same host, path and query over https on the named port', () => {
  assert.equal(
    httpsEndpoint(
      'http://127.0.0.1:4151/stats?format=json',
      body('{"message":"TLS_REQUIRED","https_port":4152}'),
    ),
    'https://127.0.0.1:4152/stats?format=json',
  );
  assert.equal(httpsEndpoint('http://[::1]:80/auth', body('{"https_port":443}')), 'https://[::1]/auth');
});

test('httpsEndpoint: null or no https_port is port 0, as json.Unmarshal leaves the zero value', () => {
  assert.equal(httpsEndpoint('http://h:1/x', body('null')), 'https://h:0/x');
  assert.equal(httpsEndpoint('http://h:1/x', body('{}')), 'https://h:0/x');
});

test("httpsEndpoint: Go's failures", () => {
  assert.throws(() => httpsEndpoint('http://h:1/x', body('nope')), /not valid JSON/);
  assert.throws(
    () => httpsEndpoint('http://h:1/x', body('{"https_port":"1"}')),
    /cannot unmarshal https_port/,
  );
  assert.throws(() => httpsEndpoint('http://h/x', body('{"https_port":1}')), {
    message: 'address h: missing port in address',
  });
});

test('gotResponseError: status, status text and the body as %q', () => {
  assert.equal(
    gotResponseError(404, 'Not Found', '{"message":"TOPIC_NOT_FOUND"}').message,
    'got response 404 Not Found "{\\"message\\":\\"TOPIC_NOT_FOUND\\"}"',
  );
  assert.equal(
    gotResponseError(500, 'Internal Server Error', body('\x01')).message,
    'got response 500 Internal Server Error "\\x01"',
  );
});
