/**
 * The emulator's answers on every route the provider calls (and the contract routes the emulator
 * adds), parsed with strict schemas of the official contract (schemas.ts): under
 * `strictContract` they must be exactly the contract's; by default the contract's with the
 * observed service's listed differences. A field the emulator drops, renames, retypes or nulls
 * fails here.
 */
import { z } from "zod";
import { RunningEmulator, startEmulator } from "../../emulator";
import { controlOf, type EmulatorControl } from "../support/emulatorClient";
import { Api, type Res } from "../emulator/helpers";
import {
  RESPONSE_SCOPES,
  STACK_STATUSES,
  createdStackApiKey,
  formattedApiInstance,
  formattedApiInstanceConnections,
  formattedApiPlugin,
  grafanaNewApiKeyResult,
  grafanaServiceAccountDTO,
  listEnvelope,
  plainObject,
  readiness,
  readinessV1,
  schemasFor,
  serviceAccountSearch,
  stackConnectionsV1,
  stackRegionFull,
  v1List,
} from "./schemas";

/** The schema's complaints about the answer, or none; the status must be 200. */
function conformance(schema: z.ZodType, res: Res): string[] {
  if (res.status !== 200) return [`status ${res.status}: ${JSON.stringify(res.body)}`];
  const parsed = schema.safeParse(res.body);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe.each([
  ["observed (default)", false],
  ["strict contract", true],
])("the emulator's answers, %s", (_mode, strict) => {
  let emu: RunningEmulator;
  let api: Api;
  let control: EmulatorControl;
  const s = schemasFor(strict);

  beforeAll(async () => {
    emu = await startEmulator({ strictContract: strict, readinessDelayMs: 0, slugReuseWindowMs: 0 });
    api = new Api(emu.url);
    control = controlOf(emu.url);
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(async () => {
    await control.reset();
  });

  const newStack = async (slug: string, extra: Record<string, unknown> = {}) => {
    const res = await api.post("/api/instances", { name: slug, slug, deleteProtection: false, ...extra });
    expect(conformance(formattedApiInstance, res)).toEqual([]);
    return res.body as { id: number; slug: string; url: string };
  };

  describe("stacks", () => {
    it("create, get by id and slug, update and delete answer FormattedApiInstance", async () => {
      const stack = await newStack("conform", { labels: { team: "a" }, description: "d", region: "eu" });
      expect(conformance(formattedApiInstance, await api.get(`/api/instances/${stack.id}`))).toEqual([]);
      expect(conformance(formattedApiInstance, await api.get("/api/instances/conform"))).toEqual([]);
      const updated = await api.post("/api/instances/conform", { description: "e", labels: {} });
      expect(conformance(formattedApiInstance, updated)).toEqual([]);
      expect(updated.body.updatedAt).not.toBeNull();
      const deleted = await api.delete(`/api/instances/${stack.id}`);
      expect(conformance(formattedApiInstance, deleted)).toEqual([]);
      expect(deleted.body).toMatchObject({ id: stack.id, status: "deleted" });
      expect(conformance(formattedApiInstance, await api.get(`/api/instances/${stack.id}`))).toEqual([]);
    });

    it("every one of the 14 stack statuses answers a FormattedApiInstance with 4-valued service statuses", async () => {
      await newStack("statuses");
      for (const status of STACK_STATUSES) {
        await control.setStackStatus("statuses", status);
        const res = await api.get("/api/instances/statuses");
        expect(conformance(formattedApiInstance, res)).toEqual([]);
        expect(res.body.status).toBe(status);
      }
    });

    it("lists answer the paged envelope of FormattedApiInstance, filters included", async () => {
      await newStack("alpha", { region: "eu" });
      await newStack("beta");
      for (const path of [
        "/api/instances",
        "/api/instances?slug=alpha",
        "/api/instances?name=beta&orgSlug=emulator-org",
        "/api/instances?region=eu&status=active",
        "/api/instances?pageSize=1&page=2&orderBy=id&direction=desc",
        "/api/orgs/emulator-org/instances",
        "/api/orgs/emulator-org/instances?slugIn=alpha,beta",
      ]) {
        expect([path, ...conformance(listEnvelope(formattedApiInstance), await api.get(path))]).toEqual([
          path,
        ]);
      }
    });

    it("readiness answers {ready}, closed on the v1 route", async () => {
      const stack = await newStack("ready");
      expect(conformance(readiness, await api.get(`/api/instances/${stack.id}/readiness`))).toEqual([]);
      expect(conformance(readinessV1, await api.get(`/api/v1/stacks/${stack.id}/readiness`))).toEqual([]);
      expect(conformance(readinessV1, await api.get("/api/v1/stacks/ready/readiness"))).toEqual([]);
    });

    it.each(["us", "us-azure", "eu", "prod-eu-west-3"])(
      "connections answer FormattedApiInstanceConnections and StackConnectionsV1 (region %s)",
      async (region) => {
        const stack = await newStack("conn", { region });
        const legacy = await api.get(`/api/instances/${stack.id}/connections`);
        expect(conformance(formattedApiInstanceConnections, legacy)).toEqual([]);
        expect(legacy.body.privateConnectivityInfo.tenants.length).toBeGreaterThan(3);
        const v1 = await api.get("/api/v1/stacks/conn/connections");
        expect(conformance(stackConnectionsV1, v1)).toEqual([]);
        expect(v1.body.tenants.map((t: { type: string }) => t.type)).toEqual(
          legacy.body.privateConnectivityInfo.tenants.map((t: { type: string }) => t.type),
        );
      },
    );

    it("stack regions answer the envelope of the full FormattedApiStackRegion", async () => {
      for (const path of ["/api/stack-regions", "/api/stack-regions?provider=gcp&orderBy=sortOrder"]) {
        const res = await api.get(path);
        expect(conformance(listEnvelope(stackRegionFull), res)).toEqual([]);
        expect(res.body.items.length).toBeGreaterThan(0);
      }
    });
  });

  describe("access policies", () => {
    const body = (name: string, extra: Record<string, unknown> = {}) => ({
      name,
      scopes: [...RESPONSE_SCOPES.slice(0, 3), "metrics:read"],
      realms: [{ type: "stack", identifier: "123", labelPolicies: [{ selector: '{env="x"}' }] }],
      ...extra,
    });

    it("create, get, list, update answer AuthAccessPolicy; delete answers 200", async () => {
      const withConditions = await api.post(
        "/api/v1/accesspolicies?region=us",
        body("with", { conditions: { allowedSubnets: ["10.0.0.0/8"] } }),
      );
      expect(conformance(s.authAccessPolicy, withConditions)).toEqual([]);
      // No conditions: null as observed, left out under the contract.
      const created = await api.post("/api/v1/accesspolicies?region=us", body("without"));
      expect(conformance(s.authAccessPolicy, created)).toEqual([]);
      expect("conditions" in created.body).toBe(!strict);
      const path = `/api/v1/accesspolicies/${created.body.id}?region=us`;
      expect(conformance(s.authAccessPolicy, await api.get(path))).toEqual([]);
      expect(
        conformance(v1List(s.authAccessPolicy), await api.get("/api/v1/accesspolicies?region=us")),
      ).toEqual([]);
      expect(
        conformance(v1List(s.authAccessPolicy), await api.get("/api/v1/accesspolicies?region=us&pageSize=1")),
      ).toEqual([]);
      const updated = await api.post(path, { displayName: "New", conditions: {} });
      expect(conformance(s.authAccessPolicy, updated)).toEqual([]);
      const deleted = await api.delete(path);
      expect(deleted.status).toBe(200);
    });
  });

  describe("tokens", () => {
    it("create answers AuthTokenWithSecret; get, list and update AuthToken; delete an object", async () => {
      const policy = (
        await api.post("/api/v1/accesspolicies?region=us", {
          name: "p",
          scopes: ["metrics:read"],
          realms: [{ type: "org", identifier: "1" }],
        })
      ).body;
      const created = await api.post("/api/v1/tokens?region=us", { accessPolicyId: policy.id, name: "t" });
      expect(conformance(s.authTokenWithSecret, created)).toEqual([]);
      expect(typeof created.body.token).toBe("string");
      // No expiry, never used: null as observed, left out under the contract.
      expect("expiresAt" in created.body).toBe(!strict);
      const path = `/api/v1/tokens/${created.body.id}?region=us`;
      expect(conformance(s.authToken, await api.get(path))).toEqual([]);
      const listed = await api.get("/api/v1/tokens?region=us");
      expect(conformance(v1List(plainObject), listed)).toEqual([]);
      expect(conformance(z.array(s.authToken), { ...listed, body: listed.body.items })).toEqual([]);
      const expiring = await api.post(path, { expiresAt: "2099-01-01T00:00:00Z" });
      expect(conformance(s.authToken, expiring)).toEqual([]);
      expect(conformance(s.authToken, await api.post(path, { expiresAt: null, displayName: "T" }))).toEqual(
        [],
      );
      expect(conformance(plainObject, await api.delete(path))).toEqual([]);
    });
  });

  describe("plugins", () => {
    it("install, get, update and delete answer FormattedApiInstancePlugin; the list its envelope", async () => {
      await newStack("plugs");
      const installed = await api.post("/api/instances/plugs/plugins", {
        plugin: "grafana-clock-panel",
        version: "2.1.3",
      });
      expect(conformance(s.formattedApiInstancePlugin, installed)).toEqual([]);
      // Never updated: null as observed, left out under the contract.
      expect("updatedAt" in installed.body).toBe(!strict);
      const path = "/api/instances/plugs/plugins/grafana-clock-panel";
      expect(conformance(s.formattedApiInstancePlugin, await api.get(path))).toEqual([]);
      for (const list of [
        "/api/instances/plugs/plugins",
        "/api/instances/plugs/plugins?orderBy=pluginId&direction=desc",
      ]) {
        expect(conformance(listEnvelope(s.formattedApiInstancePlugin), await api.get(list))).toEqual([]);
      }
      expect(conformance(s.formattedApiInstancePlugin, await api.post(path, { version: "latest" }))).toEqual(
        [],
      );
      const deleted = await api.delete(path);
      expect(conformance(s.formattedApiInstancePlugin, deleted)).toEqual([]);
      expect(deleted.body.pluginSlug).toBe("grafana-clock-panel");
    });

    it("the catalog answers FormattedApiPlugin by slug or id, for the newest or the asked version", async () => {
      const newest = await api.get("/api/plugins/grafana-clock-panel");
      expect(conformance(formattedApiPlugin, newest)).toEqual([]);
      expect(newest.body.version).toBe("2.1.8");
      const asked = await api.get("/api/plugins/grafana-clock-panel?version=2.1.3");
      expect(conformance(formattedApiPlugin, asked)).toEqual([]);
      expect(asked.body.version).toBe("2.1.3");
      const byId = await api.get(`/api/plugins/${newest.body.id}`);
      expect(conformance(formattedApiPlugin, byId)).toEqual([]);
      expect(byId.body.slug).toBe("grafana-clock-panel");
      expect(
        conformance(formattedApiPlugin, await api.get("/api/plugins/grafana-github-datasource")),
      ).toEqual([]);
    });
  });

  describe("stack service accounts", () => {
    it("create and get answer GrafanaServiceAccountDTO; search its paged answer; delete 200 without a body", async () => {
      await newStack("sas");
      const base = "/api/instances/sas/api/serviceaccounts";
      const created = await api.post(base, { name: "bot", role: "Viewer" });
      expect(conformance(grafanaServiceAccountDTO, created)).toEqual([]);
      await api.post(base, { name: "other", role: "None", isDisabled: true });
      expect(conformance(grafanaServiceAccountDTO, await api.get(`${base}/${created.body.id}`))).toEqual([]);
      for (const path of [`${base}/search`, `${base}/search?perpage=1&page=2`, `${base}/search?query=bo`]) {
        const res = await api.get(path);
        expect([path, ...conformance(serviceAccountSearch, res)]).toEqual([path]);
        // The contract's items are {id, name}; Grafana answers the whole account, as observed.
        for (const item of res.body.serviceAccounts) {
          expect(Object.keys(item).length === 2).toBe(strict);
        }
      }
      const deleted = await api.delete(`${base}/${created.body.id}`);
      expect([deleted.status, deleted.body]).toEqual([200, undefined]);
    });

    it("tokens: create answers GrafanaNewApiKeyResult, the list a bare array of GrafanaTokenDTO", async () => {
      await newStack("sat");
      const base = "/api/instances/sat/api/serviceaccounts";
      const sa = (await api.post(base, { name: "bot", role: "Editor" })).body;
      const forever = await api.post(`${base}/${sa.id}/tokens`, { name: "forever" });
      expect(conformance(grafanaNewApiKeyResult, forever)).toEqual([]);
      expect(typeof forever.body.key).toBe("string");
      await api.post(`${base}/${sa.id}/tokens`, { name: "day", secondsToLive: 86400 });
      const listed = await api.get(`${base}/${sa.id}/tokens`);
      expect(conformance(z.array(s.grafanaTokenDTO), listed)).toEqual([]);
      expect(listed.body).toHaveLength(2);
      // Never expires, never used: null as Grafana answers, left out under the contract.
      expect("expiration" in listed.body[0]).toBe(!strict);
      expect("lastUsedAt" in listed.body[0]).toBe(!strict);
      const deleted = await api.delete(`${base}/${sa.id}/tokens/${forever.body.id}`);
      expect([deleted.status, deleted.body]).toEqual([200, undefined]);
    });
  });
});

describe("hosted Grafana API keys (not in the contract), on stacks that still have them", () => {
  let emu: RunningEmulator;
  let api: Api;

  beforeAll(async () => {
    emu = await startEmulator({ stackApiKeys: "legacy", readinessDelayMs: 0 });
    api = new Api(emu.url);
  });
  afterAll(async () => {
    await emu.close();
  });

  it("create answers the observed {id, name, key}", async () => {
    await api.post("/api/instances", { name: "keys", slug: "keys", deleteProtection: false });
    const res = await api.post("/api/instances/keys/api/auth/keys", { name: "k", role: "Admin" });
    expect(conformance(createdStackApiKey, res)).toEqual([]);
  });
});
