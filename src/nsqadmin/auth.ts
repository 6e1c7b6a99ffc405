/**
 * Who may act: Go nsqadmin's rule (no --admin-user → everyone; else the --acl-http-header value must
 * be one of them) and, on top of it, nsq-ts's optional built-in login: users and scrypt hashes read
 * once from --admin-users-file, sessions held in memory (bounded, expiring) behind an HttpOnly
 * SameSite=Strict cookie. With a users file, a request is admin when logged in or when the ACL
 * header names an --admin-user. Owns the users table and the sessions; no routes.
 */

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { HttpRequest } from '../http/request.js';

/** scrypt cost parameters of new hashes (N=2^14, r=8, p=1: ~16 MiB, ~50 ms) */
const N = 16384;
const R = 8;
const P = 1;
const KEY_LEN = 32;
/** sessions kept at most (the oldest goes first) and how long one lasts */
const MAX_SESSIONS = 1000;
const SESSION_MS = 12 * 3600_000;
export const SESSION_COOKIE = 'nsqadmin_session';

interface StoredHash {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function scryptAsync(
  password: string,
  salt: Buffer,
  n: number,
  r: number,
  p: number,
  len: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, len, { N: n, r, p, maxmem: 256 * n * r + (1 << 20) }, (err, key) =>
      err === null ? resolve(key) : reject(err),
    );
  });
}

/** `scrypt$N$r$p$<salt base64>$<hash base64>`, the form --admin-users-file holds after `user:` */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, N, R, P, KEY_LEN);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

function parseHash(text: string): StoredHash | null {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(text);
  if (m === null) return null;
  const n = Number(m[1]);
  if (n < 2 || (n & (n - 1)) !== 0 || n > 1 << 20) return null;
  return {
    n,
    r: Number(m[2]),
    p: Number(m[3]),
    salt: Buffer.from(m[4]!, 'base64'),
    hash: Buffer.from(m[5]!, 'base64'),
  };
}

/** reads `user:hash` lines (blank lines and `#` comments skipped); throws naming the bad line */
export function readUsersFile(file: string): Map<string, StoredHash> {
  const users = new Map<string, StoredHash>();
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const hash = colon > 0 ? parseHash(line.slice(colon + 1)) : null;
    if (hash === null) throw new Error(`${file}:${i + 1}: expected user:scrypt$N$r$p$salt$hash`);
    users.set(line.slice(0, colon), hash);
  });
  return users;
}

function cookie(req: HttpRequest, name: string): string {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return '';
}

export interface AuthRules {
  adminUsers: readonly string[];
  aclHttpHeader: string;
}

export class Auth {
  private readonly rules: () => AuthRules;
  private readonly users: Map<string, StoredHash> | null;
  /** token → user and expiry; Map order is age order */
  private readonly sessions = new Map<string, { user: string; expires: number }>();

  constructor(rules: () => AuthRules, users: Map<string, StoredHash> | null) {
    this.rules = rules;
    this.users = users;
  }

  get loginEnabled(): boolean {
    return this.users !== null;
  }

  /** the logged-in user of a request ('' when none) */
  sessionUser(req: HttpRequest): string {
    const token = cookie(req, SESSION_COOKIE);
    if (token === '') return '';
    const s = this.sessions.get(token);
    if (s === undefined) return '';
    if (s.expires < Date.now()) {
      this.sessions.delete(token);
      return '';
    }
    return s.user;
  }

  /** Go's isAuthorizedAdminRequest, widened by the built-in login */
  isAdmin(req: HttpRequest): boolean {
    const { adminUsers, aclHttpHeader } = this.rules();
    if (adminUsers.length > 0) {
      const user = req.header(aclHttpHeader.toLowerCase()) ?? '';
      if (adminUsers.includes(user)) return true;
    } else if (this.users === null) {
      return true;
    }
    return this.sessionUser(req) !== '';
  }

  /** checks a password; a new session token, or null (same time spent for unknown users) */
  async login(user: string, password: string): Promise<string | null> {
    if (this.users === null) return null;
    const stored = this.users.get(user);
    const h = stored ?? { n: N, r: R, p: P, salt: Buffer.alloc(16), hash: Buffer.alloc(KEY_LEN) };
    const key = await scryptAsync(password, h.salt, h.n, h.r, h.p, h.hash.length || KEY_LEN);
    if (stored === undefined || key.length !== h.hash.length || !timingSafeEqual(key, h.hash)) return null;
    const token = randomBytes(24).toString('base64url');
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(token, { user, expires: Date.now() + SESSION_MS });
    return token;
  }

  logout(req: HttpRequest): void {
    this.sessions.delete(cookie(req, SESSION_COOKIE));
  }
}
