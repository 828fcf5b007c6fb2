// The failed-authentication limiter (one per process): a sliding window of failures per client
// address, read by the authenticate middleware (middleware.ts) and handed in through AppDeps.
import type { Context } from 'hono';
import { AppError } from '../http/errors.js';

/**
 * The client a failure is counted against: the socket address unless a trusted proxy is in
 * front (a client can rotate X-Forwarded-For at will to dodge the limit when nothing overwrites it).
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  const socket = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket
    ?.remoteAddress;
  const forwarded = trustProxy ? c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined;
  return forwarded || socket || 'local';
}

export interface FailureLimiterOptions {
  maxFailures: number;
  windowMs: number;
}

/** Sliding-window counter of failed authentications per client. */
export class FailureLimiter {
  readonly #failures = new Map<string, number[]>();
  constructor(private readonly options: FailureLimiterOptions = { maxFailures: 10, windowMs: 60_000 }) {}

  #recent(client: string, now: number): number[] {
    const kept = (this.#failures.get(client) ?? []).filter((t) => now - t < this.options.windowMs);
    if (kept.length === 0) this.#failures.delete(client);
    else this.#failures.set(client, kept);
    return kept;
  }

  blockedFor(client: string, now = Date.now()): number {
    const recent = this.#recent(client, now);
    if (recent.length < this.options.maxFailures) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.options.windowMs - now) / 1000));
  }

  /** A failed authentication: 429 when the client is already over the limit, else counted. */
  refuseOrCount(client: string, now = Date.now()): void {
    const wait = this.blockedFor(client, now);
    if (wait > 0)
      throw new AppError(
        'too_many_requests',
        `too many failed authentications; retry in ${wait} s`,
        { retryAfter: wait },
        { 'retry-after': String(wait) },
      );
    this.fail(client, now);
  }

  fail(client: string, now = Date.now()): void {
    this.#failures.set(client, [...this.#recent(client, now), now]);
    // Bound memory under a spray of addresses.
    if (this.#failures.size > 10_000) this.#failures.delete(this.#failures.keys().next().value!);
  }
}
