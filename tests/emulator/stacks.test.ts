import { createStack, expectError, useEmulator } from "./helpers";

describe("stacks", () => {
  const { api, emu } = useEmulator({ maxStacks: 3 });

  it("creates a stack with the full object and gets it by id and by slug", async () => {
    const created = await createStack(api(), "mystack", {
      name: "My Stack",
      description: "test",
      labels: { team: "platform", "env/x": "dev.1" },
      region: "eu",
      deleteProtection: true,
    });
    expect(created).toMatchObject({
      orgId: 1,
      orgSlug: "emulator-org",
      orgName: "Emulator Org",
      name: "My Stack",
      slug: "mystack",
      url: `${emu().url}/grafana/mystack`,
      description: "test",
      labels: { team: "platform", "env/x": "dev.1" },
      status: "active",
      deleteProtection: true,
      regionSlug: "eu",
      regionId: 3,
      clusterSlug: "prod-eu-west-0",
      hmInstancePromUrl: expect.stringMatching(/^https:\/\/prometheus-prod-eu-west-0\.grafana\.net$/),
      hlInstanceUrl: expect.stringMatching(/^https:\/\/.+\.grafana\.net$/),
      htInstanceUrl: expect.stringMatching(/^https:\/\/.+\.grafana\.net$/),
      amInstanceUrl: expect.stringMatching(/^https:\/\/.+\.grafana\.net$/),
      hmInstanceGraphiteUrl: expect.stringMatching(/^https:\/\/.+\.grafana\.net$/),
      links: [
        { rel: "self", href: "/instances/mystack" },
        { rel: "org", href: "/orgs/emulator-org" },
        { rel: "plugins", href: "/instances/mystack/plugins" },
      ],
    });
    for (const field of [
      "id",
      "clusterId",
      "hmInstancePromId",
      "hmInstanceGraphiteId",
      "hlInstanceId",
      "htInstanceId",
      "amInstanceId",
    ]) {
      expect(Number.isInteger(created[field])).toBe(true);
      expect(created[field]).toBeLessThan(2 ** 24);
    }
    expect(created.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((await api().get(`/api/instances/${created.id}`)).body).toEqual(created);
    expect((await api().get("/api/instances/mystack")).body).toEqual(created);
  });

  it("defaults region to us, deleteProtection to true, description to empty and labels to none", async () => {
    const res = await api().post("/api/instances", { name: "d", slug: "defaults" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ regionSlug: "us", deleteProtection: true, description: "", labels: {} });
  });

  it("lists stacks for the org and at /instances, without deleted ones", async () => {
    await createStack(api(), "bstack");
    const a = await createStack(api(), "astack");
    await createStack(api(), "cstack");
    expect((await api().delete("/api/instances/cstack")).status).toBe(200);
    for (const path of ["/api/orgs/emulator-org/instances", "/api/orgs/1/instances", "/api/instances"]) {
      const res = await api().get(path);
      expect(res.status).toBe(200);
      expect(res.body.items.map((s: { slug: string }) => s.slug)).toEqual(["astack", "bstack"]);
      expect(res.body).toMatchObject({ orderBy: "name", direction: "asc", total: 2 });
    }
    expect((await api().get("/api/orgs/emulator-org/instances")).body.items[0]).toEqual(a);
    expectError(await api().get("/api/orgs/someone-else/instances"), 404, "NotFound");
  });

  const invalidCreate: Array<[string, Record<string, unknown>, string | RegExp]> = [
    ["missing name", { name: undefined }, "Field is required: name"],
    ["missing slug", { slug: undefined }, "Field is required: slug"],
    ["slug with a hyphen", { slug: "my-stack" }, "Invalid slug my-stack specified"],
    ["uppercase slug", { slug: "MyStack" }, "Invalid slug MyStack specified"],
    ["slug starting with a digit", { slug: "1stack" }, "Invalid slug 1stack specified"],
    ["slug of 30 characters", { slug: `a${"b".repeat(29)}` }, `Invalid slug a${"b".repeat(29)} specified`],
    [
      "11 labels",
      { labels: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"])) },
      /at most 10 labels/,
    ],
    ["label key with a space", { labels: { "my key": "v" } }, /Invalid label key "my key"/],
    ["label value with a colon", { labels: { k: "a:b" } }, /Invalid label value "a:b"/],
    ["non-string label value", { labels: { k: 1 } }, /Invalid label value 1/],
    ["non-boolean deleteProtection", { deleteProtection: "yes" }, /deleteProtection/],
    ["url that is not a URL", { url: "not a url" }, "Invalid url not a url specified"],
  ];
  it.each(invalidCreate)(
    "rejects %s with 409 InvalidArgument (the legacy endpoints' status)",
    async (_l, o, message) => {
      const res = await api().post("/api/instances", { name: "x", slug: "valid", ...o });
      expectError(res, 409, "InvalidArgument", message);
    },
  );

  it("accepts a 29-character slug and exactly 10 labels", async () => {
    const labels = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, `v-${i}`]));
    const created = await createStack(api(), `a${"b".repeat(28)}`, { labels });
    expect(Object.keys(created.labels)).toHaveLength(10);
  });

  it("answers 404 for an unknown region", async () => {
    expectError(
      await api().post("/api/instances", { name: "x", slug: "x", region: "mars" }),
      404,
      "NotFound",
      "stack region not found",
    );
  });

  it("answers 409 Conflict 'That url is not available' for a taken slug", async () => {
    await createStack(api(), "taken");
    expectError(
      await api().post("/api/instances", { name: "again", slug: "taken" }),
      409,
      "Conflict",
      "That url is not available",
    );
  });

  it("answers 403 over the stack quota", async () => {
    await createStack(api(), "one");
    await createStack(api(), "two");
    await createStack(api(), "three");
    expectError(
      await api().post("/api/instances", { name: "four", slug: "four" }),
      403,
      "Forbidden",
      "Hosted instance limit reached",
    );
  });

  it("updates name, description, labels, deleteProtection and url", async () => {
    const created = await createStack(api(), "upd", { labels: { a: "1", b: "2" } });
    const res = await api().post("/api/instances/upd", {
      name: "Updated",
      description: "new",
      labels: { b: "3", c: "4" },
      deleteProtection: true,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: created.id,
      name: "Updated",
      description: "new",
      labels: { b: "3", c: "4" },
      deleteProtection: true,
    });
    expect(res.body.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    const cleared = await api().post(`/api/instances/${created.id}`, { labels: {} });
    expect(cleared.body.labels).toEqual({});
    expect(cleared.body.description).toBe("new");
    const custom = await api().post("/api/instances/upd", { url: "https://grafana.example.com" });
    expect(custom.body.url).toBe("https://grafana.example.com");
    const back = await api().post("/api/instances/upd", { url: null });
    expect(back.body.url).toBe(`${emu().url}/grafana/upd`);
  });

  it.each([
    ["labels", { labels: { "bad key": "v" } }, /Invalid label key/],
    ["empty name", { name: "" }, "Field is required: name"],
    ["slug change", { slug: "other" }, "Field cannot be changed: slug"],
    ["region change", { region: "eu" }, "Field cannot be changed: region"],
  ])("rejects an update with invalid %s with 409", async (_l, body, message) => {
    await createStack(api(), "upd");
    expectError(await api().post("/api/instances/upd", body), 409, "InvalidArgument", message);
  });

  it.each([
    ["GET", "/api/instances/nosuch"],
    ["GET", "/api/instances/123"],
    ["POST", "/api/instances/nosuch"],
    ["DELETE", "/api/instances/nosuch"],
    ["GET", "/api/instances/nosuch/connections"],
    ["GET", "/api/instances/123/readiness"],
  ])("%s %s answers 404 for an unknown stack", async (method, path) => {
    expectError(await api().call(method, path, method === "POST" ? {} : undefined), 404, "NotFound");
  });

  it("answers 401 without a valid token", async () => {
    const a = api();
    a.token = "wrong";
    expectError(await a.get("/api/instances"), 401, "InvalidCredentials", "Token invalid");
    expectError(await a.post("/api/instances", { name: "x", slug: "x" }), 401, "InvalidCredentials");
  });

  it("refuses to delete a protected stack with 409, then deletes once protection is off", async () => {
    await createStack(api(), "prot", { deleteProtection: true });
    expectError(
      await api().delete("/api/instances/prot"),
      409,
      "Conflict",
      /[Dd]elete protection is enabled/,
    );
    expect((await api().get("/api/instances/prot")).body.status).toBe("active");
    await api().post("/api/instances/prot", { deleteProtection: false });
    const res = await api().delete("/api/instances/prot");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ slug: "prot", status: "deleted" });
  });

  it("GET of a deleted stack answers 200 with status deleted; writes to it answer 404", async () => {
    const created = await createStack(api(), "gone");
    await api().delete("/api/instances/gone");
    const byId = await api().get(`/api/instances/${created.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body.status).toBe("deleted");
    expect((await api().get("/api/instances/gone")).body.status).toBe("deleted");
    expectError(await api().post("/api/instances/gone", { description: "x" }), 404, "NotFound");
    expectError(await api().delete("/api/instances/gone"), 404, "NotFound");
  });

  it("serves connections", async () => {
    await createStack(api(), "conn", { region: "au" });
    const conn = await api().get("/api/instances/conn/connections");
    expect(conn.status).toBe(200);
    expect(conn.body).toMatchObject({
      otlpHttpUrl: "https://otlp-gateway-prod-au-southeast-0.grafana.net/otlp",
      influxUrl: expect.stringMatching(/^https:\/\/influx-/),
      oncallApiUrl: expect.stringMatching(/\/oncall$/),
    });
    expect(conn.body.privateConnectivityInfo.tenants.length).toBeGreaterThan(3);
  });

  it("serves the region list", async () => {
    const res = await api().get("/api/stack-regions");
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: { slug: string }) => r.slug)).toEqual([
      "us",
      "us-azure",
      "eu",
      "au",
      "prod-eu-west-3",
    ]);
    expect(res.body.items[0]).toMatchObject({
      id: 1,
      status: "active",
      slug: "us",
      name: "GCP US Central",
      description: "United States",
      provider: "gcp",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });
});

describe("stack lifecycle timing", () => {
  // Long delays moved through with the emulator's clock: no test here races the wall clock.
  const { api, control } = useEmulator({
    readinessDelayMs: 60_000,
    deleteDelayMs: 20_000,
    slugReuseWindowMs: 150_000,
  });
  const advance = (seconds: number) => control().advanceClock(seconds);

  it("is pending, then starting, then active after readinessDelayMs; readiness follows", async () => {
    const created = await createStack(api(), "slow");
    expect(created.status).toBe("pending");
    expect((await api().get(`/api/instances/${created.id}/readiness`)).body).toEqual({ ready: false });
    expect((await api().get(`/api/v1/stacks/${created.id}/readiness`)).body).toEqual({ ready: false });
    expectError(await api().get("/api/instances/slow/connections"), 404, "NotFound");
    await advance(40);
    expect((await api().get("/api/instances/slow")).body.status).toBe("starting");
    expect((await api().get(`/api/instances/${created.id}/readiness`)).body).toEqual({ ready: false });
    await advance(25);
    expect((await api().get("/api/instances/slow")).body.status).toBe("active");
    expect((await api().get(`/api/instances/${created.id}/readiness`)).body).toEqual({ ready: true });
    expect((await api().get(`/api/v1/stacks/${created.id}/readiness`)).body).toEqual({ ready: true });
    expect((await api().get("/api/instances/slow/connections")).status).toBe(200);
  });

  it("v1 readiness errors carry statusCode", async () => {
    const res = await api().get("/api/v1/stacks/999/readiness");
    expectError(res, 404, "NotFound");
    expect(res.body.statusCode).toBe(404);
  });

  it("is deleting, then deleted; the slug cannot be reused within the window", async () => {
    await createStack(api(), "short");
    const del = await api().delete("/api/instances/short");
    expect(del.body.status).toBe("deleting");
    expect((await api().get("/api/instances")).body.items.map((s: { status: string }) => s.status)).toEqual([
      "deleting",
    ]);
    await advance(25);
    expect((await api().get("/api/instances/short")).body.status).toBe("deleted");
    expect((await api().get("/api/instances")).body.items).toEqual([]);

    const waitOf = (message: string) => Number(/deleted recently.*wait for (\d+)s/.exec(message)?.[1]);
    const again = await api().post("/api/instances", { name: "short", slug: "short" });
    expectError(again, 409, "Conflict", /deleted recently.*wait for \d+s/);
    const first = waitOf(again.body.message);
    expect(first).toBeGreaterThan(100);
    expect(first).toBeLessThanOrEqual(150);
    await advance(60);
    const later = await api().post("/api/instances", { name: "short", slug: "short" });
    expectError(later, 409, "Conflict", /deleted recently/);
    expect(waitOf(later.body.message)).toBe(first - 60);
    await advance(first);
    const ok = await api().post("/api/instances", { name: "short", slug: "short", deleteProtection: false });
    expect(ok.status).toBe(200);
    expect((await api().get("/api/instances/short")).body.id).toBe(ok.body.id);
  });
});
