/**
 * The emulator's control endpoints and API as the test suites reach them over HTTP, shared by the
 * provider, engine and fault suites. Control calls throw on any non-2xx answer, so a fault spec or
 * a reset the emulator refused cannot pass silently.
 */
import { randomUUID } from "node:crypto";
import { DEFAULT_TOKEN, type FaultSpec } from "../../emulator";
export { TEMP_KEY_PREFIX } from "../../provider/api/stackSession";

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  durationMs: number;
  time: string;
  fault?: string;
}

/** The control endpoints of an emulator at `url` (no auth; never faulted, never logged). */
export interface EmulatorControl {
  url: string;
  requests(): Promise<RequestLogEntry[]>;
  clearRequests(): Promise<void>;
  addFaults(faults: FaultSpec[]): Promise<void>;
  clearFaults(): Promise<void>;
  /** Empties all state, faults, the request log and the clock. */
  reset(): Promise<void>;
  advanceClock(seconds: number): Promise<void>;
  /** Makes the emulator's clock read `now` (RFC 3339); it keeps running from there. */
  setClock(now: string): Promise<void>;
  /** The emulator clock's time, RFC 3339. */
  clock(): Promise<string>;
  /** Back to real time. */
  resetClock(): Promise<void>;
  /** Publishes a catalog version of a plugin (`latest` then resolves to the newest). */
  releasePlugin(plugin: string, version: string): Promise<{ latestVersion: string; versions: string[] }>;
  /**
   * Sets a stack's status to any of the service's 14 (`paused`, `suspended`, `archived`,
   * `migrating`...); null goes back to the status its lifecycle gives.
   */
  setStackStatus(slug: string, status: string | null): Promise<void>;
  /** `GET /_emulator/state`: every object, deleted stacks included. */
  state(): Promise<EmulatorState>;
  /** Any control endpoint, `method /_emulator${path}`: the parsed answer. */
  call(method: string, path: string, body?: unknown): Promise<any>;
}

export interface EmulatorState {
  now: string;
  stacks: { id: number; slug: string; status: string }[];
  accessPolicies: {
    id: string;
    name: string;
    region: string;
    scopes: string[];
    realms: { type: string; identifier: string }[];
  }[];
  tokens: { id: string; name: string; region: string; accessPolicyId: string; expiresAt?: string | null }[];
  plugins: { id: number; stackSlug: string | null; plugin: string; version: string }[];
  stackApiKeys: {
    id: number;
    stackSlug: string | null;
    name: string;
    role: string;
    expiration: string | null;
    createdAt: string;
  }[];
  serviceAccounts: {
    id: number;
    stackSlug: string | null;
    name: string;
    login: string;
    role: string;
    isDisabled: boolean;
    createdAt: string;
  }[];
  serviceAccountTokens: {
    id: number;
    stackSlug: string | null;
    serviceAccountId: number;
    name: string;
    created: string;
    expiration: string | null;
    hasExpired: boolean;
    lastUsedAt: string | null;
  }[];
}

export function controlOf(url: string): EmulatorControl {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const clockOf = (answer: unknown): string => (answer as { now: string }).now;
  return {
    url,
    requests: async () => (await call("GET", "/_emulator/requests")) as RequestLogEntry[],
    clearRequests: async () => void (await call("DELETE", "/_emulator/requests")),
    addFaults: async (faults) => void (await call("POST", "/_emulator/faults", faults)),
    clearFaults: async () => void (await call("DELETE", "/_emulator/faults")),
    reset: async () => void (await call("POST", "/_emulator/reset")),
    advanceClock: async (seconds) =>
      void (await call("POST", "/_emulator/clock", { advanceSeconds: seconds })),
    setClock: async (now) => void (await call("POST", "/_emulator/clock", { now })),
    clock: async () => clockOf(await call("GET", "/_emulator/clock")),
    resetClock: async () => void (await call("DELETE", "/_emulator/clock")),
    releasePlugin: async (plugin, version) =>
      (await call("POST", "/_emulator/plugins/release", { plugin, version })) as {
        latestVersion: string;
        versions: string[];
      },
    setStackStatus: async (slug, status) =>
      void (await call("POST", `/_emulator/stacks/${encodeURIComponent(slug)}/status`, { status })),
    state: async () => (await call("GET", "/_emulator/state")) as EmulatorState,
    call: (method, path, body) => call(method, `/_emulator${path}`, body),
  };
}

/** The writes among logged requests: anything that is not a GET or HEAD. */
export function writesIn(log: RequestLogEntry[]): RequestLogEntry[] {
  return log.filter((r) => r.method !== "GET" && r.method !== "HEAD");
}

/** The logical name of a URN (`urn:pulumi:stack::project::type::name` -> `name`). */
export function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** A stack that exists: GET of a deleted stack still answers it, with status deleted (or deleting). */
export function isLiveStack(s: { status: string }): boolean {
  return s.status !== "deleted" && s.status !== "deleting";
}

/**
 * Calls the Cloud API of the emulator at `url` behind the providers' back, with its token and a
 * fresh `X-Request-Id` (the contract requires one on writes, and the emulator refuses writes
 * without it); answers the status and body, whatever the status.
 */
export function apiCaller(url: string, token: string = DEFAULT_TOKEN) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      "x-request-id": randomUUID(),
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}
