import { createStack, expectError, useEmulator } from "./helpers";

describe("plugins", () => {
  const { api, emu, control } = useEmulator();

  it("installs, gets, lists, updates and deletes a plugin", async () => {
    const stack = await createStack(api(), "plug");
    const installed = await api().post("/api/instances/plug/plugins", {
      plugin: "grafana-github-datasource",
      version: "1.3.0",
    });
    expect(installed.status).toBe(200);
    expect(installed.body).toEqual({
      id: expect.any(Number),
      instanceId: stack.id,
      instanceUrl: `${emu().url}/grafana/plug`,
      instanceSlug: "plug",
      pluginId: 663,
      pluginSlug: "grafana-github-datasource",
      pluginName: "GitHub",
      version: "1.3.0",
      latestVersion: "1.5.7",
      createdAt: expect.any(String),
      updatedAt: null,
      links: [
        { rel: "self", href: "/instances/plug/plugins/grafana-github-datasource" },
        { rel: "instance", href: "/instances/plug" },
      ],
    });
    const got = await api().get("/api/instances/plug/plugins/grafana-github-datasource");
    expect(got.body).toEqual(installed.body);
    const byId = await api().get(`/api/instances/${stack.id}/plugins`);
    expect(byId.body).toMatchObject({ items: [installed.body], orderBy: "pluginName", direction: "asc" });

    const updated = await api().post("/api/instances/plug/plugins/grafana-github-datasource", {
      version: "1.3.1",
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: installed.body.id, version: "1.3.1", latestVersion: "1.5.7" });
    expect(updated.body.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);

    const deleted = await api().delete("/api/instances/plug/plugins/grafana-github-datasource");
    expect(deleted.status).toBe(200);
    expect(deleted.body.pluginSlug).toBe("grafana-github-datasource");
    expectError(await api().get("/api/instances/plug/plugins/grafana-github-datasource"), 404, "NotFound");
    expect((await api().get("/api/instances/plug/plugins")).body.items).toEqual([]);
  });

  it.each([
    ["latest", { version: "latest" }],
    ["no version", {}],
  ])("installs the newest catalog version for %s; a later release is not drift", async (_l, v) => {
    await createStack(api(), "lat");
    const res = await api().post("/api/instances/lat/plugins", { plugin: "grafana-clock-panel", ...v });
    expect(res.body).toMatchObject({ version: "2.1.8", latestVersion: "2.1.8" });
    const release = await control().call("POST", "/plugins/release", {
      plugin: "grafana-clock-panel",
      version: "2.2.0",
    });
    expect(release.latestVersion).toBe("2.2.0");
    const after = await api().get("/api/instances/lat/plugins/grafana-clock-panel");
    expect(after.body).toMatchObject({ version: "2.1.8", latestVersion: "2.2.0" });
    const upgraded = await api().post("/api/instances/lat/plugins/grafana-clock-panel", {
      version: "latest",
    });
    expect(upgraded.body.version).toBe("2.2.0");
  });

  it.each([
    ["unknown plugin", { plugin: "no-such-panel" }, 404, "NotFound", /Plugin no-such-panel not found/],
    ["unknown version", { plugin: "grafana-clock-panel", version: "9.9.9" }, 404, "NotFound", /9\.9\.9/],
    ["missing plugin", { version: "1.0.0" }, 409, "InvalidArgument", /Field is required: plugin/],
  ])("install with %s answers %i", async (_l, body, status, code, message) => {
    await createStack(api(), "bad");
    expectError(await api().post("/api/instances/bad/plugins", body), status, code, message);
  });

  it("answers 409 for a duplicate install and 404 for unknown stacks and uninstalled plugins", async () => {
    await createStack(api(), "dup");
    await api().post("/api/instances/dup/plugins", { plugin: "grafana-worldmap-panel" });
    expectError(
      await api().post("/api/instances/dup/plugins", { plugin: "grafana-worldmap-panel" }),
      409,
      "Conflict",
      /already installed/,
    );
    expectError(await api().get("/api/instances/nosuch/plugins"), 404, "NotFound");
    expectError(
      await api().post("/api/instances/nosuch/plugins", { plugin: "grafana-clock-panel" }),
      404,
      "NotFound",
    );
    expectError(await api().get("/api/instances/dup/plugins/grafana-clock-panel"), 404, "NotFound");
    expectError(await api().delete("/api/instances/dup/plugins/grafana-clock-panel"), 404, "NotFound");
    expectError(
      await api().post("/api/instances/dup/plugins/grafana-clock-panel", { version: "2.1.5" }),
      404,
      "NotFound",
    );
    expectError(
      await api().post("/api/instances/dup/plugins/grafana-worldmap-panel", {}),
      409,
      "InvalidArgument",
      /version/,
    );
    expectError(
      await api().post("/api/instances/dup/plugins/grafana-worldmap-panel", { version: "0.0.1" }),
      404,
      "NotFound",
    );
  });

  it("serves several real plugin slugs from the catalog", async () => {
    await createStack(api(), "cat");
    for (const plugin of [
      "grafana-clock-panel",
      "grafana-github-datasource",
      "grafana-piechart-panel",
      "grafana-worldmap-panel",
      "grafana-polystat-panel",
      "yesoreyeram-infinity-datasource",
    ]) {
      const res = await api().post("/api/instances/cat/plugins", { plugin });
      expect(res.status).toBe(200);
      expect(res.body.pluginName).toMatch(/\S/);
    }
    expect((await api().get("/api/instances/cat/plugins")).body.items).toHaveLength(6);
  });
});

describe("plugins: operation in progress window", () => {
  // A window far longer than the test: only the emulator clock moves past it.
  const { api, control } = useEmulator({ pluginBusyMs: 10_000 });

  it("answers 409 'operation in progress' to plugin calls on that stack after a change, then recovers", async () => {
    await createStack(api(), "busy");
    await createStack(api(), "calm");
    expect((await api().post("/api/instances/busy/plugins", { plugin: "grafana-clock-panel" })).status).toBe(
      200,
    );
    const busy = "Hosted Grafana error: operation in progress, please try again later";
    expectError(
      await api().post("/api/instances/busy/plugins", { plugin: "grafana-worldmap-panel" }),
      409,
      "Conflict",
      busy,
    );
    expectError(await api().delete("/api/instances/busy/plugins/grafana-clock-panel"), 409, "Conflict", busy);
    expectError(await api().get("/api/instances/busy/plugins/grafana-clock-panel"), 409, "Conflict", busy);
    expect((await api().post("/api/instances/calm/plugins", { plugin: "grafana-clock-panel" })).status).toBe(
      200,
    );
    await control().advanceClock(11);
    expect((await api().delete("/api/instances/busy/plugins/grafana-clock-panel")).status).toBe(200);
    expectError(await api().get("/api/instances/busy/plugins"), 409, "Conflict", busy);
  });
});
