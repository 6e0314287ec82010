import { PLUGIN_RETRY, PLUGIN_WRITE_SAFE } from "../../provider/api/plugins";
import {
  backoff,
  DEFAULT_RETRY,
  NO_RETRY,
  ONE_ATTEMPT,
  retryPolicy,
  shouldRetry,
  WRITE_SAFE,
  type FailureClass,
  type HttpMethod,
  type RetryPolicy,
} from "../../provider/client/retry";

const answer = (status: number, message?: string) => ({ status, code: undefined, message });

describe("retry policies", () => {
  // policy, method, failure class, status (undefined: no answer), expected
  const table: [RetryPolicy, HttpMethod, FailureClass, number | undefined, boolean][] = [
    // Nothing processed: every method, every policy that retries at all.
    [DEFAULT_RETRY, "POST", "not-processed", 429, true],
    [DEFAULT_RETRY, "POST", "not-processed", 503, true],
    [DEFAULT_RETRY, "POST", "not-processed", undefined, true],
    // Unknown outcome: only methods the policy may repeat.
    [DEFAULT_RETRY, "GET", "unknown-transient", undefined, true],
    [DEFAULT_RETRY, "DELETE", "unknown-transient", 502, true],
    [DEFAULT_RETRY, "POST", "unknown-transient", undefined, false],
    [DEFAULT_RETRY, "POST", "unknown-transient", 502, false],
    [WRITE_SAFE, "POST", "unknown-transient", 502, true],
    [WRITE_SAFE, "POST", "unknown-transient", undefined, true],
    // Statuses outside the policy's list are not repeated (501: the server will not do it).
    [DEFAULT_RETRY, "GET", "unknown-transient", 501, false],
    // Final answers are never repeated.
    [WRITE_SAFE, "GET", "final", 404, false],
    [WRITE_SAFE, "POST", "final", 409, false],
  ];
  test.each(table)("%o %s %s %p → %p", (policy, method, cls, status, expected) => {
    expect(
      shouldRetry(policy, method, { cls, answer: status === undefined ? undefined : answer(status) }),
    ).toBe(expected);
  });

  test("ONE_ATTEMPT allows one attempt (the client stops at the limit), NO_RETRY is the same policy", () => {
    expect(ONE_ATTEMPT.limit).toBe(1);
    expect(NO_RETRY).toBe(ONE_ATTEMPT);
  });

  test("PLUGIN_RETRY repeats the busy 409 for every method, and no other 409", () => {
    const busy = answer(409, "Hosted Grafana error: operation in progress, please try again later");
    expect(shouldRetry(PLUGIN_RETRY, "POST", { cls: "final", answer: busy })).toBe(true);
    expect(shouldRetry(PLUGIN_RETRY, "DELETE", { cls: "final", answer: busy })).toBe(true);
    expect(
      shouldRetry(PLUGIN_RETRY, "POST", { cls: "final", answer: answer(409, "Plugin is already installed") }),
    ).toBe(false);
    expect(shouldRetry(DEFAULT_RETRY, "POST", { cls: "final", answer: busy })).toBe(false);
    expect(PLUGIN_RETRY.limit).toBe(13);
    // An install (POST) is not repeated after an unknown outcome; a version update is.
    expect(shouldRetry(PLUGIN_RETRY, "POST", { cls: "unknown-transient" })).toBe(false);
    expect(shouldRetry(PLUGIN_WRITE_SAFE, "POST", { cls: "unknown-transient" })).toBe(true);
    expect(shouldRetry(PLUGIN_WRITE_SAFE, "POST", { cls: "final", answer: busy })).toBe(true);
  });

  test("retryPolicy derives a named policy", () => {
    const p = retryPolicy("FIVE", DEFAULT_RETRY, { limit: 5 });
    expect(p).toEqual({ ...DEFAULT_RETRY, name: "FIVE", limit: 5 });
    expect(DEFAULT_RETRY.limit).toBeUndefined();
  });

  test("backoff doubles up to the cap, with equal jitter", () => {
    expect(backoff(1, 100, 1000, () => 0)).toBe(50);
    expect(backoff(1, 100, 1000, () => 1)).toBe(100);
    expect(backoff(3, 100, 1000, () => 1)).toBe(400);
    expect(backoff(10, 100, 1000, () => 0)).toBe(500);
  });
});
