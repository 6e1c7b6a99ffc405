/** nsqd's program-wide constants: the Go nsqd release it mirrors (the wire's, such as the message-ID length, live in src/wire/). */

import { NSQ_VERSION } from '../../go/version.js';

/** The nsqd release whose behaviour nsq-ts mirrors: --version, IDENTIFY's and /info's `version` (clients and nsqadmin parse it as semver). */
export const NSQD_VERSION = NSQ_VERSION;

/**
 * Beyond nsqd: in the error text of a publish that a reject-new queue at its max depth refused
 * (`E_PUB_FAILED PUB failed channel c max-depth reached (1000)`); the HTTP API answers it 503 MAX_DEPTH
 */
export const DEPTH_REJECTED = 'max-depth reached';
