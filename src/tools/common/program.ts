/**
 * What every nsq_* tool's main shares besides flags: the version line, Go's `log.Printf` /
 * `log.Fatal` on stderr, the user agent it sends, the stop signals, the address-flag checks, and
 * the go-nsq config a tool starts from.
 */

import { CLIENT_VERSION, type Config, newConfig } from '../../client/config.js';
import { goLogLine } from '../../go/log.js';
import { exitWith } from './flags.js';

/** the NSQ release whose tools these are (`nsq_tail v1.3.0`) */
export const NSQ_VERSION = '1.3.0';

/** `--version`'s line: `<tool> v1.3.0` */
export function versionLine(tool: string): string {
  return `${tool} v${NSQ_VERSION}\n`;
}

/** the IDENTIFY user agent: Go's `<tool>/1.3.0 go-nsq/1.1.0` with this client in go-nsq's place */
export function userAgent(tool: string): string {
  return `${tool}/${NSQ_VERSION} nsq-ts/${CLIENT_VERSION}`;
}

/** Go's log.Printf: a timestamped line on stderr */
export function logf(text: string): void {
  process.stderr.write(goLogLine(text));
}

/** Go's log.Fatal: the line, then exit 1 */
export function fatal(text: string): never {
  process.stderr.write(goLogLine(text));
  return exitWith(1);
}

/** go-nsq's NewConfig(), the base the tools' flags and `--*-opt` change */
export function toolConfig(): Config {
  return newConfig();
}

/**
 * Go's signal.Notify(ch, SIGINT, SIGTERM) with a one-slot channel read once: the first signal calls
 * `onStop`, later ones are swallowed (the process is not killed by them while it stops).
 */
export function onStopSignals(
  onStop: (signal: NodeJS.Signals) => void,
  signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'],
): void {
  let fired = false;
  const handler = (sig: NodeJS.Signals): void => {
    if (fired) return;
    fired = true;
    onStop(sig);
  };
  for (const s of signals) process.on(s, handler);
}

/**
 * The consumer tools' address rule: exactly one of --nsqd-tcp-address and --lookupd-http-address
 * (nsq_tail, nsq_to_file, nsq_to_http, nsq_to_nsq), with Go's texts.
 */
export function requireOneSource(
  nsqdTcp: readonly string[],
  lookupdHttp: readonly string[],
  period = '',
): void {
  // nsq_to_file's text ends with a period (`period = '.'`)
  if (nsqdTcp.length === 0 && lookupdHttp.length === 0)
    fatal(`--nsqd-tcp-address or --lookupd-http-address required${period}`);
  if (nsqdTcp.length > 0 && lookupdHttp.length > 0)
    fatal('use --nsqd-tcp-address or --lookupd-http-address not both');
}
