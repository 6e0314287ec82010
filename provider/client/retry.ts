/**
 * Retry policies as named objects: which failures of a call are worth another attempt, and how
 * many attempts it gets. The client decides with `shouldRetry`; when to stop for lack of time is
 * the client's time budget, not the policy's.
 *
 * The Grafana Cloud API has no idempotency keys: a POST whose answer is lost may or may not have
 * been applied, and sending it again may apply it twice. So a policy says which methods may be
 * sent again when the outcome of an attempt is unknown; failures where nothing was processed
 * (connection refused, 408, 429, 503) are retried for every method.
 */

export type HttpMethod = "GET" | "POST" | "DELETE";

/** The API's error answer, for a policy's extra condition. */
export interface RetryAnswer {
  status: number;
  code: string | undefined;
  message: string | undefined;
}

export interface RetryPolicy {
  /** For errors and debugging, e.g. `PLUGIN_RETRY`. */
  readonly name: string;
  /** Attempts in all, the first included (1: never retried); absent: the client's default. */
  readonly limit?: number;
  /**
   * Methods sent again when an attempt's outcome is unknown: no usable answer arrived (timeout,
   * connection reset, a body cut short or stalled) or a status in `statusCodes`. Repeating GET and
   * DELETE is harmless; a POST only when it sends the whole desired state (an update).
   */
  readonly methods: readonly HttpMethod[];
  /** Statuses that may have been applied yet are worth repeating for `methods`. */
  readonly statusCodes: readonly number[];
  /** Further answers worth another attempt for every method, e.g. the plugin API's "busy" 409. */
  readonly retryWhen?: (answer: RetryAnswer) => boolean;
}

/** How an attempt failed, as far as retrying goes. */
export type FailureClass =
  /** Nothing was processed and trying later may work (connection refused, 408, 429, 503). */
  | "not-processed"
  /** The outcome is unknown and trying again may work (timeout, reset, 500/502/504). */
  | "unknown-transient"
  /** Trying again would meet the same answer (4xx, a redirect, an unusable body). */
  | "final";

const IDEMPOTENT: readonly HttpMethod[] = ["GET", "DELETE"];
const TRANSIENT_5XX: readonly number[] = [500, 502, 504];

/** GET and DELETE are retried on transient failures; a POST only when nothing was processed. */
export const DEFAULT_RETRY: RetryPolicy = {
  name: "DEFAULT_RETRY",
  methods: IDEMPOTENT,
  statusCodes: TRANSIENT_5XX,
};

/** For a POST that sends the whole desired state (an update): repeating it is harmless. */
export const WRITE_SAFE: RetryPolicy = {
  name: "WRITE_SAFE",
  methods: [...IDEMPOTENT, "POST"],
  statusCodes: TRANSIENT_5XX,
};

/** One attempt, never repeated: for polls, whose caller tries again on its own schedule. */
export const ONE_ATTEMPT: RetryPolicy = {
  name: "ONE_ATTEMPT",
  limit: 1,
  methods: [],
  statusCodes: [],
};
/** Another name for `ONE_ATTEMPT`. */
export const NO_RETRY = ONE_ATTEMPT;

/** A policy like `base` with some fields changed, under a new name. */
export function retryPolicy(
  name: string,
  base: RetryPolicy,
  changes: Partial<Omit<RetryPolicy, "name">>,
): RetryPolicy {
  return { ...base, ...changes, name };
}

/** Whether the failed attempt should be repeated under `policy` (attempt limit and time aside). */
export function shouldRetry(
  policy: RetryPolicy,
  method: HttpMethod,
  failure: { cls: FailureClass; answer?: RetryAnswer | undefined },
): boolean {
  if (failure.answer && policy.retryWhen?.(failure.answer)) return true;
  if (failure.cls === "not-processed") return true;
  if (failure.cls === "final") return false;
  if (failure.answer && !policy.statusCodes.includes(failure.answer.status)) return false;
  return policy.methods.includes(method);
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now; undefined if absent. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const text = String(value).trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The wait before retry number `retry` (1 for the first): doubling from `baseMs` up to `maxMs`,
 * with "equal jitter" (half fixed, half random) so concurrent clients spread out but never hammer.
 */
export function backoff(retry: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** (retry - 1));
  return exp / 2 + random() * (exp / 2);
}
