import {
  getAccessPolicies,
  getPluginInstallations,
  getStack,
  getStackRegions,
  getStackServiceAccounts,
} from "../../provider/lookups";
import { ENV_TOKEN, setPulumiConfig } from "../../provider/config";
import { strictFromEnv } from "../support/emulatorMode";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

let em: TestEmulator;
beforeAll(async () => {
  // Paging needs more policies than a page holds (500); the hourly write limit would stop that.
  em = await useEmulator({ readinessDelayMs: 0, rateLimitPerHour: 0 });
});
afterAll(() => em.close());
beforeEach(() => em.reset());

describe("lookup functions against the emulator", () => {
  test("getStack returns the typed stack; an unknown slug is a NotFoundError naming the lookup", async () => {
    const made = await em.api("POST", "/api/instances", { name: "Look", slug: "look", region: "eu" });
    const s = await getStack({ slug: "look" });
    expect(s).toMatchObject({ id: made.body.id, slug: "look", name: "Look", regionSlug: "eu" });
    expect(s.url).toBe(`${em.url}/grafana/look`);
    expect(typeof s.orgId).toBe("number");

    const e = await rejection(getStack({ slug: "missing" }));
    expect(e.name).toBe("NotFoundError");
    expect(e.message).toMatch(
      /^getStack\("missing"\): Grafana Cloud API GET \/api\/instances\/missing failed: 404/,
    );
  });

  test("getStackRegions lists the regions", async () => {
    const regions = await getStackRegions();
    expect(regions.map((r) => r.slug)).toEqual(expect.arrayContaining(["us", "eu", "prod-eu-west-3"]));
    for (const r of regions) {
      expect(typeof r.id).toBe("number");
      expect(typeof r.name).toBe("string");
    }
  });

  test("getAccessPolicies follows every page, and filters by exact name", async () => {
    const total = 1001;
    const names = Array.from({ length: total }, (_, i) => `p${String(i).padStart(4, "0")}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names.slice(i, i + 50).map(async (name) => {
          const r = await em.api("POST", "/api/v1/accesspolicies?region=us", {
            name,
            scopes: ["metrics:read"],
            realms: [{ type: "org", identifier: "1" }],
          });
          expect(r.status).toBe(200);
        }),
      );
    }
    await em.api("POST", "/api/v1/accesspolicies?region=eu", {
      name: "p0001",
      scopes: ["logs:read"],
      realms: [{ type: "org", identifier: "1" }],
    });

    await em.clearRequests();
    const all = await getAccessPolicies({ region: "us" });
    expect(all).toHaveLength(total);
    expect(new Set(all.map((p) => p.name))).toEqual(new Set(names));
    const pages = (await em.requests()).filter((r) => r.path === "/api/v1/accesspolicies");
    expect(pages).toHaveLength(3);
    expect(pages.every((r) => r.status === 200)).toBe(true);

    const one = await getAccessPolicies({ region: "eu", name: "p0001" });
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ name: "p0001", scopes: ["logs:read"] });
    expect(await getAccessPolicies({ region: "eu", name: "p0002" })).toEqual([]);
  });

  test("getAccessPolicies: an unknown region is a whole error naming the lookup and the region", async () => {
    const e = await rejection(getAccessPolicies({ region: "nowhere" }));
    // The service answers 404; the contract, which lists no 404 for this route, a 409.
    const status = strictFromEnv() ? "409 Conflict" : "404 Not Found";
    expect(e.message).toMatch(
      new RegExp(
        '^getAccessPolicies\\(\\{ region: "nowhere" \\}\\): the API does not know region "nowhere"; ' +
          "getStackRegions\\(\\) lists the regions: Grafana Cloud API GET " +
          `/api/v1/accesspolicies\\?region=nowhere failed: ${status}: stack region not found`,
      ),
    );
  });

  test("getPluginInstallations lists installed plugins with installed and latest versions", async () => {
    await em.api("POST", "/api/instances", { name: "plugs", slug: "plugs" });
    expect(await getPluginInstallations({ stackSlug: "plugs" })).toEqual([]);
    await em.api("POST", "/api/instances/plugs/plugins", {
      plugin: "grafana-github-datasource",
      version: "1.3.0",
    });
    await em.api("POST", "/api/instances/plugs/plugins", { plugin: "grafana-clock-panel" });
    const found = await getPluginInstallations({ stackSlug: "plugs" });
    expect(found.map((p) => [p.pluginSlug, p.version, p.latestVersion])).toEqual([
      ["grafana-clock-panel", "2.1.8", "2.1.8"],
      ["grafana-github-datasource", "1.3.0", "1.5.7"],
    ]);

    const e = await rejection(getPluginInstallations({ stackSlug: "nostack" }));
    expect(e.name).toBe("NotFoundError");
    expect(e.message).toMatch(/^getPluginInstallations\(\{ stackSlug: "nostack" \}\): .*404/);
  });

  test("getStackServiceAccounts follows the search's pages to the end, and filters by exact name", async () => {
    await em.api("POST", "/api/instances", { name: "many", slug: "many", deleteProtection: false });
    // More accounts than a page of the search holds (1000).
    const total = 1003;
    const names = Array.from({ length: total }, (_, i) => `bot ${String(i).padStart(4, "0")}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names.slice(i, i + 50).map(async (name) => {
          const r = await em.api("POST", "/api/instances/many/api/serviceaccounts", { name, role: "Viewer" });
          expect(r.status).toBe(200);
        }),
      );
    }
    await em.clearRequests();
    const all = await getStackServiceAccounts({ stackSlug: "many" });
    expect(all).toHaveLength(total);
    expect(new Set(all.map((a) => a.name))).toEqual(new Set(names));
    // The contract's search items are only {id, name}; Grafana answers whole accounts.
    expect(all[0]).toMatchObject({
      id: expect.any(Number),
      name: "bot 0000",
      ...(strictFromEnv() ? {} : { role: "Viewer" }),
    });
    const pages = (await em.requests()).map((r) => [r.path, r.query["page"], r.query["perpage"], r.status]);
    expect(pages).toEqual([
      ["/api/instances/many/api/serviceaccounts/search", "1", "1000", 200],
      ["/api/instances/many/api/serviceaccounts/search", "2", "1000", 200],
    ]);

    // The search matches parts of names: "bot 0001" finds "bot 0001 (old)" too; the lookup answers
    // the exact name only.
    await em.api("POST", "/api/instances/many/api/serviceaccounts", { name: "bot 0001 (old)", role: "None" });
    expect(
      (await getStackServiceAccounts({ stackSlug: "many", name: "bot 0001" })).map((a) => a.name),
    ).toEqual(["bot 0001"]);
    expect(await getStackServiceAccounts({ stackSlug: "many", name: "nobody" })).toEqual([]);

    const e = await rejection(getStackServiceAccounts({ stackSlug: "nostack" }));
    expect(e.name).toBe("NotFoundError");
    expect(e.message).toMatch(/^getStackServiceAccounts\(\{ stackSlug: "nostack" \}\): .*404/);
  });

  test("lookups resolve credentials like the resources: a bad token is a 401; none at all says how to set one", async () => {
    const saved = process.env[ENV_TOKEN];
    try {
      process.env[ENV_TOKEN] = "not-the-token";
      const bad = await rejection(getStackRegions());
      expect(bad.name).toBe("UnauthorizedError");
      expect(bad.message).not.toContain("not-the-token");

      // Pulumi config wins over the environment.
      setPulumiConfig((k) => (k === "grafana-cloud:accessPolicyToken" ? saved : undefined));
      expect((await getStackRegions()).length).toBeGreaterThan(0);
      setPulumiConfig(() => undefined);

      delete process.env[ENV_TOKEN];
      const none = await rejection(getStack({ slug: "x" }));
      expect(none.name).toBe("MissingCredentialsError");
      expect(none.message).toMatch(/grafana-cloud:accessPolicyToken.*GRAFANA_CLOUD_ACCESS_POLICY_TOKEN/s);
    } finally {
      process.env[ENV_TOKEN] = saved;
      setPulumiConfig(() => undefined);
    }
  });
});
