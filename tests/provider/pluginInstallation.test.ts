import { UNKNOWN } from "../../provider/resources/toolkit";
import { pluginInstallation } from "../../provider/resources/pluginInstallation";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

const provider = pluginInstallation.provider;

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator({ readinessDelayMs: 0 });
});
afterAll(() => em.close());

beforeEach(async () => {
  await em.reset();
  const made = await em.api("POST", "/api/instances", {
    name: "plugs",
    slug: "plugs",
    deleteProtection: false,
  });
  expect(made.status).toBe(200);
});

async function checked(news: Record<string, unknown>) {
  const r = await provider.check({}, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

async function installedVersion(plugin: string): Promise<string | undefined> {
  const state = await em.state();
  return state.plugins.find((p: { plugin: string }) => p.plugin === plugin)?.version;
}

describe("PluginInstallation provider against the emulator", () => {
  test("full lifecycle: latest by default, version updated in place, delete, read after delete drops it", async () => {
    const inputs = await checked({ stackSlug: "plugs", plugin: "grafana-clock-panel" });
    expect(inputs).toMatchObject({ version: "latest", adoptExisting: false });

    const created = await provider.create(inputs);
    expect(created.id).toBe("plugs/grafana-clock-panel");
    expect(created.outs).toMatchObject({
      stackSlug: "plugs",
      plugin: "grafana-clock-panel",
      version: "latest",
      installedVersion: "2.1.8",
      latestVersion: "2.1.8",
      pluginName: "Clock",
    });
    expect(typeof created.outs.installationId).toBe("number");

    const read = await provider.read(created.id, created.outs);
    expect(read.id).toBe(created.id);
    expect(read.inputs).toEqual({
      stackSlug: "plugs",
      plugin: "grafana-clock-panel",
      version: "latest",
      adoptExisting: false,
    });
    expect(await provider.diff(created.id, read.props!, inputs)).toEqual({ changes: false });

    // Pinning an older version is an in-place update, not a replacement.
    const pinned = await checked({ stackSlug: "plugs", plugin: "grafana-clock-panel", version: "2.1.5" });
    expect(await provider.diff(created.id, read.props!, pinned)).toEqual({ changes: true });
    const updated = await provider.update(created.id, read.props!, pinned);
    expect(updated.outs).toMatchObject({
      version: "2.1.5",
      installedVersion: "2.1.5",
      latestVersion: "2.1.8",
    });
    expect(updated.outs["installationId"]).toBe(created.outs.installationId);
    expect(await installedVersion("grafana-clock-panel")).toBe("2.1.5");
    expect(await provider.diff(created.id, updated.outs!, pinned)).toEqual({ changes: false });

    // A different plugin or stack is a new installation.
    const other = await checked({ stackSlug: "plugs", plugin: "grafana-worldmap-panel", version: "2.1.5" });
    expect(await provider.diff(created.id, updated.outs!, other)).toEqual({
      changes: true,
      replaces: ["plugin"],
    });

    await provider.delete(created.id, updated.outs!);
    expect(await installedVersion("grafana-clock-panel")).toBeUndefined();
    expect(await provider.read(created.id, updated.outs!)).toEqual({});
    // Deleting again is a no-op (already uninstalled).
    await provider.delete(created.id, updated.outs!);
  });

  test("`latest` with a newer catalog release shows no change; the outputs show the gap", async () => {
    const inputs = await checked({ stackSlug: "plugs", plugin: "grafana-github-datasource" });
    const created = await provider.create(inputs);
    expect(created.outs).toMatchObject({ installedVersion: "1.5.7", latestVersion: "1.5.7" });

    const released = await em.api("POST", "/_emulator/plugins/release", {
      plugin: "grafana-github-datasource",
      version: "1.6.0",
    });
    expect(released.body.latestVersion).toBe("1.6.0");

    const read = await provider.read(created.id, created.outs);
    expect(read.props).toMatchObject({
      version: "latest",
      installedVersion: "1.5.7",
      latestVersion: "1.6.0",
    });
    expect(read.inputs?.["version"]).toBe("latest");
    expect(await provider.diff(created.id, read.props!, inputs)).toEqual({ changes: false });
    // Nothing was reinstalled or updated.
    expect(await installedVersion("grafana-github-datasource")).toBe("1.5.7");
  });

  test("a pinned version changed behind Pulumi's back is drift that update corrects in place", async () => {
    const inputs = await checked({
      stackSlug: "plugs",
      plugin: "grafana-github-datasource",
      version: "1.3.0",
    });
    const created = await provider.create(inputs);
    expect(created.outs).toMatchObject({ installedVersion: "1.3.0", latestVersion: "1.5.7" });

    const behind = await em.api("POST", "/api/instances/plugs/plugins/grafana-github-datasource", {
      version: "1.5.7",
    });
    expect(behind.status).toBe(200);

    // Refresh records what is installed, so the drift is visible ...
    const read = await provider.read(created.id, created.outs);
    expect(read.inputs?.["version"]).toBe("1.5.7");
    expect(read.props).toMatchObject({ version: "1.5.7", installedVersion: "1.5.7" });
    // ... and the next up puts the pinned version back, in place.
    expect(await provider.diff(created.id, read.props!, inputs)).toEqual({ changes: true });
    const fixed = await provider.update(created.id, read.props!, inputs);
    expect(fixed.outs).toMatchObject({ version: "1.3.0", installedVersion: "1.3.0" });
    expect(fixed.outs["installationId"]).toBe(created.outs.installationId);
    expect(await installedVersion("grafana-github-datasource")).toBe("1.3.0");
    expect(await provider.diff(created.id, fixed.outs!, inputs)).toEqual({ changes: false });
  });

  test("switching between `latest` and a pinned version is a change; the installed version decides the calls", async () => {
    const pinned = await checked({ stackSlug: "plugs", plugin: "grafana-clock-panel", version: "2.1.3" });
    const created = await provider.create(pinned);
    const latest = await checked({ stackSlug: "plugs", plugin: "grafana-clock-panel" });
    expect((await provider.diff(created.id, created.outs, latest)).changes).toBe(true);
    const up = await provider.update(created.id, created.outs, latest);
    expect(up.outs).toMatchObject({ version: "latest", installedVersion: "2.1.8" });

    // Pinning the version already installed records it without another plugin operation.
    const same = await checked({ stackSlug: "plugs", plugin: "grafana-clock-panel", version: "2.1.8" });
    expect((await provider.diff(created.id, up.outs!, same)).changes).toBe(true);
    await em.clearRequests();
    const recorded = await provider.update(created.id, up.outs!, same);
    expect(recorded.outs).toMatchObject({ version: "2.1.8", installedVersion: "2.1.8" });
    const calls = (await em.requests()).map((r) => `${r.method} ${r.path}`);
    expect(calls).toEqual(["GET /api/instances/plugs/plugins/grafana-clock-panel"]);
  });

  test("an unknown plugin is a clear error naming the plugin; an unknown version and stack too", async () => {
    const unknown = await checked({ stackSlug: "plugs", plugin: "no-such-panel" });
    const e = await rejection(provider.create(unknown));
    expect(e.message).toMatch(/installing plugin "no-such-panel".*on stack "plugs"/);
    expect(e.message).toMatch(/plugin "no-such-panel" is not in the Grafana plugin catalog/);
    expect(e.message).toMatch(/POST \/api\/instances\/plugs\/plugins failed: 404/);

    const badVersion = await checked({ stackSlug: "plugs", plugin: "grafana-clock-panel", version: "9.9.9" });
    const v = await rejection(provider.create(badVersion));
    expect(v.message).toMatch(/or has no version 9\.9\.9/);

    const noStack = await checked({ stackSlug: "nostack", plugin: "grafana-clock-panel" });
    const s = await rejection(provider.create(noStack));
    expect(s.message).toMatch(/stack "nostack" does not exist/);
  });

  test("a lost install response is resolved by finding the installation, not by a second one", async () => {
    await em.fault({
      method: "POST",
      path: "^/api/instances/plugs/plugins$",
      kind: "lost-response",
      count: 1,
    });
    const inputs = await checked({ stackSlug: "plugs", plugin: "grafana-clock-panel", version: "2.1.5" });
    const created = await provider.create(inputs);
    expect(created.outs).toMatchObject({ installedVersion: "2.1.5" });
    const installs = (await em.requests())
      .filter((r) => r.method === "POST" && r.path === "/api/instances/plugs/plugins")
      .map((r) => r.status);
    // The lost attempt (applied), then the repeat that meets "already installed".
    expect(installs).toEqual([200, 409]);
    expect((await em.state()).plugins).toHaveLength(1);
  });

  test("read drops the installation of a stack that no longer exists", async () => {
    const created = await provider.create(
      await checked({ stackSlug: "plugs", plugin: "grafana-clock-panel" }),
    );
    expect((await em.api("DELETE", "/api/instances/plugs")).status).toBe(200);
    expect(await provider.read(created.id, created.outs)).toEqual({});
    // And deleting it then is a no-op, not an error.
    await provider.delete(created.id, created.outs);
  });

  test("a plugin uninstalled behind Pulumi's back is gone on refresh; update says to refresh", async () => {
    const created = await provider.create(
      await checked({ stackSlug: "plugs", plugin: "grafana-clock-panel" }),
    );
    await em.api("DELETE", "/api/instances/plugs/plugins/grafana-clock-panel");
    expect(await provider.read(created.id, created.outs)).toEqual({});
    const pinned = await checked({ stackSlug: "plugs", plugin: "grafana-clock-panel", version: "2.1.3" });
    const e = await rejection(provider.update(created.id, created.outs, pinned));
    expect(e.message).toMatch(/no longer installed.*pulumi refresh/);
  });

  test("check names each invalid property and tolerates unknown values", async () => {
    const r = await provider.check(
      {},
      { stackSlug: "Bad-Slug", plugin: "has space", version: "newest", extra: 1 },
    );
    const reasons = (r.failures ?? []).map((f) => f.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^stackSlug: must be 1-29 lowercase letters/),
        expect.stringMatching(/^plugin: must be a plugin id/),
        expect.stringMatching(/^version: must be "latest" or a version/),
        "extra: is not a known property of this resource",
      ]),
    );
    const preview = await provider.check({}, { stackSlug: UNKNOWN, plugin: "grafana-clock-panel" });
    expect(preview.failures ?? []).toEqual([]);
    // An unknown version during preview is a possible change.
    expect(
      (
        await provider.diff(
          "plugs/grafana-clock-panel",
          { stackSlug: "plugs", plugin: "grafana-clock-panel", version: "latest", installedVersion: "2.1.8" },
          { stackSlug: "plugs", plugin: "grafana-clock-panel", version: UNKNOWN },
        )
      ).changes,
    ).toBe(true);
  });
});
