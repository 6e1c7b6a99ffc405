/**
 * The tools' rows: nsq_to_file draining a backlog of 200 B messages into files, plain and --gzip,
 * as a real process with its default flags (max-in-flight 200, FIN after each sync). Timed from
 * the tool's connection showing in /stats to the channel's depth reaching 0 with less than one
 * batch (200) in flight: everything else written, synced and FINished. (Not to an empty channel:
 * Go's nsq_to_file holds the last partial batch until its 30 s sync ticker, as go-nsq's IsStarved
 * wants 85 % of RDY in flight, which would time the ticker, not the tool.) With NSQ_GO_TOOLS=<dir of Go's nsq_* binaries> the same run of Go's
 * nsq_to_file is an extra row, on the same server, for issue 14's "as fast as its Go twin".
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backlog } from './client-rows.js';
import { n, type Outcome, type RowSpec, type Scenario, type ScenarioConfig } from './scenario-kit.js';
import { type Server, treeCpuMs } from './server.js';

/** the most a row drains (the matrix's subPrefill caps it further) */
const BACKLOG = 300_000;
const OURS = fileURLToPath(new URL('../src/tools/nsq_to_file/main.js', import.meta.url));
const GO_TOOLS = process.env.NSQ_GO_TOOLS ?? '';
/** nsq_to_file's default --max-in-flight: the batch it syncs and FINs at once */
const MAX_IN_FLIGHT = 200;

interface ChannelView {
  depth: number;
  in_flight_count: number;
  deferred_count: number;
  clients: unknown[];
}

async function channel(s: Server, topic: string): Promise<ChannelView | undefined> {
  const res = await fetch(`http://127.0.0.1:${s.httpPort}/stats?format=json&topic=${topic}&channel=ch`);
  const body = (await res.json()) as { topics?: { topic_name: string; channels: ChannelView[] }[] };
  return body.topics?.find((t) => t.topic_name === topic)?.channels[0];
}

/** runs `argv` (an nsq_to_file) on topic/ch until the channel is empty; msgs/s from its connection on */
async function drainToFile(s: Server, topic: string, count: number, argv: string[]): Promise<Outcome> {
  const out = mkdtempSync(path.join(tmpdir(), 'nsq-bench-tofile-'));
  const child = spawn(
    argv[0]!,
    [
      ...argv.slice(1),
      `--topic=${topic}`,
      '--channel=ch',
      `--nsqd-tcp-address=127.0.0.1:${s.port}`,
      `--output-dir=${out}`,
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const limit = Date.now() + 120_000;
    const poll = async (done: (c: ChannelView) => boolean): Promise<void> => {
      for (;;) {
        const c = await channel(s, topic);
        if (c !== undefined && done(c)) return;
        if (child.exitCode !== null) throw new Error(`nsq_to_file exited ${child.exitCode}`);
        if (Date.now() > limit) throw new Error('nsq_to_file did not drain the backlog in 120 s');
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await poll((c) => c.clients.length > 0);
    const t0 = performance.now();
    const cpu0 = treeCpuMs(child.pid!);
    const srv0 = treeCpuMs(s.pid);
    await poll((c) => c.depth === 0 && c.in_flight_count < MAX_IN_FLIGHT && c.deferred_count === 0);
    const ms = performance.now() - t0;
    const cpu = treeCpuMs(child.pid!) - cpu0;
    return {
      value: (count / ms) * 1000,
      detail: `${n(count)} msgs to files in ${(ms / 1000).toFixed(2)} s`,
      benchCpu: Math.round((cpu / ms) * 100),
      serverCpu: Math.round(((treeCpuMs(s.pid) - srv0) / ms) * 100),
    };
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(out, { recursive: true, force: true });
  }
}

function toFileRow(gzip: boolean): Scenario {
  const flags = gzip ? ['--gzip'] : [];
  const id = gzip ? 'tool-to-file-gzip' : 'tool-to-file';
  const what = `nsq_to_file${gzip ? ' --gzip' : ''}: drain a backlog to files, max-in-flight 200`;
  const goRow: RowSpec = {
    id: `${id}-go`,
    label: `${what} (Go's nsq_to_file)`,
    unit: 'msgs/s',
    target: null,
  };
  return {
    id,
    label: what,
    unit: 'msgs/s',
    target: null,
    also: GO_TOOLS === '' ? [] : [goRow],
    budgetMs: () => 400_000,
    run: async (s: Server, cfg: ScenarioConfig) => {
      const count = Math.min(BACKLOG, cfg.subPrefill);
      const topic = `to_file_${gzip ? 'gz' : 'plain'}`;
      const got = await backlog(s, cfg, topic, count);
      const ours = await drainToFile(s, topic, got, [process.execPath, OURS, ...flags]);
      if (GO_TOOLS === '') return ours;
      const goTopic = `${topic}_go`;
      const goGot = await backlog(s, cfg, goTopic, count);
      const theirs = await drainToFile(s, goTopic, goGot, [path.join(GO_TOOLS, 'nsq_to_file'), ...flags]);
      ours.detail += `; ${((ours.value ?? 0) / (theirs.value ?? 1)).toFixed(2)}× Go's`;
      return { ...ours, also: [theirs] };
    },
  };
}

export const TOOL_ROWS: readonly Scenario[] = [toFileRow(false), toFileRow(true)];
