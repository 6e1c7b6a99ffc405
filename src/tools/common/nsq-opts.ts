/**
 * The go-nsq side of a tool's command line: --consumer-opt/--producer-opt (`name,value` or `name`
 * for true, go-nsq's ConfigFlag.Set), the tool's user agent and the address-kind checks the consumer
 * tools share. Builds Configs; owns nothing after start-up.
 */

import { type Config, newConfig, setConfigOption } from '../../client/config.js';
import type { ToolFlagDef } from './go-flagset.js';
import { logFatal } from './go-log.js';

export const TOOLS_VERSION = '1.3.0';
/** the go-nsq version the Go tools report in their user agent */
const GO_NSQ_VERSION = '1.1.0';

/** `<tool>/1.3.0 go-nsq/1.1.0`, as the Go tools identify */
export function toolUserAgent(tool: string): string {
  return `${tool}/${TOOLS_VERSION} go-nsq/${GO_NSQ_VERSION}`;
}

/** go-nsq's ConfigFlag.Set: `name,value` or a bare `name` (= true); throws go-nsq's error text */
export function applyConfigOpt(c: Config, opt: string): void {
  const i = opt.indexOf(',');
  if (i < 0) setConfigOption(c, opt, true);
  else setConfigOption(c, opt.slice(0, i), opt.slice(i + 1));
}

/**
 * A `-consumer-opt`/`-producer-opt` flag that sets `cfg` as it is parsed (go-nsq's ConfigFlag given to
 * flag.Var): a bad option is a flag error (exit 2).
 */
export function configFlag(name: string, usage: string, cfg: Config): ToolFlagDef {
  return {
    name,
    kind: 'value',
    usage,
    defText: '',
    set: (raw) => {
      applyConfigOpt(cfg, raw);
      return cfg;
    },
  };
}

export function freshConfig(): Config {
  return newConfig();
}

/** the consumer tools' address checks, in Go's order and texts (nsq_to_file adds a period) */
export function checkSourceAddrs(nsqds: readonly string[], lookupds: readonly string[], period = ''): void {
  if (nsqds.length === 0 && lookupds.length === 0)
    logFatal(`--nsqd-tcp-address or --lookupd-http-address required${period}`);
  if (nsqds.length !== 0 && lookupds.length !== 0)
    logFatal('use --nsqd-tcp-address or --lookupd-http-address not both');
}
