const HOUR_MS = 3_600_000;

/**
 * Rolling one-hour window per bearer token for the access-policy endpoints (grafana-cloud-api.md,
 * "Access policies and tokens": 600 per hour). A request over the limit is refused with the
 * number of seconds until the oldest counted request leaves the window.
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
