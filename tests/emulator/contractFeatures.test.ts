import { Api, createStack, expectError, useEmulator } from "./helpers";

describe("stack list filters, order and pages", () => {
  const { api } = useEmulator();

  beforeEach(async () => {
    await createStack(api(), "alpha", { name: "Alpha", region: "eu" });
    await createStack(api(), "beta", { name: "Beta" });
    await createStack(api(), "gamma", { name: "Gamma", region: "eu" });
  });

  const slugs = async (query: string) => {
    const res = await api().get(`/api/instances${query}`);
    expect(res.status).toBe(200);
    return res.body.items.map((s: { slug: string }) => s.slug);
  };

  it.each([
    ["", ["alpha", "beta", "gamma"]],
    ["?slug=beta", ["beta"]],
    ["?slug=nosuch", []],
    ["?slugIn=alpha,gamma", ["alpha", "gamma"]],
    ["?slugIn=alpha&slugIn=beta", ["alpha", "beta"]],
    ["?name=Gamma", ["gamma"]],
    ["?nameIn=Alpha,Beta", ["alpha", "beta"]],
    ["?region=eu", ["alpha", "gamma"]],
    ["?regionIn=us", ["beta"]],
    ["?cluster=prod-eu-west-0", ["alpha", "gamma"]],
    ["?orgSlug=emulator-org", ["alpha", "beta", "gamma"]],
    ["?orgSlug=someone-else", []],
    ["?orgId=1&region=us", ["beta"]],
    ["?status=active", ["alpha", "beta", "gamma"]],
    ["?status=paused", []],
    ["?plan=gcloud&planNot=free", ["alpha", "beta", "gamma"]],
    ["?planIn=free", []],
    ["?version=stable", ["alpha", "beta", "gamma"]],
    ["?versionNotIn=stable", []],
    ["?direction=desc", ["gamma", "beta", "alpha"]],
  ])("GET /instances%s", async (query, expected) => {
    expect(await slugs(query)).toEqual(expected);
  });

  it("filters by id, idIn and idMin, and by the last change", async () => {
    const all = (await api().get("/api/instances?orderBy=id")).body.items as { id: number; slug: string }[];
    const [first, second, third] = all;
    expect(await slugs(`?id=${second!.id}`)).toEqual([second!.slug]);
    expect(await slugs(`?idIn=${first!.id},${third!.id}&orderBy=id`)).toEqual([first!.slug, third!.slug]);
    expect(await slugs(`?idMin=${second!.id}&orderBy=id`)).toEqual([second!.slug, third!.slug]);
    expect(await slugs("?updatedOrCreatedAtMin=2000-01-01T00:00:00Z")).toHaveLength(3);
    expect(await slugs("?updatedOrCreatedAtMin=2999-01-01T00:00:00Z")).toEqual([]);
  });

  it("pages with page and pageSize, and reports total and pages", async () => {
    const first = await api().get("/api/instances?pageSize=2");
    expect(first.body).toMatchObject({
      total: 3,
      pages: 2,
      pageSize: 2,
      page: 1,
      orderBy: "name",
      direction: "asc",
    });
    expect(first.body.items.map((s: { slug: string }) => s.slug)).toEqual(["alpha", "beta"]);
    const second = await api().get("/api/instances?pageSize=2&page=2");
    expect(second.body.items.map((s: { slug: string }) => s.slug)).toEqual(["gamma"]);
    expect((await api().get("/api/instances?pageSize=2&page=3")).body.items).toEqual([]);
    expect((await api().get("/api/orgs/emulator-org/instances?slug=beta")).body.items).toHaveLength(1);
  });

  it.each([
    "orderBy=colour",
    "direction=up",
    "page=0",
    "pageSize=x",
    "idMin=a",
    "updatedOrCreatedAtMin=today",
  ])("rejects %s as an invalid argument", async (query) => {
    expectError(
      await api().get(`/api/instances?${query}`),
      409,
      "InvalidArgument",
      new RegExp(query.split("=")[0]!),
    );
  });
});

describe("stack statuses set through the control API", () => {
  const { api, control } = useEmulator();

  it.each([
    ["paused", "suspended"],
    ["suspended", "suspended"],
    ["suspending", "suspended"],
    ["archived", "deleted"],
    ["archiving", "deleted"],
    ["migrating", "active"],
    ["migrated", "active"],
    ["restoring", "active"],
    ["unknown", "unknown"],
  ])("a %s stack is not ready, its services %s, its URL loading", async (status, service) => {
    const stack = await createStack(api(), "held");
    await control().setStackStatus("held", status);
    const got = (await api().get("/api/instances/held")).body;
    expect(got.status).toBe(status);
    for (const prefix of [
      "hmInstanceProm",
      "hmInstanceGraphite",
      "hlInstance",
      "htInstance",
      "hpInstance",
      "amInstance",
    ]) {
      expect(got[`${prefix}Status`]).toBe(service);
    }
    expect(got.agentManagementInstanceStatus).toBe(service);
    expect((await api().get(`/api/instances/${stack.id}/readiness`)).body).toEqual({ ready: false });
    expect((await api().get(`/api/v1/stacks/${stack.id}/readiness`)).body).toEqual({ ready: false });
    expectError(await new Api(stack.url, null).get("/api/health"), 503, "Loading");
    expect((await api().get(`/api/instances?status=${status}`)).body.items).toHaveLength(1);

    await control().setStackStatus("held", null);
    expect((await api().get("/api/instances/held")).body.status).toBe("active");
    expect((await api().get(`/api/instances/${stack.id}/readiness`)).body).toEqual({ ready: true });
  });

  it("opening the login page wakes a paused stack", async () => {
    const stack = await createStack(api(), "sleepy");
    await control().setStackStatus("sleepy", "paused");
    expect((await new Api(stack.url, null).get("/login")).status).toBe(200);
    expect((await api().get("/api/instances/sleepy")).body.status).toBe("active");
  });

  it("a deleted stack stays deleted whatever status is set, and DELETE clears the status", async () => {
    await createStack(api(), "gone");
    await control().setStackStatus("gone", "paused");
    await control().call("DELETE", "/stacks/gone/status");
    expect((await api().get("/api/instances/gone")).body.status).toBe("active");
    await control().setStackStatus("gone", "paused");
    await api().delete("/api/instances/gone");
    expect((await api().get("/api/instances/gone")).body.status).toBe("deleted");
  });

  it("refuses an unknown status or stack", async () => {
    await createStack(api(), "st");
    await expect(control().setStackStatus("st", "asleep")).rejects.toThrow(/400/);
    await expect(control().setStackStatus("nosuch", "paused")).rejects.toThrow(/404/);
  });
});

describe("the plugin catalog and plugin lists", () => {
  const { api, control } = useEmulator();

  it("answers a catalog plugin by slug or id, its newest version unless asked, 404 otherwise", async () => {
    const newest = await api().get("/api/plugins/grafana-github-datasource");
    expect(newest.body).toMatchObject({
      id: 663,
      slug: "grafana-github-datasource",
      name: "GitHub",
      version: "1.5.7",
      typeCode: "datasource",
      orgSlug: "grafana",
    });
    expect((await api().get("/api/plugins/663")).body.slug).toBe("grafana-github-datasource");
    expect((await api().get("/api/plugins/grafana-github-datasource?version=1.3.0")).body.version).toBe(
      "1.3.0",
    );
    await control().releasePlugin("grafana-github-datasource", "2.0.0");
    expect((await api().get("/api/plugins/grafana-github-datasource")).body.version).toBe("2.0.0");
    expectError(await api().get("/api/plugins/no-such-panel"), 404, "NotFound");
    expectError(await api().get("/api/plugins/grafana-github-datasource?version=9.9.9"), 404, "NotFound");
  });

  it("needs a credential but no scope", async () => {
    const a = new Api(api().url, "nope");
    expectError(await a.get("/api/plugins/grafana-clock-panel"), 401, "InvalidCredentials");
  });

  it("lists installations with page fields, ordered as asked", async () => {
    await createStack(api(), "plugs");
    for (const plugin of [
      "grafana-worldmap-panel",
      "grafana-clock-panel",
      "yesoreyeram-infinity-datasource",
    ]) {
      await api().post("/api/instances/plugs/plugins", { plugin });
    }
    const byName = await api().get("/api/instances/plugs/plugins");
    expect(byName.body).toMatchObject({
      total: 3,
      pages: 1,
      page: 1,
      orderBy: "pluginName",
      direction: "asc",
    });
    expect(byName.body.items.map((p: { pluginName: string }) => p.pluginName)).toEqual([
      "Clock",
      "Infinity",
      "Worldmap Panel",
    ]);
    const bySlugDesc = await api().get("/api/instances/plugs/plugins?orderBy=pluginSlug&direction=desc");
    expect(bySlugDesc.body.items.map((p: { pluginSlug: string }) => p.pluginSlug)).toEqual([
      "yesoreyeram-infinity-datasource",
      "grafana-worldmap-panel",
      "grafana-clock-panel",
    ]);
  });
});

describe("stack regions", () => {
  const { api } = useEmulator();

  it.each([
    ["", ["us", "us-azure", "eu", "au", "prod-eu-west-3"]],
    ["?provider=gcp", ["us", "eu", "au"]],
    ["?slug=eu", ["eu"]],
    ["?slugIn=eu,au", ["eu", "au"]],
    ["?idIn=1&idIn=5", ["us", "prod-eu-west-3"]],
    ["?countryCode=US&direction=desc", ["us-azure", "us"]],
    ["?orderBy=createdAt&direction=desc", ["prod-eu-west-3", "au", "eu", "us-azure", "us"]],
  ])("GET /stack-regions%s", async (query, expected) => {
    const res = await api().get(`/api/stack-regions${query}`);
    expect(res.body.items.map((r: { slug: string }) => r.slug)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
  });

  it("names each region's clusters and services", async () => {
    const eu = (await api().get("/api/stack-regions?slug=eu")).body.items[0];
    expect(eu).toMatchObject({
      provider: "gcp",
      providerRegion: "europe-west1",
      hmPromClusterUrl: "https://prometheus-prod-eu-west-0.grafana.net",
      oncallApiUrl: "https://oncall-prod-eu-west-0.grafana.net/oncall",
      otlpHttpUrl: "https://otlp-gateway-prod-eu-west-0.grafana.net/otlp",
      otlpPrivateConnectivityInfo: { serviceAttachment: expect.stringContaining("europe-west1") },
      readyForStacks: true,
    });
  });
});

describe("the stack object's service endpoints and connections", () => {
  const { api } = useEmulator();

  it("carries every hosted service, fleet management included, matching the region's clusters", async () => {
    const stack = await createStack(api(), "svc", { region: "prod-eu-west-3" });
    const region = (await api().get("/api/stack-regions?slug=prod-eu-west-3")).body.items[0];
    expect(stack).toMatchObject({
      provider: "aws",
      providerRegion: "eu-west-1",
      regionPublicName: "AWS Ireland",
      hmInstancePromUrl: region.hmPromClusterUrl,
      hmInstancePromClusterId: region.hmPromClusterId,
      hlInstanceUrl: region.hlClusterUrl,
      htInstanceUrl: region.htClusterUrl,
      hpInstanceUrl: region.hpClusterUrl,
      amInstanceUrl: region.amClusterUrl,
      agentManagementInstanceUrl: region.agmClusterUrl,
      agentManagementInstanceName: "svc-fleet",
      regionSyntheticMonitoringApiUrl: region.syntheticMonitoringApiUrl,
    });
    const ids = [
      "hmInstancePromId",
      "hmInstanceGraphiteId",
      "hlInstanceId",
      "htInstanceId",
      "hpInstanceId",
      "amInstanceId",
      "agentManagementInstanceId",
    ].map((k) => stack[k]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("answers the same tenants on the legacy and v1 connections routes, with allow-list CNAMEs and private links", async () => {
    const stack = await createStack(api(), "conn", { region: "prod-eu-west-3" });
    const legacy = (await api().get("/api/instances/conn/connections")).body;
    const v1 = (await api().get(`/api/v1/stacks/${stack.id}/connections`)).body;
    const prom = legacy.privateConnectivityInfo.tenants.find(
      (t: { type: string }) => t.type === "prometheus",
    );
    expect(prom).toMatchObject({
      id: stack.hmInstancePromId,
      ipAllowListCNAME: expect.stringMatching(/^src-ips\./),
      info: { serviceName: expect.stringContaining("com.amazonaws.vpce.eu-west-1") },
    });
    expect(v1.tenants.find((t: { type: string }) => t.type === "prometheus")).toMatchObject({
      id: stack.hmInstancePromId,
      url: stack.hmInstancePromUrl,
    });
    expect(v1.services).toEqual({
      influxUrl: legacy.influxUrl,
      oncallApiUrl: legacy.oncallApiUrl,
      syntheticMonitoringApiUrl: legacy.syntheticMonitoringApiUrl,
    });
    expect(v1.otlp.url).toBe(legacy.otlpHttpUrl);
  });
});
