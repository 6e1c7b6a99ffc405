/**
 * nsq_to_file's file core on a temp dir, no consumer: rotation by size (uncompressed bytes) and by
 * name, gzip files as concatenated members (one per sync, plus the one closed at close), revisions
 * when a working or output file exists, the work-dir → output-dir move (and Go's `./work` quirk),
 * append on reopen, and the router's FIN-after-fsync with a stand-in consumer.
 */

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Logger } from '../../src/log.js';
import { FileLogger, type HeldMessage } from '../../src/tools/nsq_to_file/file-logger.js';
import { strftime } from '../../src/tools/nsq_to_file/naming.js';
import { OutputFile, type OutputOptions, outputPathOf } from '../../src/tools/nsq_to_file/output-file.js';
import { tempDirs } from '../helpers/tmp.js';

const tmp = tempDirs('tofile');

function logger(lines: string[]): Logger {
  return new Logger('info', '[nsq_to_file] ', (l) => lines.push(l.replace(/^\S+ \S+ \S+ /, '')));
}
const fatal = (msg: string): never => {
  throw new Error(`FATAL ${msg}`);
};

function opts(dir: string, o: Partial<OutputOptions> = {}): OutputOptions {
  return {
    topic: 't',
    channel: 'c',
    filenameFormat: 't<REV>.log',
    datetimeFormat: '%Y',
    workDir: dir,
    outputDir: dir,
    gzip: false,
    gzipLevel: 6,
    rotateSize: 0,
    rotateInterval: 0,
    ...o,
  };
}

/** gzip members of a file, split at each member's end (each is decompressed alone) */
function members(buf: Buffer): string[] {
  const out: string[] = [];
  let rest = buf;
  while (rest.length > 0) {
    // find the shortest prefix that is a whole member
    let found = false;
    for (let end = 18; end <= rest.length; end++) {
      if (end < rest.length && !(rest[end] === 0x1f && rest[end + 1] === 0x8b)) continue;
      try {
        out.push(gunzipSync(rest.subarray(0, end)).toString());
        rest = rest.subarray(end);
        found = true;
        break;
      } catch {}
    }
    assert.ok(found, 'a whole gzip member');
  }
  return out;
}

describe('nsq_to_file output file', () => {
  it('rotates past --rotate-size counting uncompressed bytes; one gzip member per sync', async () => {
    const dir = tmp();
    const lines: string[] = [];
    const f = new OutputFile(opts(dir, { gzip: true, rotateSize: 30 }), logger(lines), fatal);
    const msg = Buffer.from('0123456789'); // 11 bytes a line
    for (let i = 0; i < 4; i++) {
      if (f.needsRotation()) await f.updateFile();
      f.write(msg);
      if (i === 1) await f.sync();
    }
    await f.close();
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, ['t-000000.log', 't-000001.log']);
    const first = readFileSync(path.join(dir, 't-000000.log'));
    // two lines, sync (member 1), a third line, rotation closes (member 2)
    assert.deepEqual(members(first), ['0123456789\n0123456789\n', '0123456789\n']);
    assert.equal(gunzipSync(readFileSync(path.join(dir, 't-000001.log'))).toString(), '0123456789\n');
    assert.ok(
      lines.includes(`INFO: [t/c] ${dir}/t-000000.log currently 33 bytes (> 30), rotating...\n`),
      lines.join(''),
    );
    assert.equal(f.filesize, 11);
  });

  it('an empty file closed after a sync ends with an empty member; zcat reads the whole file', async () => {
    const dir = tmp();
    const f = new OutputFile(opts(dir, { gzip: true }), logger([]), fatal);
    await f.updateFile();
    f.write(Buffer.from('a'));
    await f.sync();
    await f.close();
    const buf = readFileSync(path.join(dir, 't-000000.log'));
    assert.deepEqual(members(buf), ['a\n', '']);
    assert.equal(gunzipSync(buf).toString(), 'a\n');
  });

  it('plain files reopen in append mode under the same name (no <REV>)', async () => {
    const dir = tmp();
    const o = opts(dir, { filenameFormat: 'plain.log' });
    const lines: string[] = [];
    const f = new OutputFile(o, logger(lines), fatal);
    await f.updateFile();
    f.write(Buffer.from('one'));
    await f.flush();
    assert.equal(readFileSync(path.join(dir, 'plain.log'), 'utf8'), 'one\n', 'written before any sync');
    await f.close();
    await f.updateFile();
    f.write(Buffer.from('two'));
    await f.close();
    assert.equal(readFileSync(path.join(dir, 'plain.log'), 'utf8'), 'one\ntwo\n');
    assert.equal(lines.filter((l) => l.startsWith('INFO: [t/c] opening')).length, 2);
  });

  it('a new <DATETIME> name resets the revision', async () => {
    const dir = tmp();
    const f = new OutputFile(
      opts(dir, { filenameFormat: '<DATETIME><REV>.log', datetimeFormat: '%S', gzip: true }),
      logger([]),
      fatal,
    );
    await f.updateFile();
    await f.close();
    await f.updateFile(); // same second: next revision (or a new name if the second turned)
    await f.close();
    const names = readdirSync(dir);
    assert.equal(names.length, 2);
    assert.ok(names.some((n) => n.endsWith('-000000.log')));
  });

  it('exclusive opens skip existing working and output files; the move never overwrites', async () => {
    const dir = tmp();
    const work = path.join(dir, 'work');
    const out = path.join(dir, 'out');
    mkdirSync(work);
    mkdirSync(out);
    writeFileSync(path.join(work, 't-000000.log'), 'old work');
    writeFileSync(path.join(out, 't-000001.log'), 'old out');
    const lines: string[] = [];
    const f = new OutputFile(opts(dir, { workDir: work, outputDir: out, gzip: true }), logger(lines), fatal);
    await f.updateFile();
    f.write(Buffer.from('x'));
    // someone puts a file at the destination meanwhile
    writeFileSync(path.join(out, 't-000002.log'), 'raced');
    await f.close();
    assert.deepEqual(readdirSync(work).sort(), ['t-000000.log']);
    assert.deepEqual(readdirSync(out).sort(), ['t-000001.log', 't-000002.log', 't-000003.log']);
    assert.equal(gunzipSync(readFileSync(path.join(out, 't-000003.log'))).toString(), 'x\n');
    assert.deepEqual(
      lines.filter((l) => l.startsWith('WARNING')),
      [
        `WARNING: [t/c] working file already exists: ${work}/t-000000.log\n`,
        `WARNING: [t/c] output file already exists: ${out}/t-000001.log\n`,
        `WARNING: [t/c] destination file already exists: ${out}/t-000002.log\n`,
      ],
    );
    assert.ok(
      lines.includes(
        `INFO: [t/c] renamed finished file ${work}/t-000002.log to ${out}/t-000003.log to avoid overwrite\n`,
      ),
    );
  });

  it("Go's ./work quirk: the cleaned path keeps the work dir's name under the output dir", () => {
    assert.equal(outputPathOf({ workDir: './w', outputDir: 'o' }, 'w/x.log'), 'o/w/x.log');
    assert.equal(outputPathOf({ workDir: 'w', outputDir: './o' }, 'w/x.log'), 'o/x.log');
  });

  it('the router FINs only after the sync, last first, and syncs at max-in-flight', async () => {
    const dir = tmp();
    const lines: string[] = [];
    const log = logger(lines);
    const out = new OutputFile(opts(dir, { filenameFormat: 'r.log' }), log, fatal);
    const router = new FileLogger(
      { topic: 't', channel: 'c', maxInFlight: 3, syncInterval: 60_000, skipEmptyFiles: false },
      out,
      log,
      fatal,
    );
    const finished: string[] = [];
    let stop: () => void = () => {};
    const consumer = {
      stopped: new Promise<void>((r) => {
        stop = r;
      }),
      stop: () => setImmediate(stop),
      isStarved: () => false,
    };
    const done = router.run(consumer);
    const msg = (s: string): HeldMessage => ({
      body: Buffer.from(s),
      finish: () => {
        assert.ok(readFileSync(path.join(dir, 'r.log'), 'utf8').includes(`${s}\n`), 'on disk before FIN');
        finished.push(s);
      },
    });
    for (const s of ['a', 'b', 'c', 'd']) router.handleMessage(msg(s));
    await new Promise((r) => setTimeout(r, 100));
    // a opens the file (a rotation: sync at once), b c d: three held = max-in-flight
    assert.deepEqual(finished, ['a', 'd', 'c', 'b']);
    router.handleMessage(msg('e'));
    router.term();
    await done;
    assert.deepEqual(finished, ['a', 'd', 'c', 'b', 'e']);
    assert.equal(readFileSync(path.join(dir, 'r.log'), 'utf8'), 'a\nb\nc\nd\ne\n');
    assert.deepEqual(
      lines.filter((l) => l.includes('syncing')),
      [
        'INFO: [t/c] syncing 1 records to disk\n',
        'INFO: [t/c] syncing 3 records to disk\n',
        'INFO: [t/c] syncing 1 records to disk\n',
      ],
    );
    assert.ok(!existsSync(path.join(dir, 'nothing')));
    assert.equal(strftime('%%', new Date()), '%');
  });
});
