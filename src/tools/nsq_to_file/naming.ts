/**
 * nsq_to_file's file names: the strftime subset it takes for <DATETIME> (go-strftime: each %x becomes
 * a Go layout chunk, then Go's time.Format runs over the whole result) and the per-topic filename
 * template (<TOPIC>, <HOST>, <PID>, <REV>, .gz). Pure string work, no I/O.
 */

import { hostname } from 'node:os';
import { goTimeFormat } from '../../go/timefmt.js';

/** go-strftime's table: strftime letter → Go layout chunk */
const CONVERSION: Record<string, string> = {
  B: 'January',
  b: 'Jan',
  m: '01',
  A: 'Monday',
  a: 'Mon',
  d: '02',
  H: '15',
  I: '03',
  M: '04',
  S: '05',
  Y: '2006',
  y: '06',
  p: 'PM',
  Z: 'MST',
  z: '-0700',
  '%': '%',
};

/**
 * strftime(format, t) as nsq_to_file computes it. Quirk kept from Go (a cron line's file name depends
 * on it): the result is a Go layout, so literal text in the format that reads as a layout chunk
 * (`2006`, `01`, `Jan`, `Mon`, `MST`, `PM`, a lone `1`..`5`) is substituted as well; `%%` becomes `%`;
 * any other `%x` is copied literally.
 */
export function strftime(format: string, t: Date): string {
  let layout = '';
  for (let i = 0; i < format.length; i++) {
    if (format[i] === '%' && i <= format.length - 2) {
      const chunk = CONVERSION[format[i + 1]!];
      if (chunk !== undefined) {
        layout += chunk;
        i++;
        continue;
      }
    }
    layout += format[i];
  }
  return goTimeFormat(layout, t);
}

/** the options the file name depends on */
export interface NamingOptions {
  filenameFormat: string;
  hostIdentifier: string;
  gzip: boolean;
  rotateSize: number;
  rotateInterval: number;
  workDir: string;
  outputDir: string;
}

export const MISSING_REV = 'missing <REV> in --filename-format when gzip, rotation, or work dir enabled';

/**
 * Go's computeFilenameFormat: the topic's template with everything but <DATETIME> and <REV> filled
 * in (throws MISSING_REV). `host` is os.Hostname(); the short host is its first label.
 */
export function computeFilenameFormat(
  o: NamingOptions,
  topic: string,
  host = hostname(),
  pid = process.pid,
): string {
  const shortHost = host.split('.')[0]!;
  let identifier = shortHost;
  if (o.hostIdentifier.length !== 0) {
    identifier = o.hostIdentifier.replaceAll('<SHORT_HOST>', shortHost).replaceAll('<HOSTNAME>', host);
  }
  let cff = o.filenameFormat;
  if (o.gzip || o.rotateSize > 0 || o.rotateInterval > 0 || o.workDir !== o.outputDir) {
    if (!cff.includes('<REV>')) throw new Error(MISSING_REV);
  } else {
    cff = cff.replaceAll('<REV>', '');
  }
  cff = cff.replaceAll('<TOPIC>', topic).replaceAll('<HOST>', identifier).replaceAll('<PID>', String(pid));
  if (o.gzip && !cff.endsWith('.gz')) cff += '.gz';
  return cff;
}

/** `<REV>` → `-%06d` */
export function withRev(name: string, rev: number): string {
  return name.replaceAll('<REV>', `-${String(rev).padStart(6, '0')}`);
}
