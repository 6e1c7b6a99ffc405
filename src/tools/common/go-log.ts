/**
 * Go's standard `log` package as the tools use it: `log.Printf` writes `2006/01/02 15:04:05 <text>`
 * to stderr; `log.Fatal` does the same and exits 1. Local time, second resolution (LstdFlags).
 */

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2006/01/02 15:04:05` in local time */
export function stdStamp(d = new Date()): string {
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** log.Printf / log.Println: one line on stderr */
export function logPrintf(text: string): void {
  process.stderr.write(`${stdStamp()} ${text}\n`);
}

/** log.Fatal: the line, then exit 1 (stderr is a pipe or file: written synchronously before exit) */
export function logFatal(text: string): never {
  logPrintf(text);
  process.exit(1);
}
