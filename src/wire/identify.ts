/**
 * The IDENTIFY body decoded with Go encoding/json semantics (../go/json-decode.ts) into nsqd's
 * identifyDataV2 fields; validation of the values is the router's job.
 */

import { decodeGoStruct, K_BOOL, K_INT32, K_INT64, K_STRING, type StructField } from '../go/json-decode.js';
import { type ProtocolError, protocolError } from './errors.js';

export interface IdentifyData {
  clientId: string;
  hostname: string;
  userAgent: string;
  featureNegotiation: boolean;
  tlsV1: boolean;
  snappy: boolean;
  deflate: boolean;
  heartbeatInterval: number;
  outputBufferSize: number;
  outputBufferTimeout: number;
  sampleRate: number;
  msgTimeout: number;
  deflateLevel: number;
  topologyZone: string;
  topologyRegion: string;
}

function defaults(): IdentifyData {
  return {
    clientId: '',
    hostname: '',
    userAgent: '',
    featureNegotiation: false,
    tlsV1: false,
    snappy: false,
    deflate: false,
    heartbeatInterval: 0,
    outputBufferSize: 0,
    outputBufferTimeout: 0,
    sampleRate: 0,
    msgTimeout: 0,
    deflateLevel: 0,
    topologyZone: '',
    topologyRegion: '',
  };
}

/** json tag → field; tags are lowercase, so a key matches when its Go case-fold equals the tag */
const FIELDS = new Map<string, StructField<IdentifyData>>([
  ['client_id', { key: 'clientId', kind: K_STRING }],
  ['hostname', { key: 'hostname', kind: K_STRING }],
  ['user_agent', { key: 'userAgent', kind: K_STRING }],
  ['feature_negotiation', { key: 'featureNegotiation', kind: K_BOOL }],
  ['tls_v1', { key: 'tlsV1', kind: K_BOOL }],
  ['snappy', { key: 'snappy', kind: K_BOOL }],
  ['deflate', { key: 'deflate', kind: K_BOOL }],
  ['heartbeat_interval', { key: 'heartbeatInterval', kind: K_INT64 }],
  ['output_buffer_size', { key: 'outputBufferSize', kind: K_INT64 }],
  ['output_buffer_timeout', { key: 'outputBufferTimeout', kind: K_INT64 }],
  ['sample_rate', { key: 'sampleRate', kind: K_INT32 }],
  ['msg_timeout', { key: 'msgTimeout', kind: K_INT64 }],
  ['deflate_level', { key: 'deflateLevel', kind: K_INT64 }],
  ['topology_zone', { key: 'topologyZone', kind: K_STRING }],
  ['topology_region', { key: 'topologyRegion', kind: K_STRING }],
]);

/**
 * Decodes an IDENTIFY body. Keys match case-insensitively (Go folding), later keys overwrite earlier
 * ones, unknown keys are skipped, `null` leaves a field at its default. Invalid JSON, a type mismatch
 * (including `1.0` or `3e4` for an int, or an int out of range) and any top level other than an object
 * (Go accepts `null`; we do not) give `E_BAD_BODY IDENTIFY failed to decode JSON body`.
 */
export function decodeIdentify(body: Uint8Array): IdentifyData | ProtocolError {
  const out = defaults();
  return decodeGoStruct(body, FIELDS, out)
    ? out
    : protocolError('E_BAD_BODY', 'IDENTIFY failed to decode JSON body');
}
