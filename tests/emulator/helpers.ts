import { randomUUID } from "node:crypto";
import { DEFAULT_TOKEN, EmulatorOptions, RunningEmulator, startEmulator } from "../../emulator";
import { controlOf, type EmulatorControl } from "../support/emulatorClient";

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A tiny JSON client for the emulator's API (or a stack URL), showing status, body and headers. It
 * sends a fresh `X-Request-Id` on every POST and DELETE, as the contract requires, unless a test
 * turns `requestIds` off or gives the header itself.
 */
export class Api {
  requestIds = true;

  constructor(
    readonly url: string,
    public token: string | null = DEFAULT_TOKEN,
  ) {}

  async call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Res<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.token !== null && h.authorization === undefined) h.authorization = `Bearer ${this.token}`;
    if (body !== undefined) h["content-type"] = "application/json";
    if (this.requestIds && (method === "POST" || method === "DELETE") && h["x-request-id"] === undefined) {
      h["x-request-id"] = randomUUID();
    }
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: h,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === "" ? undefined : JSON.parse(text), headers: res.headers };
  }

  get<T = any>(path: string, headers?: Record<string, string>) {
    return this.call<T>("GET", path, undefined, headers);
  }
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.call<T>("POST", path, body ?? {}, headers);
  }
  delete<T = any>(path: string, headers?: Record<string, string>) {
    return this.call<T>("DELETE", path, undefined, headers);
  }
}

export interface EmulatorFixture {
  /** The API client, with the emulator's token (tests may change `token`). */
  api(): Api;
  emu(): RunningEmulator;
  /** The control endpoints (tests/support/emulatorClient.ts). */
  control(): EmulatorControl;
}

/**
 * Starts one emulator for a test file (no readiness delay and no slug hold unless the options say
 * otherwise) and resets it, clock included, before each test. Returns getters because the
 * emulator starts in beforeAll.
 */
export function useEmulator(options: EmulatorOptions = {}): EmulatorFixture {
  let emu: RunningEmulator | undefined;
  let api: Api | undefined;
  let control: EmulatorControl | undefined;
  beforeAll(async () => {
    emu = await startEmulator({ readinessDelayMs: 0, slugReuseWindowMs: 0, ...options });
    api = new Api(emu.url);
    control = controlOf(emu.url);
  });
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(async () => {
    await control!.reset();
    api!.token = DEFAULT_TOKEN;
    api!.requestIds = true;
  });
  return { api: () => api!, emu: () => emu!, control: () => control! };
}

export const POLICY = {
  name: "stack-readers",
  displayName: "Stack Readers",
  scopes: ["metrics:read", "logs:read"],
  realms: [{ type: "stack", identifier: "123", labelPolicies: [{ selector: '{env != "dev"}' }] }],
  conditions: { allowedSubnets: ["192.168.0.0/24", "2001:db8::/32"] },
};

export async function createPolicy(api: Api, overrides: Record<string, unknown> = {}, region = "us") {
  const res = await api.post(`/api/v1/accesspolicies?region=${region}`, { ...POLICY, ...overrides });
  expect(res.status).toBe(200);
  return res.body;
}

export async function createStack(api: Api, slug: string, overrides: Record<string, unknown> = {}) {
  const res = await api.post("/api/instances", { name: slug, slug, deleteProtection: false, ...overrides });
  expect(res.status).toBe(200);
  return res.body;
}

export function expectError(res: Res, status: number, code: string, message?: string | RegExp): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(typeof res.body.requestId).toBe("string");
  expect(res.body.requestId).toBe(res.headers.get("x-request-id"));
  if (typeof message === "string") expect(res.body.message).toBe(message);
  else if (message instanceof RegExp) expect(res.body.message).toMatch(message);
}
