/**
 * The emulator's clock. Everything time-dependent (token and key expiry, stack readiness,
 * the slug reuse window, the rate-limit window, the plugin busy window) reads this clock, so
 * `POST /_emulator/clock` can move time forward for expiry tests without sleeping.
 */
export class Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Makes `now()` answer `instant` at this moment; the clock keeps running from there. */
  set(instant: number): void {
    this.offsetMs = instant - Date.now();
  }

  reset(): void {
    this.offsetMs = 0;
  }
}

/** RFC 3339 with milliseconds, as the API writes timestamps (e.g. `2022-06-08T20:07:21.223Z`). */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}
