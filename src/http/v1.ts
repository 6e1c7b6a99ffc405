/**
 * NSQ's V1 HTTP responses (Go's internal/http_api, shared by nsqd, nsqlookupd and nsqadmin): the
 * `X-NSQ-Content-Type` envelope for JSON, text, empty and `{"message":...}` error answers, the
 * PlainText wrapper, and the topic/channel query arguments every program checks the same way.
 */

import { goJson, goJsonString } from '../go/json.js';
import { isValidChannelName, isValidTopicName } from '../wire/names.js';
import type { HttpRequest, HttpResponse } from './request.js';

const NSQ_V1: [string, string] = ['X-NSQ-Content-Type', 'nsq; version=1.0'];
const JSON_TYPE: [string, string] = ['Content-Type', 'application/json; charset=utf-8'];
const TEXT_TYPE: [string, string] = ['Content-Type', 'text/plain; charset=utf-8'];

/** V1 success with a JSON document (already encoded: text, or UTF-8 bytes) */
export function v1RawJson(json: string | Buffer): HttpResponse {
  return { status: 200, headers: [JSON_TYPE, NSQ_V1], body: json };
}

/** V1 success with a string or bytes: the raw body (Go sniffs text/plain) */
export function v1Text(body: string | Buffer): HttpResponse {
  return { status: 200, headers: body.length === 0 ? [NSQ_V1] : [TEXT_TYPE, NSQ_V1], body };
}

/** V1 success with nil: empty body */
export function v1Empty(): HttpResponse {
  return { status: 200, headers: [NSQ_V1], body: '' };
}

/** Go's http_api.RespondV1 with 200: a string or bytes go out raw, nil empty, anything else as Go's JSON */
export function v1Ok(data: unknown): HttpResponse {
  if (typeof data === 'string' || Buffer.isBuffer(data)) return v1Text(data);
  if (data === null || data === undefined) return v1Empty();
  return v1RawJson(goJson(data));
}

/** V1 error: `{"message":"<TEXT>"}` as Go's http_api.RespondV1 marshals it */
export function v1Error(status: number, message: string): HttpResponse {
  return { status, headers: [JSON_TYPE, NSQ_V1], body: `{"message":${goJsonString(message)}}` };
}

/** PlainText wrapper: the raw text with the status, no X-NSQ header */
export function plainText(status: number, text: string): HttpResponse {
  return { status, headers: text === '' ? [] : [TEXT_TYPE], body: text };
}

/** http_api.GetTopicChannelArgs: `topic` and `channel`, with the INVALID_ARG_* texts, or the error response */
export function topicChannelArgs(req: HttpRequest): [string, string] | HttpResponse {
  if (req.query === null) return v1Error(400, 'INVALID_REQUEST');
  const topic = req.query.get('topic');
  if (topic === null) return v1Error(400, 'MISSING_ARG_TOPIC');
  if (!isValidTopicName(topic)) return v1Error(400, 'INVALID_ARG_TOPIC');
  const channel = req.query.get('channel');
  if (channel === null) return v1Error(400, 'MISSING_ARG_CHANNEL');
  if (!isValidChannelName(channel)) return v1Error(400, 'INVALID_ARG_CHANNEL');
  return [topic, channel];
}
