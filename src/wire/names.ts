/**
 * Topic and channel name rules (spec §12): `^[.a-zA-Z0-9_-]+(#ephemeral)?$`, 1..64 bytes including the
 * suffix. Pure functions over strings (a command line's arguments are decoded first); no broker state.
 */

export const MAX_NAME_LENGTH = 64;
export const EPHEMERAL_SUFFIX = '#ephemeral';

const SUFFIX_LEN = EPHEMERAL_SUFFIX.length;

/** NAME_CHAR[c] === 1 for the bytes allowed before the optional suffix: `.` `-` `_` 0-9 A-Z a-z. */
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ok =
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2e ||
    c === 0x2d ||
    c === 0x5f;
  NAME_CHAR[c] = ok ? 1 : 0;
}

function validString(s: string): boolean {
  const len = s.length;
  if (len < 1 || len > MAX_NAME_LENGTH) return false;
  let stop = len;
  if (len > SUFFIX_LEN && s.endsWith(EPHEMERAL_SUFFIX)) stop = len - SUFFIX_LEN;
  for (let i = 0; i < stop; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || NAME_CHAR[c] === 0) return false;
  }
  return true;
}

/** Go's protocol.IsValidTopicName. A non-ASCII character always fails, so UTF-16 length equals bytes. */
export function isValidTopicName(s: string): boolean {
  return validString(s);
}

/** Go's protocol.IsValidChannelName (the same rule as topics). */
export function isValidChannelName(s: string): boolean {
  return validString(s);
}

/** Go's `strings.HasSuffix(name, "#ephemeral")`. */
export function isEphemeral(s: string): boolean {
  return s.endsWith(EPHEMERAL_SUFFIX);
}
