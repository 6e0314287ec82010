import type { FastifyInstance } from "fastify";
import type { Ctx } from "../context";
import { rateLimited } from "../errors";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Counted against the access-policy rate limit. */
    rateLimited?: boolean;
  }
}

const HOUR_MS = 3_600_000;

/**
 * Rolling one-hour window per bearer token for the access-policy and token endpoints (600 per
 * hour by default). A request over the limit is refused with the number of seconds until the
 * oldest counted request leaves the window.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly perHour: number) {}

  /** Counts the request and returns 0, or returns the Retry-After seconds without counting. */
  take(key: string, now: number): number {
    if (this.perHour <= 0) return 0;
    const recent = (this.hits.get(key) ?? []).filter((t) => t > now - HOUR_MS);
    if (recent.length >= this.perHour) {
      this.hits.set(key, recent);
      const oldest = recent[0] ?? now;
      return Math.max(1, Math.ceil((oldest + HOUR_MS - now) / 1000));
    }
    recent.push(now);
    this.hits.set(key, recent);
    return 0;
  }

  clear(): void {
    this.hits.clear();
  }
}

/** Counts routes marked `rateLimited` per bearer token; registered after authentication. */
export function registerRateLimit(app: FastifyInstance, ctx: Ctx): void {
  app.addHook("onRequest", async (req) => {
    if (req.bearer === null || req.routeOptions.config?.rateLimited !== true) return;
    const wait = ctx.limiter.take(req.bearer, ctx.now());
    if (wait > 0) {
      throw rateLimited(
        `rate limit of ${ctx.opts.rateLimitPerHour} requests per hour exceeded, retry after ${wait}s`,
        wait,
      );
    }
  });
}
