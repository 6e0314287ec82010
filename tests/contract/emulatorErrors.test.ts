/**
 * The emulator's errors on every route the provider calls, in both modes: as observed by default
 * (409 `InvalidArgument` on `/instances...`, 400 on the v1 access-policy and token routes, 401
 * `Unauthorized` for a missing scope there, 503 `Loading`), and exactly as the contract says under
 * `strictContract`: only the statuses the operation documents, each with its one code, and the
 * ErrorPayload body where the operation's errors are that.
 */
import { RunningEmulator, startEmulator } from "../../emulator";
import { controlOf, type EmulatorControl } from "../support/emulatorClient";
import { Api, type Res } from "../emulator/helpers";
import { ERROR_MATRIX, contractError, errorPayload, type Operation } from "./schemas";

interface Expected {
  status: number;
  code: string;
}

interface Case {
  op: Operation | "postInstanceApiKeys";
  title: string;
  call: (f: Fixture) => Promise<Res>;
  observed: Expected;
  contract: Expected;
}

interface Fixture {
  api: Api;
  control: EmulatorControl;
  stackId: number;
  policyId: string;
  tokenId: string;
  /** A client whose token's policy has only `metrics:read`. */
  narrow: Api;
}

const same = (status: number, code: string) => ({ observed: { status, code }, contract: { status, code } });
const invalidLegacy = {
  observed: { status: 409, code: "InvalidArgument" },
  contract: { status: 409, code: "Conflict" },
};
const invalidV1 = {
  observed: { status: 400, code: "InvalidArgument" },
  contract: { status: 409, code: "Conflict" },
};
/** A reference to something unknown, on an operation whose contract documents no 404. */
const unknownWithout404 = {
  observed: { status: 404, code: "NotFound" },
  contract: { status: 409, code: "Conflict" },
};

/** The service-account routes of the fixture's stack. */
const SA = "/api/instances/base/api/serviceaccounts";

const POLICY = { name: "readers", scopes: ["metrics:read"], realms: [{ type: "org", identifier: "1" }] };

const CASES: Case[] = [
  // Stacks
  {
    op: "postInstances",
    title: "invalid slug",
    call: (f) => f.api.post("/api/instances", { name: "x", slug: "my-stack" }),
    ...invalidLegacy,
  },
  {
    op: "postInstances",
    title: "missing name",
    call: (f) => f.api.post("/api/instances", { slug: "noname" }),
    ...invalidLegacy,
  },
  {
    op: "postInstances",
    title: "unknown region",
    call: (f) => f.api.post("/api/instances", { name: "x", slug: "mars", region: "mars" }),
    ...unknownWithout404,
  },
  {
    op: "postInstances",
    title: "taken slug",
    call: (f) => f.api.post("/api/instances", { name: "x", slug: "base" }),
    ...same(409, "Conflict"),
  },
  {
    op: "postInstances",
    title: "over the stack quota",
    call: async (f) => {
      await f.api.post("/api/instances", { name: "two", slug: "two" });
      return f.api.post("/api/instances", { name: "three", slug: "three" });
    },
    ...same(403, "Forbidden"),
  },
  {
    op: "postInstances",
    title: "missing scope",
    call: (f) => f.narrow.post("/api/instances", { name: "x", slug: "narrow" }),
    ...same(403, "Forbidden"),
  },
  {
    op: "getInstances",
    title: "bad token",
    call: (f) => new Api(f.api.url, "nope").get("/api/instances"),
    ...same(401, "InvalidCredentials"),
  },
  {
    op: "getInstances",
    title: "unknown orderBy",
    call: (f) => f.api.get("/api/instances?orderBy=colour"),
    ...invalidLegacy,
  },
  {
    op: "getInstances",
    title: "page that is not a number",
    call: (f) => f.api.get("/api/instances?page=first"),
    ...invalidLegacy,
  },
  {
    op: "getOrgInstances",
    title: "another org",
    call: (f) => f.api.get("/api/orgs/someone-else/instances"),
    ...same(404, "NotFound"),
  },
  {
    op: "getInstance",
    title: "unknown stack",
    call: (f) => f.api.get("/api/instances/nosuch"),
    ...same(404, "NotFound"),
  },
  {
    op: "postInstance",
    title: "slug change",
    call: (f) => f.api.post("/api/instances/base", { slug: "other" }),
    ...invalidLegacy,
  },
  {
    op: "postInstance",
    title: "unknown stack",
    call: (f) => f.api.post("/api/instances/nosuch", { description: "x" }),
    ...same(404, "NotFound"),
  },
  {
    op: "deleteInstance",
    title: "delete protection",
    call: async (f) => {
      await f.api.post("/api/instances/base", { deleteProtection: true });
      return f.api.delete("/api/instances/base");
    },
    ...same(409, "Conflict"),
  },
  {
    op: "deleteInstance",
    title: "unknown stack",
    call: (f) => f.api.delete("/api/instances/nosuch"),
    ...same(404, "NotFound"),
  },
  {
    op: "getInstanceReadiness",
    title: "unknown stack",
    call: (f) => f.api.get("/api/instances/999/readiness"),
    ...same(404, "NotFound"),
  },
  {
    op: "getConnections",
    title: "a pending stack",
    call: async (f) => {
      await f.control.setStackStatus("base", "pending");
      return f.api.get("/api/instances/base/connections");
    },
    ...same(404, "NotFound"),
  },
  {
    op: "checkStackReadinessV1",
    title: "unknown stack",
    call: (f) => f.api.get("/api/v1/stacks/999/readiness"),
    ...same(404, "NotFound"),
  },
  {
    op: "getStackConnectionsV1",
    title: "unknown stack",
    call: (f) => f.api.get("/api/v1/stacks/nosuch/connections"),
    ...same(404, "NotFound"),
  },
  {
    op: "getStackRegions",
    title: "unknown direction",
    call: (f) => f.api.get("/api/stack-regions?direction=up"),
    ...invalidLegacy,
  },
  // Access policies
  {
    op: "postAccessPolicies",
    title: "invalid scope",
    call: (f) =>
      f.api.post("/api/v1/accesspolicies?region=us", { ...POLICY, name: "bad", scopes: ["metrics.v2:read"] }),
    ...invalidV1,
  },
  {
    op: "postAccessPolicies",
    title: "missing region",
    call: (f) => f.api.post("/api/v1/accesspolicies", { ...POLICY, name: "noregion" }),
    ...invalidV1,
  },
  {
    op: "postAccessPolicies",
    title: "unknown region",
    call: (f) => f.api.post("/api/v1/accesspolicies?region=mars", { ...POLICY, name: "mars" }),
    ...unknownWithout404,
  },
  {
    op: "postAccessPolicies",
    title: "duplicate name",
    call: (f) => f.api.post("/api/v1/accesspolicies?region=us", POLICY),
    ...same(409, "Conflict"),
  },
  {
    op: "getAccessPolicies",
    title: "missing scope",
    call: (f) => f.narrow.get("/api/v1/accesspolicies?region=us"),
    observed: { status: 401, code: "Unauthorized" },
    contract: { status: 403, code: "Forbidden" },
  },
  {
    op: "getAccessPolicies",
    title: "bad pageSize",
    call: (f) => f.api.get("/api/v1/accesspolicies?region=us&pageSize=0"),
    ...invalidV1,
  },
  {
    op: "getAccessPolicies",
    title: "unknown region",
    call: (f) => f.api.get("/api/v1/accesspolicies?region=mars"),
    ...unknownWithout404,
  },
  {
    op: "getAccessPolicy",
    title: "unknown id",
    call: (f) => f.api.get("/api/v1/accesspolicies/nope?region=us"),
    ...same(404, "NotFound"),
  },
  {
    op: "postAccessPolicy",
    title: "name change",
    call: (f) => f.api.post(`/api/v1/accesspolicies/${f.policyId}?region=us`, { name: "renamed" }),
    ...invalidV1,
  },
  {
    op: "deleteAccessPolicy",
    title: "unknown id",
    call: (f) => f.api.delete("/api/v1/accesspolicies/nope?region=us"),
    ...same(404, "NotFound"),
  },
  // Tokens
  {
    op: "postTokens",
    title: "unknown access policy",
    call: (f) => f.api.post("/api/v1/tokens?region=us", { accessPolicyId: "nope", name: "t2" }),
    ...unknownWithout404,
  },
  {
    op: "postTokens",
    title: "invalid name",
    call: (f) => f.api.post("/api/v1/tokens?region=us", { accessPolicyId: f.policyId, name: "T2" }),
    ...invalidV1,
  },
  {
    op: "postTokens",
    title: "duplicate name",
    call: (f) => f.api.post("/api/v1/tokens?region=us", { accessPolicyId: f.policyId, name: "narrow" }),
    ...same(409, "Conflict"),
  },
  {
    op: "getTokens",
    title: "malformed expiresBefore",
    call: (f) => f.api.get("/api/v1/tokens?region=us&expiresBefore=soon"),
    ...invalidV1,
  },
  {
    op: "getToken",
    title: "unknown id",
    call: (f) => f.api.get("/api/v1/tokens/nope?region=us"),
    ...same(404, "NotFound"),
  },
  {
    op: "postToken",
    title: "expiresAt in the past",
    call: (f) => f.api.post(`/api/v1/tokens/${f.tokenId}?region=us`, { expiresAt: "2020-01-01T00:00:00Z" }),
    ...invalidV1,
  },
  {
    op: "deleteToken",
    title: "unknown id",
    call: (f) => f.api.delete("/api/v1/tokens/nope?region=us"),
    ...same(404, "NotFound"),
  },
  // Plugins
  {
    op: "postInstancePlugins",
    title: "unknown plugin",
    call: (f) => f.api.post("/api/instances/base/plugins", { plugin: "no-such-panel" }),
    ...same(404, "NotFound"),
  },
  {
    op: "postInstancePlugins",
    title: "malformed version",
    call: (f) => f.api.post("/api/instances/base/plugins", { plugin: "grafana-clock-panel", version: "v1" }),
    ...invalidLegacy,
  },
  {
    op: "postInstancePlugins",
    title: "already installed",
    call: (f) => f.api.post("/api/instances/base/plugins", { plugin: "grafana-worldmap-panel" }),
    ...same(409, "Conflict"),
  },
  {
    op: "getInstancePlugins",
    title: "unknown stack",
    call: (f) => f.api.get("/api/instances/nosuch/plugins"),
    ...same(404, "NotFound"),
  },
  {
    op: "getInstancePlugins",
    title: "unknown orderBy",
    call: (f) => f.api.get("/api/instances/base/plugins?orderBy=colour"),
    ...invalidLegacy,
  },
  {
    op: "getInstancePlugin",
    title: "not installed",
    call: (f) => f.api.get("/api/instances/base/plugins/grafana-clock-panel"),
    ...same(404, "NotFound"),
  },
  {
    op: "postInstancePlugin",
    title: "missing version",
    call: (f) => f.api.post("/api/instances/base/plugins/grafana-worldmap-panel", {}),
    ...invalidLegacy,
  },
  {
    op: "deleteInstancePlugin",
    title: "not installed",
    call: (f) => f.api.delete("/api/instances/base/plugins/grafana-clock-panel"),
    ...same(404, "NotFound"),
  },
  {
    op: "getPlugin",
    title: "unknown plugin",
    call: (f) => f.api.get("/api/plugins/no-such-panel"),
    ...same(404, "NotFound"),
  },
  {
    op: "getPlugin",
    title: "unknown version",
    call: (f) => f.api.get("/api/plugins/grafana-clock-panel?version=9.9.9"),
    ...same(404, "NotFound"),
  },
  // Hosted Grafana API keys: not in the contract, its codes follow the contract's per status.
  {
    op: "postInstanceApiKeys",
    title: "a stack still starting",
    call: async (f) => {
      await f.control.setStackStatus("base", "starting");
      return f.api.post("/api/instances/base/api/auth/keys", { name: "k", role: "Admin" });
    },
    observed: { status: 503, code: "Loading" },
    contract: { status: 503, code: "ServiceUnavailable" },
  },
  {
    op: "postInstanceApiKeys",
    title: "API keys removed (Grafana 12.1): 404 whatever the body",
    call: (f) => f.api.post("/api/instances/base/api/auth/keys", { name: "k", role: "Owner" }),
    ...same(404, "NotFound"),
  },
  // Stack service accounts
  {
    op: "postInstanceServiceAccounts",
    title: "invalid role",
    call: (f) => f.api.post(`${SA}`, { name: "x", role: "Owner" }),
    ...invalidLegacy,
  },
  {
    op: "postInstanceServiceAccounts",
    title: "taken name",
    call: async (f) => {
      await f.api.post(`${SA}`, { name: "x", role: "Viewer" });
      return f.api.post(`${SA}`, { name: "x", role: "Admin" });
    },
    ...same(409, "Conflict"),
  },
  {
    op: "postInstanceServiceAccounts",
    title: "missing scope",
    call: (f) => f.narrow.post(`${SA}`, { name: "x", role: "Viewer" }),
    ...same(403, "Forbidden"),
  },
  {
    op: "postInstanceServiceAccounts",
    title: "unknown stack",
    call: (f) => f.api.post("/api/instances/nosuch/api/serviceaccounts", { name: "x", role: "Viewer" }),
    ...same(404, "NotFound"),
  },
  {
    op: "postInstanceServiceAccounts",
    title: "a stack still starting",
    call: async (f) => {
      await f.control.setStackStatus("base", "starting");
      return f.api.post(`${SA}`, { name: "x", role: "Viewer" });
    },
    observed: { status: 503, code: "Loading" },
    contract: { status: 503, code: "ServiceUnavailable" },
  },
  {
    op: "getInstanceServiceAccountsSearch",
    title: "perpage that is not a number",
    call: (f) => f.api.get(`${SA}/search?perpage=all`),
    ...invalidLegacy,
  },
  {
    op: "getInstanceServiceAccountsSearch",
    title: "missing scope, on a read",
    call: (f) => f.narrow.get(`${SA}/search`),
    ...same(403, "Forbidden"),
  },
  {
    op: "getInstanceServiceAccount",
    title: "unknown account",
    call: (f) => f.api.get(`${SA}/999`),
    ...same(404, "NotFound"),
  },
  {
    op: "getInstanceServiceAccount",
    title: "id that is not a number",
    call: (f) => f.api.get(`${SA}/bot`),
    ...invalidLegacy,
  },
  {
    op: "deleteInstanceServiceAccount",
    title: "unknown account",
    call: (f) => f.api.delete(`${SA}/999`),
    ...same(404, "NotFound"),
  },
  {
    op: "getInstanceServiceAccountTokens",
    title: "unknown account",
    call: (f) => f.api.get(`${SA}/999/tokens`),
    ...same(404, "NotFound"),
  },
  {
    op: "postInstanceServiceAccountTokens",
    title: "taken name",
    call: async (f) => {
      const sa = (await f.api.post(`${SA}`, { name: "x", role: "Viewer" })).body;
      await f.api.post(`${SA}/${sa.id}/tokens`, { name: "t" });
      return f.api.post(`${SA}/${sa.id}/tokens`, { name: "t" });
    },
    ...same(409, "Conflict"),
  },
  {
    op: "postInstanceServiceAccountTokens",
    title: "negative secondsToLive",
    call: async (f) => {
      const sa = (await f.api.post(`${SA}`, { name: "x", role: "Viewer" })).body;
      return f.api.post(`${SA}/${sa.id}/tokens`, { name: "t", secondsToLive: -5 });
    },
    ...invalidLegacy,
  },
  {
    op: "deleteInstanceServiceAccountToken",
    title: "unknown token",
    call: async (f) => {
      const sa = (await f.api.post(`${SA}`, { name: "x", role: "Viewer" })).body;
      return f.api.delete(`${SA}/${sa.id}/tokens/7`);
    },
    ...same(404, "NotFound"),
  },
];

describe.each([
  ["observed (default)", false],
  ["strict contract", true],
])("the emulator's errors, %s", (_mode, strict) => {
  let emu: RunningEmulator;
  let fixture: Fixture;

  beforeAll(async () => {
    emu = await startEmulator({
      strictContract: strict,
      readinessDelayMs: 0,
      slugReuseWindowMs: 0,
      maxStacks: 2,
    });
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(async () => {
    const control = controlOf(emu.url);
    await control.reset();
    const api = new Api(emu.url);
    const stack = (await api.post("/api/instances", { name: "base", slug: "base", deleteProtection: false }))
      .body;
    await api.post("/api/instances/base/plugins", { plugin: "grafana-worldmap-panel" });
    const policy = (await api.post("/api/v1/accesspolicies?region=us", POLICY)).body;
    const token = (await api.post("/api/v1/tokens?region=us", { accessPolicyId: policy.id, name: "narrow" }))
      .body;
    fixture = {
      api,
      control,
      stackId: stack.id,
      policyId: policy.id,
      tokenId: token.id,
      narrow: new Api(emu.url, token.token),
    };
  });

  it.each(CASES.map((c) => [c.op, c.title, c] as const))("%s: %s", async (_op, _title, c) => {
    const res = await c.call(fixture);
    const want = strict ? c.contract : c.observed;
    expect({ status: res.status, code: res.body?.code }).toEqual(want);
    expect(res.body.requestId).toBe(res.headers.get("x-request-id"));
    const documented = c.op === "postInstanceApiKeys" ? undefined : ERROR_MATRIX[c.op];
    if (documented === null) {
      // The operation's errors are the ErrorPayload, with statusCode: always on the v1 stack
      // routes; on the deprecated connections route only under the contract.
      const payload = errorPayload.safeParse(res.body);
      const expectPayload = strict || c.op !== "getConnections";
      expect(payload.success).toBe(expectPayload);
      if (expectPayload) expect(res.body.statusCode).toBe(res.status);
    } else if (strict) {
      if (documented !== undefined) expect(documented).toContain(res.status);
      expect(contractError(res.status).safeParse(res.body).success).toBe(true);
    }
  });
});

describe.each([
  ["observed (default)", false],
  ["strict contract", true],
])("X-Request-Id, %s", (_mode, strict) => {
  let emu: RunningEmulator;
  let api: Api;
  let bare: Api;

  beforeAll(async () => {
    emu = await startEmulator({ strictContract: strict, readinessDelayMs: 0, slugReuseWindowMs: 0 });
    api = new Api(emu.url);
    bare = new Api(emu.url);
    bare.requestIds = false;
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(async () => {
    await controlOf(emu.url).reset();
    await api.post("/api/instances", { name: "base", slug: "base", deleteProtection: false });
    // Account 2 with token 1, for the deletes to leave in place.
    await api.post("/api/instances/base/api/serviceaccounts", { name: "bot", role: "Viewer" });
    await api.post("/api/instances/base/api/serviceaccounts/2/tokens", { name: "t" });
  });

  it.each([
    ["POST", "/api/instances", { name: "x", slug: "fresh" }],
    ["POST", "/api/instances/base", { description: "x" }],
    ["DELETE", "/api/instances/base", undefined],
    ["POST", "/api/instances/base/plugins", { plugin: "grafana-clock-panel" }],
    ["POST", "/api/instances/base/plugins/grafana-clock-panel", { version: "latest" }],
    ["DELETE", "/api/instances/base/plugins/grafana-clock-panel", undefined],
    ["POST", "/api/instances/base/api/auth/keys", { name: "k", role: "Admin" }],
    ["POST", "/api/instances/base/api/serviceaccounts", { name: "x", role: "Viewer" }],
    ["DELETE", "/api/instances/base/api/serviceaccounts/2", undefined],
    ["POST", "/api/instances/base/api/serviceaccounts/2/tokens", { name: "t" }],
    ["DELETE", "/api/instances/base/api/serviceaccounts/2/tokens/1", undefined],
    ["POST", "/api/v1/accesspolicies?region=us", POLICY],
    ["POST", "/api/v1/accesspolicies/some-id?region=us", { displayName: "x" }],
    ["DELETE", "/api/v1/accesspolicies/some-id?region=us", undefined],
    ["POST", "/api/v1/tokens?region=us", { accessPolicyId: "p", name: "t" }],
    ["POST", "/api/v1/tokens/some-id?region=us", { displayName: "x" }],
    ["DELETE", "/api/v1/tokens/some-id?region=us", undefined],
  ])("%s %s without it answers 400 naming the header, and changes nothing", async (method, path, body) => {
    const objects = async () => {
      const { now: _now, ...rest } = await controlOf(emu.url).state();
      return rest;
    };
    const before = await objects();
    const res = await bare.call(method, path, body);
    expect({ status: res.status, code: res.body?.code }).toEqual({ status: 400, code: "InvalidArgument" });
    expect(res.body.message).toMatch(/x-request-id/i);
    expect(await objects()).toEqual(before);
  });

  it("is not needed on reads, the v1 stack routes, control endpoints or a stack URL", async () => {
    expect((await bare.get("/api/instances")).status).toBe(200);
    expect((await bare.get("/api/v1/stacks/base/readiness")).status).toBe(200);
    expect((await bare.get("/api/stack-regions")).status).toBe(200);
    expect((await bare.call("POST", "/_emulator/clock", { advanceSeconds: 1 })).status).toBe(200);
    const stackUrl = new Api(`${emu.url}/grafana/base`, null);
    stackUrl.requestIds = false;
    expect((await stackUrl.get("/api/health")).status).toBe(200);
  });

  it("is still checked after the credential: a bad token answers 401 first", async () => {
    const bad = new Api(emu.url, "nope");
    bad.requestIds = false;
    const res = await bad.post("/api/instances", { name: "x", slug: "x" });
    expect({ status: res.status, code: res.body?.code }).toEqual({ status: 401, code: "InvalidCredentials" });
  });
});
