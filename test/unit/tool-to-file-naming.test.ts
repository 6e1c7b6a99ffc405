/**
 * nsq_to_file's file names: Go's time.Format (expected strings produced by Go 1.19's own time.Format
 * and nsq_to_file's strftime for the same instant, TZ=UTC), the strftime quirks, and the filename
 * template (<REV> required or removed, <HOST>/<SHORT_HOST>/<HOSTNAME>, <PID>, .gz).
 */

process.env.TZ = 'UTC';

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goTimeFormat } from '../../src/go/timefmt.js';
import { computeFilenameFormat, MISSING_REV, strftime, withRev } from '../../src/tools/nsq_to_file/naming.js';

const T = new Date(Date.UTC(2026, 2, 7, 14, 5, 9, 123));

describe('nsq_to_file naming', () => {
  it('strftime matches Go for the formats and quirks', () => {
    const cases: [string, string][] = [
      ['%Y-%m-%d_%H', '2026-03-07_14'],
      ['%Y%m%dT%H%M', '20260307T1405'],
      ['%y %b %B %a %A %I %p %S %Z %z %%', '26 Mar March Sat Saturday 02 PM 09 UTC +0000 %'],
      ['log-2006-x', 'log-2026-x'],
      ['%q%', '%q%'],
      [
        'Mon Monday Month Jan January _2 __2 002 1 2 3 4 5 15 pm PM .000 ,999 .9x -07 Z07:00 MST',
        'Sat Saturday Month Mar March  7  66 066 3 7 2 5 9 14 pm PM .123 ,123 .1x +00 Z UTC',
      ],
      ['%d%', '07%'],
    ];
    for (const [f, want] of cases) assert.equal(strftime(f, T), want, f);
  });

  it('Go layouts: midnight is 12AM, _2006 keeps its underscore', () => {
    const midnight = new Date(Date.UTC(2026, 0, 1, 0, 0, 0));
    assert.equal(goTimeFormat('3:04PM 03 _2006', midnight), '12:00AM 12 _2026');
  });

  it('the template: <REV> removed when nothing needs it, required when something does', () => {
    const base = {
      filenameFormat: '<TOPIC>.<HOST><REV>.<DATETIME>.log',
      hostIdentifier: '',
      gzip: false,
      rotateSize: 0,
      rotateInterval: 0,
      workDir: '/tmp',
      outputDir: '/tmp',
    };
    assert.equal(computeFilenameFormat(base, 'orders', 'vm.example.com', 7), 'orders.vm.<DATETIME>.log');
    assert.equal(
      computeFilenameFormat({ ...base, gzip: true }, 'orders', 'vm', 7),
      'orders.vm<REV>.<DATETIME>.log.gz',
    );
    assert.equal(
      withRev(computeFilenameFormat({ ...base, gzip: true }, 'orders', 'vm', 7), 0),
      'orders.vm-000000.<DATETIME>.log.gz',
    );
    for (const o of [{ gzip: true }, { rotateSize: 1 }, { rotateInterval: 1000 }, { workDir: '/w' }]) {
      assert.throws(
        () => computeFilenameFormat({ ...base, ...o, filenameFormat: '<TOPIC>.log' }, 't', 'vm', 7),
        { message: MISSING_REV },
      );
    }
    const f = computeFilenameFormat(
      {
        ...base,
        filenameFormat: '<TOPIC>/<HOST>-<PID><REV>.<DATETIME>.txt',
        hostIdentifier: 'id-<SHORT_HOST>-<HOSTNAME>',
        rotateInterval: 3600_000,
      },
      'filetopic',
      'vm.lan',
      15393,
    );
    assert.equal(f, 'filetopic/id-vm-vm.lan-15393<REV>.<DATETIME>.txt');
    assert.equal(
      computeFilenameFormat({ ...base, filenameFormat: '<TOPIC><REV>.gz', gzip: true }, 't', 'vm', 1),
      't<REV>.gz',
    );
  });
});
