/** nsqd's program-wide constants: the Go nsqd release it mirrors (the wire's, such as the message-ID length, live in src/wire/). */

import { NSQ_VERSION } from '../../go/version.js';

/** The nsqd release whose behaviour nsq-ts mirrors: --version, IDENTIFY's and /info's `version` (clients and nsqadmin parse it as semver). */
export const NSQD_VERSION = NSQ_VERSION;
