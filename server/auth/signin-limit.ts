import type { Request, RequestHandler } from 'express';

/**
 * Failed sign-ins, counted per account and per client address over a sliding window. Only
 * failures count: any number of people behind one proxy can sign in correctly, while guessing
 * one account's password stops after `perAccount` tries and spraying many accounts from one
 * address after `perAddress`. Time is the wall clock: a rate limit is about real seconds, not the
 * programme's domain clock. In memory, per process, like the other rate limits.
 */
export interface SignInLimitOptions {
  perAccount?: number;
  perAddress?: number;
  windowMs?: number;
  now?: () => number;
}

export class SignInLimiter {
  readonly perAccount: number;
  readonly perAddress: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly failures = new Map<string, number[]>();

  constructor(options: SignInLimitOptions = {}) {
    this.perAccount = options.perAccount ?? 10;
    this.perAddress = options.perAddress ?? 50;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Why a sign-in is refused before its password is even checked, or null. */
  blocked(account: string, address: string): 'account' | 'address' | null {
    if (this.recent(accountKey(account)).length >= this.perAccount) return 'account';
    if (this.recent(`ip:${address}`).length >= this.perAddress) return 'address';
    return null;
  }

  failed(account: string, address: string): void {
    const at = this.now();
    if (this.failures.size > 100_000) this.prune();
    for (const key of [accountKey(account), `ip:${address}`]) this.failures.set(key, [...this.recent(key), at]);
  }

  /** A correct password clears its account's failures (not the address's: that one may be shared). */
  succeeded(account: string): void {
    this.failures.delete(accountKey(account));
  }

  private prune(): void {
    for (const key of [...this.failures.keys()]) this.recent(key);
  }
}

const accountKey = (account: string) => `user:${account.trim().toLowerCase()}`;

export const clientAddress = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** Refuses a sign-in up front when its account or address has failed too often (429, the sign-in page). */
export function signInGuard(limiter: SignInLimiter, refuse: (req: Request) => string): RequestHandler {
  return (req, res, next) => {
    const username = typeof req.body?.username === 'string' ? (req.body.username as string) : '';
    const reason = limiter.blocked(username, clientAddress(req));
    if (!reason) return next();
    res.status(429).setHeader('Retry-After', '900');
    res.type('html').send(refuse(req));
  };
}
