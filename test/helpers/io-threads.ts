/**
 * The io-thread lane: `NSQ_TEST_IO_THREADS=N` (npm run test:io-threads) runs every test broker and
 * every nsqd process a test starts with N io threads (--io-threads), unless the test sets its own
 * or runs the shard inline (--workers=0, one io thread by definition). Unset: the default (0, auto).
 */

const LANE = Number(process.env.NSQ_TEST_IO_THREADS ?? '0');

/** the io threads a test broker with `workers` shard workers runs */
export function testIoThreads(workers: number): number {
  return workers === 0 ? 0 : LANE;
}

/** nsqd's argv with the lane's --io-threads added, where the argv allows it */
export function withTestIoThreads(args: string[]): string[] {
  if (LANE <= 1) return args;
  const flags = args.map((a) => a.replace(/^--?/, ''));
  const inline = flags.some((f, i) => f === 'workers=0' || (f === 'workers' && args[i + 1] === '0'));
  if (inline || flags.some((f) => f.startsWith('io-threads'))) return args;
  return [...args, `--io-threads=${LANE}`];
}
