/**
 * The provider's clock: every place that reads the time or waits (recovery after a lost create,
 * expiry checks, readiness polling, waiting out a recently deleted stack slug) goes through it, so
 * tests can move time instead of sleeping.
 *
 * In-process tests replace it with `setClock`. Tests that run the provider in another process (the
 * Pulumi engine's dynamic provider host) cannot reach that; for them the environment variable
 * GRAFANA_CLOUD_CLOCK_OFFSET_SECONDS, read only when set, shifts `now()` by that many seconds (it
 * may be fractional or negative). Nothing else reads it, and unset it costs nothing.
 */

export interface Clock {
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

export const CLOCK_OFFSET_ENV = "GRAFANA_CLOUD_CLOCK_OFFSET_SECONDS";

function offsetMs(): number {
  const raw = process.env[CLOCK_OFFSET_ENV];
  if (raw === undefined || raw === "") return 0;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds)) {
    throw new Error(`${CLOCK_OFFSET_ENV} must be a number of seconds, e.g. 3600 or -1.5 (got "${raw}")`);
  }
  return seconds * 1000;
}

/** Real time (shifted by GRAFANA_CLOUD_CLOCK_OFFSET_SECONDS when set) and real timers. */
export const systemClock: Clock = {
  now: () => Date.now() + offsetMs(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

let current: Clock = systemClock;

/** The clock the provider uses; it forwards to whatever `setClock` installed. */
export const clock: Clock = {
  now: () => current.now(),
  sleep: (ms) => current.sleep(ms),
};

/** Replaces the provider's clock (tests); `undefined` puts the system clock back. */
export function setClock(replacement: Clock | undefined): void {
  current = replacement ?? systemClock;
}
