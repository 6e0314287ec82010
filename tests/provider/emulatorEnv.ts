/**
 * Starts the emulator for provider tests and points the providers at it through the same
 * environment variables a user would set. Control endpoints give the request log, faults and a
 * state dump, so tests can count calls and check for duplicates and orphans.
 */
import { DEFAULT_TOKEN, startEmulator, type EmulatorOptions } from "../../emulator";

export interface TestEmulator {
  url: string;
  /** Calls the API (with the emulator token) behind the providers' back. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  requests(): Promise<{ method: string; path: string; status: number }[]>;
  clearRequests(): Promise<void>;
  fault(spec: Record<string, unknown>): Promise<void>;
  clearFaults(): Promise<void>;
  reset(): Promise<void>;
  advanceClock(seconds: number): Promise<void>;
  state(): Promise<any>;
  close(): Promise<void>;
}

export async function useEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const em = await startEmulator({ readinessDelayMs: 200, slugReuseWindowMs: 1500, ...options });
  process.env["GRAFANA_CLOUD_API_URL"] = em.url;
  process.env["GRAFANA_CLOUD_ACCESS_POLICY_TOKEN"] = options.token ?? DEFAULT_TOKEN;
  process.env["GRAFANA_CLOUD_RETRY_BASE_DELAY_MS"] = "20";
  process.env["GRAFANA_CLOUD_RETRY_BUDGET_SECONDS"] = "10";
  const call = async (method: string, path: string, body?: unknown, auth = true) => {
    const headers: Record<string, string> = {};
    if (auth) headers["authorization"] = `Bearer ${options.token ?? DEFAULT_TOKEN}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${em.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    url: em.url,
    api: (m, p, b) => call(m, p, b),
    requests: async () => (await call("GET", "/_emulator/requests", undefined, false)).body,
    clearRequests: async () => void (await call("DELETE", "/_emulator/requests", undefined, false)),
    fault: async (spec) => void (await call("POST", "/_emulator/faults", spec, false)),
    clearFaults: async () => void (await call("DELETE", "/_emulator/faults", undefined, false)),
    reset: async () => void (await call("POST", "/_emulator/reset", undefined, false)),
    advanceClock: async (s) => void (await call("POST", "/_emulator/clock", { advanceSeconds: s }, false)),
    state: async () => (await call("GET", "/_emulator/state", undefined, false)).body,
    close: () => em.close(),
  };
}

export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}
