/** Go's standard `log` package line prefix (LstdFlags: `2006/01/02 15:04:05 `, local time), as the nsq_* tools and go-nsq print it. */

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY/MM/DD HH:MM:SS` in local time */
export function goLogTime(d: Date = new Date()): string {
  return (
    `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** a whole line as Go's log.Printf writes it: the time, a space, the text, one newline (added only if missing) */
export function goLogLine(text: string): string {
  return `${goLogTime()} ${text}${text.endsWith('\n') ? '' : '\n'}`;
}
