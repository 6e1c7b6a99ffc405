/** Placeholder for the disk queue's append benchmark, which arrives with the persistence issue. */

import type { MicroSuite } from './run.js';

export function diskSuite(): MicroSuite {
  return { name: 'disk', msgSize: 0, note: 'disk queue: arrives with the persistence issue', tasks: [] };
}
