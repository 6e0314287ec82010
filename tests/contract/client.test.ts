/**
 * The client's schemas against the contract's minimal answers: every api function accepts an
 * answer with only the contract's required fields (every optional field absent), and an answer
 * missing a field the provider truly needs fails with an error naming that field and why.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  createAccessPolicy,
  deleteAccessPolicy,
  getAccessPolicy,
  listAccessPolicies,
  updateAccessPolicy,
} from "../../provider/api/accessPolicies";
import {
  getPluginInstallation,
  installPlugin,
  listPluginInstallations,
  uninstallPlugin,
  updatePluginVersion,
} from "../../provider/api/plugins";
import {
  createServiceAccount,
  createServiceAccountToken,
  deleteServiceAccount,
  deleteServiceAccountToken,
  getServiceAccount,
  listServiceAccountTokens,
  searchServiceAccounts,
} from "../../provider/api/serviceAccounts";
import { createStackApiKey } from "../../provider/api/stackKeys";
import {
  createStack,
  deleteStack,
  getConnections,
  getReadiness,
  getStack,
  getStackConnectionsV1,
  getStackReadinessV1,
  listRegions,
  prometheusRemoteWriteUrl,
  stackSchema,
  updateStack,
} from "../../provider/api/stacks";
import { createToken, deleteToken, getToken, listTokens, updateToken } from "../../provider/api/tokens";
import { ApiClient } from "../../provider/client/http";
import { isOutcomeUnknown, ResponseValidationError } from "../../provider/client/errors";
import {
  envelope,
  minimalConnections,
  minimalConnectionsV1,
  minimalPlugin,
  minimalPolicy,
  minimalRegion,
  minimalStack,
  minimalToken,
  STACK_REQUIRED_FIELDS,
} from "./clientFixtures";

/** Answers each `METHOD path` (query ignored) with the body set for it; 404 otherwise. */
let answers: Record<string, unknown> = {};
let server: http.Server;
let c: ApiClient;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const key = `${req.method} ${(req.url ?? "").split("?")[0]}`;
      if (!(key in answers)) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: "NotFound", message: `no fixture for ${key}` }));
        return;
      }
      const body = answers[key];
      res.writeHead(200, { "content-type": "application/json" });
      // `undefined`: the contract gives no body schema (200 with nothing in it).
      res.end(body === undefined ? "" : JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  c = new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, token: "glc_contract-test", maxRetries: 0 });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  answers = {};
});

async function rejection(p: Promise<unknown>): Promise<Error & Record<string, any>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, any>;
  }
  throw new Error("expected a rejection");
}

describe("stacks", () => {
  test("the fixture has exactly the contract's 118 required fields", () => {
    expect(STACK_REQUIRED_FIELDS).toHaveLength(118);
    expect(new Set(STACK_REQUIRED_FIELDS).size).toBe(118);
  });

  test("what the stack schema requires is required by the contract too", () => {
    const required = Object.entries(stackSchema.shape)
      .filter(([, s]) => !s.safeParse(undefined).success)
      .map(([k]) => k);
    expect(required.length).toBeGreaterThan(0);
    for (const f of required) expect(STACK_REQUIRED_FIELDS).toContain(f);
  });

  test("get, create, update and delete accept a stack with only the required fields", async () => {
    const stack = minimalStack();
    answers = {
      "GET /api/instances/minimal": stack,
      "POST /api/instances": stack,
      "POST /api/instances/4321": stack,
      "DELETE /api/instances/4321": stack,
    };
    const got = await getStack(c, "minimal");
    expect(got).toMatchObject({ id: 4321, slug: "minimal", status: "active", orgId: 77 });
    // Nullable where the contract allows it, and absent labels stay absent.
    expect(got.updatedAt).toBeNull();
    expect(got.labels).toBeUndefined();
    expect(got.hmInstancePromUrl).toBe("hmInstancePromUrl-value");
    expect(got.agentManagementInstanceUrl).toBe("agentManagementInstanceUrl-value");
    expect(got.regionSyntheticMonitoringApiUrl).toBe("regionSyntheticMonitoringApiUrl-value");
    expect(got.providerRegion).toBe("providerRegion-value");
    expect((await createStack(c, { name: "minimal", slug: "minimal" })).id).toBe(4321);
    expect((await updateStack(c, 4321, { description: "x" })).id).toBe(4321);
    await expect(deleteStack(c, 4321)).resolves.toBeUndefined();
  });

  test("a stack with only the fields the provider reads parses too", async () => {
    answers = {
      "GET /api/instances/7": {
        id: 7,
        orgId: 1,
        orgSlug: "o",
        name: "n",
        slug: "s",
        url: "https://s.grafana.net",
        status: "active",
      },
    };
    const s = await getStack(c, 7);
    expect(s.hlInstanceUrl).toBeUndefined();
    expect(prometheusRemoteWriteUrl(s.hmInstancePromUrl)).toBeUndefined();
  });

  test("labels with values of any type (the contract leaves them open) do not fail the call", async () => {
    answers = {
      "GET /api/instances/minimal": { ...minimalStack(), labels: { team: "a", tier: 2, on: true, x: null } },
    };
    expect((await getStack(c, "minimal")).labels).toEqual({ team: "a", tier: "2", on: "true" });
  });

  test("a `__proto__` label in an answer stays a plain label", async () => {
    answers = {
      "GET /api/instances/minimal": { ...minimalStack(), labels: JSON.parse('{"__proto__":"x","a":"b"}') },
    };
    const labels = (await getStack(c, "minimal")).labels ?? {};
    expect(Object.keys(labels)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  test("the remote-write endpoint is derived from the Prometheus URL", () => {
    expect(prometheusRemoteWriteUrl("https://prometheus-prod-01.grafana.net/")).toBe(
      "https://prometheus-prod-01.grafana.net/api/prom/push",
    );
  });

  test("legacy and v1 connections accept their minimal forms", async () => {
    answers = {
      "GET /api/instances/4321/connections": minimalConnections,
      "GET /api/v1/stacks/minimal/connections": minimalConnectionsV1,
    };
    expect((await getConnections(c, 4321)).otlpHttpUrl).toBeNull();
    expect((await getStackConnectionsV1(c, "minimal")).tenants).toBeNull();
  });

  test("connections carry the private connectivity info and allow-list CNAMEs", async () => {
    const link = {
      serviceName: "com.amazonaws.vpce.svc-1",
      privateDNS: "x.grafana.net",
      regions: ["us-east-1"],
    };
    answers = {
      "GET /api/instances/4321/connections": {
        otlpHttpUrl: "https://otlp-gateway.grafana.net/otlp",
        otlpMultiAZ: true,
        influxUrl: "https://influx.grafana.net",
        oncallApiUrl: "https://oncall.grafana.net",
        syntheticMonitoringApiUrl: "https://sm.grafana.net",
        appPlatform: { url: "https://app.grafana.net" },
        privateConnectivityInfo: {
          tenants: [{ id: 1, type: "prometheus", ipAllowListCNAME: "allow.grafana.net", info: link }],
          otlp: link,
          pdc: { api: link, gateway: link },
        },
      },
      "GET /api/v1/stacks/4321/connections": {
        tenants: [{ id: 1, type: "prometheus", url: "https://prom", privateConnectivityInfo: link }],
        otlp: { multiAZ: false, url: "https://otlp", privateConnectivityInfo: link },
        pdc: { api: link, gateway: link },
        services: {
          influxUrl: "https://influx",
          oncallApiUrl: "https://oncall",
          syntheticMonitoringApiUrl: "https://sm",
        },
      },
    };
    const legacy = await getConnections(c, 4321);
    expect(legacy.privateConnectivityInfo?.tenants?.[0]?.ipAllowListCNAME).toBe("allow.grafana.net");
    expect(legacy.privateConnectivityInfo?.pdc?.gateway?.serviceName).toBe("com.amazonaws.vpce.svc-1");
    expect(legacy.syntheticMonitoringApiUrl).toBe("https://sm.grafana.net");
    const v1 = await getStackConnectionsV1(c, 4321);
    expect(v1.services?.oncallApiUrl).toBe("https://oncall");
    expect(v1.otlp?.privateConnectivityInfo?.regions).toEqual(["us-east-1"]);
  });

  test("readiness, legacy and v1", async () => {
    answers = {
      "GET /api/instances/4321/readiness": { ready: true },
      "GET /api/v1/stacks/minimal/readiness": { ready: false },
    };
    expect(await getReadiness(c, 4321)).toBe(true);
    expect(await getStackReadinessV1(c, "minimal")).toBe(false);
  });

  test("stack regions, short form", async () => {
    answers = { "GET /api/stack-regions": envelope([minimalRegion]) };
    expect((await listRegions(c)).map((r) => r.slug)).toEqual(["us"]);
  });
});

describe("access policies", () => {
  test("get and update accept a policy with only name, realms and scopes; the id asked for fills in", async () => {
    answers = {
      "GET /api/v1/accesspolicies/p-1": minimalPolicy,
      "POST /api/v1/accesspolicies/p-1": minimalPolicy,
    };
    const got = await getAccessPolicy(c, "us", "p-1");
    expect(got.id).toBe("p-1");
    expect(got.orgId).toBeUndefined();
    expect(got.realms).toEqual([{}]);
    const updated = await updateAccessPolicy(c, "us", "p-1", {
      scopes: ["metrics:read"],
      realms: [],
      conditions: {},
    });
    expect(updated.id).toBe("p-1");
  });

  test("realm type, identifier and label-policy selector may all be absent", async () => {
    answers = {
      "GET /api/v1/accesspolicies/p-1": {
        ...minimalPolicy,
        realms: [{ labelPolicies: [{}] }, { type: "system" }],
      },
    };
    const got = await getAccessPolicy(c, "us", "p-1");
    expect(got.realms[0]?.labelPolicies).toEqual([{}]);
    expect(got.realms[1]?.type).toBe("system");
  });

  test("delete: 200 with no body", async () => {
    answers = { "DELETE /api/v1/accesspolicies/p-1": undefined };
    await expect(deleteAccessPolicy(c, "us", "p-1")).resolves.toBeUndefined();
  });

  test("list: the Go form (no items, no metadata) and the upstream form (metadata with pageSize only)", async () => {
    answers = { "GET /api/v1/accesspolicies": {} };
    expect(await listAccessPolicies(c, "us")).toEqual([]);
    answers = {
      "GET /api/v1/accesspolicies": {
        items: [{ ...minimalPolicy, id: "p-1" }],
        metadata: { pagination: { pageSize: 50 } },
      },
    };
    expect((await listAccessPolicies(c, "us")).map((p) => p.id)).toEqual(["p-1"]);
  });

  test("a created policy without its id fails, naming the field, and may have been applied", async () => {
    answers = { "POST /api/v1/accesspolicies": minimalPolicy };
    const err = await rejection(
      createAccessPolicy(c, "us", {
        name: "minimal",
        scopes: ["metrics:read"],
        realms: [{ type: "org", identifier: "1" }],
      }),
    );
    expect(err).toBeInstanceOf(ResponseValidationError);
    expect(err.field).toBe("id");
    expect(err.message).toContain(
      'field "id" is missing; the provider addresses the policy by its id (to read, update and delete it)',
    );
    expect(isOutcomeUnknown(err)).toBe(true);
    expect(err.message).toMatch(/The request may have been applied$/);
  });

  test("a listed policy without an id fails, naming which", async () => {
    answers = { "GET /api/v1/accesspolicies": { items: [{ ...minimalPolicy, id: "p-1" }, minimalPolicy] } };
    const err = await rejection(listAccessPolicies(c, "us"));
    expect(err.field).toBe("items[1].id");
    expect(isOutcomeUnknown(err)).toBe(true);
  });
});

describe("tokens", () => {
  test("get and update accept a token with only accessPolicyId and name", async () => {
    answers = { "GET /api/v1/tokens/t-1": minimalToken, "POST /api/v1/tokens/t-1": minimalToken };
    expect((await getToken(c, "us", "t-1")).id).toBe("t-1");
    expect((await updateToken(c, "us", "t-1", { expiresAt: null })).id).toBe("t-1");
  });

  test("delete: an empty object", async () => {
    answers = { "DELETE /api/v1/tokens/t-1": {} };
    await expect(deleteToken(c, "us", "t-1")).resolves.toBeUndefined();
  });

  test("list: items with the needed id, pagination with pageSize only", async () => {
    answers = {
      "GET /api/v1/tokens": {
        items: [{ ...minimalToken, id: "t-1" }],
        metadata: { pagination: { pageSize: 10 } },
      },
    };
    expect((await listTokens(c, "us")).map((t) => t.id)).toEqual(["t-1"]);
  });

  test("a created token without its id, or without its secret, fails naming the field", async () => {
    answers = { "POST /api/v1/tokens": { ...minimalToken, token: "glc_secret-of-the-created-token" } };
    const noId = await rejection(createToken(c, "us", { accessPolicyId: "policy-1", name: "minimal" }));
    expect(noId.field).toBe("id");
    expect(isOutcomeUnknown(noId)).toBe(true);
    expect(JSON.stringify(noId)).not.toContain("glc_secret-of-the-created-token");

    answers = { "POST /api/v1/tokens": { ...minimalToken, id: "t-1" } };
    const noSecret = await rejection(createToken(c, "us", { accessPolicyId: "policy-1", name: "minimal" }));
    expect(noSecret.field).toBe("token");
    expect(noSecret.message).toContain(
      'field "token" is missing; it is the token\'s secret, which the API shows only in the answer to create',
    );
    expect(isOutcomeUnknown(noSecret)).toBe(true);
  });
});

describe("plugins", () => {
  test("every call accepts installations without updatedAt, lists in the contract's envelope", async () => {
    answers = {
      "GET /api/instances/minimal/plugins": envelope([minimalPlugin]),
      "GET /api/instances/minimal/plugins/grafana-clock-panel": minimalPlugin,
      "POST /api/instances/minimal/plugins": minimalPlugin,
      "POST /api/instances/minimal/plugins/grafana-clock-panel": minimalPlugin,
      "DELETE /api/instances/minimal/plugins/grafana-clock-panel": minimalPlugin,
    };
    expect((await listPluginInstallations(c, "minimal")).map((p) => p.pluginSlug)).toEqual([
      "grafana-clock-panel",
    ]);
    expect((await getPluginInstallation(c, "minimal", "grafana-clock-panel")).version).toBe("2.1.8");
    expect((await installPlugin(c, "minimal", { plugin: "grafana-clock-panel", version: "latest" })).id).toBe(
      11,
    );
    expect((await updatePluginVersion(c, "minimal", "grafana-clock-panel", "2.1.8")).id).toBe(11);
    await expect(uninstallPlugin(c, "minimal", "grafana-clock-panel")).resolves.toBeUndefined();
  });
});

describe("stack API keys (no contract covers them)", () => {
  test("a created key without its secret fails naming the field, and may have been applied", async () => {
    answers = { "POST /api/instances/minimal/api/auth/keys": { id: 5, name: "k" } };
    const err = await rejection(createStackApiKey(c, "minimal", { name: "k", role: "Viewer" }));
    expect(err.field).toBe("key");
    expect(err.message).toContain('field "key" is missing; it is the key\'s secret');
    expect(isOutcomeUnknown(err)).toBe(true);
  });

  test("a created key needs no name in the answer", async () => {
    answers = { "POST /api/instances/minimal/api/auth/keys": { id: 5, key: "eyJrIjoiZXhhbXBsZSJ9" } };
    expect((await createStackApiKey(c, "minimal", { name: "k", role: "Viewer" })).id).toBe(5);
  });
});

describe("stack service accounts (every answer field optional in the contract)", () => {
  const SA = "/api/instances/minimal/api/serviceaccounts";

  test("create and get accept an account with only its id; without the id, create fails naming it", async () => {
    answers = { [`POST ${SA}`]: { id: 7 }, [`GET ${SA}/7`]: { id: 7 } };
    expect(
      await createServiceAccount(c, "minimal", { name: "bot", role: "Viewer", isDisabled: false }),
    ).toEqual({
      id: 7,
    });
    expect((await getServiceAccount(c, "minimal", 7)).id).toBe(7);

    answers = { [`POST ${SA}`]: { name: "bot", role: "Viewer" } };
    const err = await rejection(
      createServiceAccount(c, "minimal", { name: "bot", role: "Viewer", isDisabled: false }),
    );
    expect(err.field).toBe("id");
    expect(err.message).toContain(
      'field "id" is missing; the provider addresses the service account by its id',
    );
    expect(isOutcomeUnknown(err)).toBe(true);
  });

  test("search: items with only id and name; a server that repeats its page ends the paging", async () => {
    answers = {
      [`GET ${SA}/search`]: {
        totalCount: 5,
        page: 1,
        perPage: 1000,
        serviceAccounts: [
          { id: 2, name: "a" },
          { id: 3, name: "b" },
        ],
      },
    };
    expect(await searchServiceAccounts(c, "minimal")).toEqual([
      { id: 2, name: "a" },
      { id: 3, name: "b" },
    ]);
    answers = {
      [`GET ${SA}/search`]: { totalCount: 1, page: 1, perPage: 1000, serviceAccounts: [{ id: 2 }] },
    };
    expect((await rejection(searchServiceAccounts(c, "minimal"))).field).toBe("serviceAccounts[0].name");
  });

  test("tokens: a bare array of id and name; deletes answer 200 with no body", async () => {
    answers = {
      [`GET ${SA}/7/tokens`]: [{ id: 1, name: "t" }],
      [`DELETE ${SA}/7`]: undefined,
      [`DELETE ${SA}/7/tokens/1`]: undefined,
    };
    expect(await listServiceAccountTokens(c, "minimal", 7)).toEqual([{ id: 1, name: "t" }]);
    await expect(deleteServiceAccountToken(c, "minimal", 7, 1)).resolves.toBeUndefined();
    await expect(deleteServiceAccount(c, "minimal", 7)).resolves.toBeUndefined();
  });

  test("a created token without its secret, or its id, fails naming the field and leaks no secret", async () => {
    answers = { [`POST ${SA}/7/tokens`]: { id: 1, name: "t" } };
    const noKey = await rejection(createServiceAccountToken(c, "minimal", 7, { name: "t" }));
    expect(noKey.field).toBe("key");
    expect(noKey.message).toContain('field "key" is missing; it is the token\'s secret');
    expect(isOutcomeUnknown(noKey)).toBe(true);

    answers = { [`POST ${SA}/7/tokens`]: { name: "t", key: "glsa_secret-of-the-created-token_00000000" } };
    const noId = await rejection(createServiceAccountToken(c, "minimal", 7, { name: "t" }));
    expect(noId.field).toBe("id");
    expect(JSON.stringify(noId)).not.toContain("glsa_secret-of-the-created-token");
    expect(noId.message).not.toContain("glsa_secret-of-the-created-token");
    expect(isOutcomeUnknown(noId)).toBe(true);
  });
});
