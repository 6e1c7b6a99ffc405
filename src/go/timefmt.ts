/**
 * Go's time.Format (Go 1.19, the release NSQ 1.3.0's tools were built with): a layout is scanned
 * for the reference time's chunks (`2006`, `01`, `Jan`, `Monday`, `15`, `PM`, `MST`, `-0700`, `.000`,
 * ...) and each is replaced by the local time's field; everything else is copied. nsq_to_file's
 * strftime builds such a layout, so literal text that looks like a chunk is substituted too.
 * Pure formatting of a Date in the process's local time zone, no I/O.
 */

enum Std {
  None = 0,
  LongMonth,
  Month,
  NumMonth,
  ZeroMonth,
  LongWeekDay,
  WeekDay,
  Day,
  UnderDay,
  ZeroDay,
  UnderYearDay,
  ZeroYearDay,
  Hour,
  Hour12,
  ZeroHour12,
  Minute,
  ZeroMinute,
  Second,
  ZeroSecond,
  LongYear,
  Year,
  PM,
  pm,
  TZ,
  ISO8601TZ,
  ISO8601SecondsTZ,
  ISO8601ShortTZ,
  ISO8601ColonTZ,
  ISO8601ColonSecondsTZ,
  NumTZ,
  NumSecondsTz,
  NumShortTZ,
  NumColonTZ,
  NumColonSecondsTZ,
  FracSecond0,
  FracSecond9,
}

/** "01" .. "06" */
const STD_0X = [Std.ZeroMonth, Std.ZeroDay, Std.ZeroHour12, Std.ZeroMinute, Std.ZeroSecond, Std.Year];

const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** one layout chunk: the literal before it, the chunk, the rest; frac digits and separator for .000 */
interface Chunk {
  prefix: string;
  std: Std;
  suffix: string;
  digits: number;
  sep: string;
}

function startsWithLower(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x61 && c <= 0x7a;
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

const TZ_CHUNKS: readonly (readonly [string, Std])[] = [
  ['070000', Std.NumSecondsTz],
  ['07:00:00', Std.NumColonSecondsTZ],
  ['0700', Std.NumTZ],
  ['07:00', Std.NumColonTZ],
  ['07', Std.NumShortTZ],
];
const ISO_OF: Partial<Record<Std, Std>> = {
  [Std.NumSecondsTz]: Std.ISO8601SecondsTZ,
  [Std.NumColonSecondsTZ]: Std.ISO8601ColonSecondsTZ,
  [Std.NumTZ]: Std.ISO8601TZ,
  [Std.NumColonTZ]: Std.ISO8601ColonTZ,
  [Std.NumShortTZ]: Std.ISO8601ShortTZ,
};

/** Go's nextStdChunk, case for case */
// biome-ignore lint/complexity/noExcessiveCognitiveComplexity: Go's nextStdChunk as one switch, kept in Go's order so the same literal text is taken for the same chunk
function nextStdChunk(layout: string): Chunk {
  const at = (i: number, std: Std, len: number, keep = 0): Chunk => ({
    prefix: layout.slice(0, i + keep),
    std,
    suffix: layout.slice(i + len),
    digits: 0,
    sep: '.',
  });
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    switch (c) {
      case 'J':
        if (layout.startsWith('Jan', i)) {
          if (layout.startsWith('January', i)) return at(i, Std.LongMonth, 7);
          if (!startsWithLower(layout, i + 3)) return at(i, Std.Month, 3);
        }
        break;
      case 'M':
        if (layout.startsWith('Mon', i)) {
          if (layout.startsWith('Monday', i)) return at(i, Std.LongWeekDay, 6);
          if (!startsWithLower(layout, i + 3)) return at(i, Std.WeekDay, 3);
        }
        if (layout.startsWith('MST', i)) return at(i, Std.TZ, 3);
        break;
      case '0': {
        const d = layout.charCodeAt(i + 1) - 0x31;
        if (d >= 0 && d <= 5) return at(i, STD_0X[d]!, 2);
        if (layout.startsWith('002', i)) return at(i, Std.ZeroYearDay, 3);
        break;
      }
      case '1':
        if (layout[i + 1] === '5') return at(i, Std.Hour, 2);
        return at(i, Std.NumMonth, 1);
      case '2':
        if (layout.startsWith('2006', i)) return at(i, Std.LongYear, 4);
        return at(i, Std.Day, 1);
      case '_':
        if (layout[i + 1] === '2') {
          // _2006 is a literal _ followed by the long year
          if (layout.startsWith('2006', i + 1)) return at(i, Std.LongYear, 5, 1);
          return at(i, Std.UnderDay, 2);
        }
        if (layout.startsWith('__2', i)) return at(i, Std.UnderYearDay, 3);
        break;
      case '3':
        return at(i, Std.Hour12, 1);
      case '4':
        return at(i, Std.Minute, 1);
      case '5':
        return at(i, Std.Second, 1);
      case 'P':
        if (layout[i + 1] === 'M') return at(i, Std.PM, 2);
        break;
      case 'p':
        if (layout[i + 1] === 'm') return at(i, Std.pm, 2);
        break;
      case '-':
      case 'Z':
        for (const [text, std] of TZ_CHUNKS) {
          if (layout.startsWith(text, i + 1)) return at(i, c === '-' ? std : ISO_OF[std]!, text.length + 1);
        }
        break;
      case '.':
      case ',': {
        const ch = layout[i + 1];
        if (ch === '0' || ch === '9') {
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) {
            const chunk = at(i, ch === '0' ? Std.FracSecond0 : Std.FracSecond9, j - i);
            chunk.digits = j - (i + 1);
            chunk.sep = c;
            return chunk;
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return { prefix: layout, std: Std.None, suffix: '', digits: 0, sep: '.' };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** the local zone's abbreviation as Intl knows it ("UTC", "PST", or "GMT+1" where it has none) */
function zoneName(t: Date): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(t);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
}

function dayOfYear(t: Date): number {
  const start = new Date(t.getFullYear(), 0, 1);
  const ms = Date.UTC(t.getFullYear(), t.getMonth(), t.getDate()) - Date.UTC(start.getFullYear(), 0, 1);
  return Math.round(ms / 86_400_000) + 1;
}

function formatZone(std: Std, offsetSec: number): string {
  const iso =
    std === Std.ISO8601TZ ||
    std === Std.ISO8601ColonTZ ||
    std === Std.ISO8601SecondsTZ ||
    std === Std.ISO8601ShortTZ ||
    std === Std.ISO8601ColonSecondsTZ;
  if (offsetSec === 0 && iso) return 'Z';
  let zone = Math.trunc(offsetSec / 60);
  let abs = offsetSec;
  let s = '+';
  if (zone < 0) {
    s = '-';
    zone = -zone;
    abs = -abs;
  }
  s += pad(Math.trunc(zone / 60), 2);
  const colon =
    std === Std.ISO8601ColonTZ ||
    std === Std.NumColonTZ ||
    std === Std.ISO8601ColonSecondsTZ ||
    std === Std.NumColonSecondsTZ;
  if (colon) s += ':';
  if (std !== Std.NumShortTZ && std !== Std.ISO8601ShortTZ) s += pad(zone % 60, 2);
  if (
    std === Std.ISO8601SecondsTZ ||
    std === Std.NumSecondsTz ||
    std === Std.NumColonSecondsTZ ||
    std === Std.ISO8601ColonSecondsTZ
  ) {
    if (std === Std.NumColonSecondsTZ || std === Std.ISO8601ColonSecondsTZ) s += ':';
    s += pad(abs % 60, 2);
  }
  return s;
}

function formatChunk(t: Date, c: Chunk): string {
  const hour = t.getHours();
  switch (c.std) {
    case Std.Year:
      return pad(Math.abs(t.getFullYear()) % 100, 2);
    case Std.LongYear:
      return pad(t.getFullYear(), 4);
    case Std.Month:
      return LONG_MONTHS[t.getMonth()]!.slice(0, 3);
    case Std.LongMonth:
      return LONG_MONTHS[t.getMonth()]!;
    case Std.NumMonth:
      return String(t.getMonth() + 1);
    case Std.ZeroMonth:
      return pad(t.getMonth() + 1, 2);
    case Std.WeekDay:
      return LONG_DAYS[t.getDay()]!.slice(0, 3);
    case Std.LongWeekDay:
      return LONG_DAYS[t.getDay()]!;
    case Std.Day:
      return String(t.getDate());
    case Std.UnderDay:
      return String(t.getDate()).padStart(2, ' ');
    case Std.ZeroDay:
      return pad(t.getDate(), 2);
    case Std.UnderYearDay:
      return String(dayOfYear(t)).padStart(3, ' ');
    case Std.ZeroYearDay:
      return pad(dayOfYear(t), 3);
    case Std.Hour:
      return pad(hour, 2);
    case Std.Hour12:
      return String(hour % 12 === 0 ? 12 : hour % 12);
    case Std.ZeroHour12:
      return pad(hour % 12 === 0 ? 12 : hour % 12, 2);
    case Std.Minute:
      return String(t.getMinutes());
    case Std.ZeroMinute:
      return pad(t.getMinutes(), 2);
    case Std.Second:
      return String(t.getSeconds());
    case Std.ZeroSecond:
      return pad(t.getSeconds(), 2);
    case Std.PM:
      return hour >= 12 ? 'PM' : 'AM';
    case Std.pm:
      return hour >= 12 ? 'pm' : 'am';
    case Std.TZ:
      return zoneName(t) || formatZone(Std.NumTZ, -t.getTimezoneOffset() * 60);
    case Std.FracSecond0:
    case Std.FracSecond9: {
      let digits = pad(t.getMilliseconds() * 1_000_000, 9).slice(0, Math.min(c.digits, 9));
      if (c.std === Std.FracSecond9) {
        digits = digits.replace(/0+$/, '');
        if (digits === '') return '';
      }
      return c.sep + digits;
    }
    default:
      return formatZone(c.std, -t.getTimezoneOffset() * 60);
  }
}

/** Go's t.Format(layout) for `t` in the local time zone */
export function goTimeFormat(layout: string, t: Date): string {
  let out = '';
  let rest = layout;
  while (rest !== '') {
    const c = nextStdChunk(rest);
    out += c.prefix;
    if (c.std === Std.None) break;
    rest = c.suffix;
    out += formatChunk(t, c);
  }
  return out;
}
