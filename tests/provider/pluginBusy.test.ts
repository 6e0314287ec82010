/**
 * The plugin API's 409 "operation in progress" while the stack is busy: retried with
 * backoff within the retry budget, then given up with a clear message; other 409s are not retried.
 */
import { pluginInstallation } from "../../provider/resources/pluginInstallation";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

const provider = pluginInstallation.provider;

let em: TestEmulator;
beforeAll(async () => {
  // After each plugin change the stack answers 409 "operation in progress" for 400 ms.
  em = await useEmulator({ readinessDelayMs: 0, pluginBusyMs: 400 });
  // A short budget, so giving up is quick (read when the first client is made, below).
  process.env["GRAFANA_CLOUD_RETRY_BUDGET_SECONDS"] = "2";
});
afterAll(() => em.close());

beforeEach(async () => {
  await em.reset();
  await em.api("POST", "/api/instances", { name: "busy", slug: "busy", deleteProtection: false });
});

async function checked(news: Record<string, unknown>) {
  const r = await provider.check({}, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

const calls = async (method: string, pathEnd: string) =>
  (await em.requests()).filter((r) => r.method === method && r.path.endsWith(pathEnd)).map((r) => r.status);

describe("PluginInstallation and a busy stack", () => {
  test("install, update and delete right after another plugin change are retried until the stack is free", async () => {
    const clock = await provider.create(await checked({ stackSlug: "busy", plugin: "grafana-clock-panel" }));
    // The stack is busy now: the next install meets 409 first, then succeeds.
    await em.clearRequests();
    const github = await provider.create(
      await checked({ stackSlug: "busy", plugin: "grafana-github-datasource", version: "1.3.0" }),
    );
    expect(github.outs).toMatchObject({ installedVersion: "1.3.0" });
    const installs = await calls("POST", "/api/instances/busy/plugins");
    expect(installs[0]).toBe(409);
    expect(installs.at(-1)).toBe(200);
    expect(installs.filter((s) => s === 200)).toHaveLength(1);

    await em.clearRequests();
    const next = await checked({ stackSlug: "busy", plugin: "grafana-github-datasource", version: "1.3.1" });
    const updated = await provider.update(github.id, github.outs, next);
    expect(updated.outs).toMatchObject({ installedVersion: "1.3.1" });
    expect((await calls("GET", "/plugins/grafana-github-datasource"))[0]).toBe(409);

    await em.clearRequests();
    await provider.delete(clock.id, clock.outs);
    const deletes = await calls("DELETE", "/plugins/grafana-clock-panel");
    expect(deletes[0]).toBe(409);
    expect(deletes.at(-1)).toBe(200);
    expect((await em.state()).plugins.map((p: { plugin: string }) => p.plugin)).toEqual([
      "grafana-github-datasource",
    ]);
  });

  test("a stack that stays busy beyond the retry budget: a clear message after several attempts", async () => {
    const clock = await provider.create(await checked({ stackSlug: "busy", plugin: "grafana-clock-panel" }));
    await em.fault({ method: "DELETE", path: "/plugins/grafana-clock-panel$", kind: "status", status: 409 });
    await em.clearRequests();
    const started = Date.now();
    const e = await rejection(provider.delete(clock.id, clock.outs));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(e.message).toMatch(/^uninstalling plugin "grafana-clock-panel" from stack "busy"/);
    expect(e.message).toMatch(/still in progress on the stack when the retry budget ran out/);
    expect(e.message).toMatch(
      /DELETE \/api\/instances\/busy\/plugins\/grafana-clock-panel failed: 409 Conflict: Hosted Grafana error: operation in progress/,
    );
    expect(e.message).toMatch(/after \d+ attempts/);
    expect((await calls("DELETE", "/plugins/grafana-clock-panel")).length).toBeGreaterThan(2);
    await em.clearFaults();
  });

  test("other 409s are not retried: installing an installed plugin fails at once and says how to adopt", async () => {
    await em.api("POST", "/api/instances/busy/plugins", { plugin: "grafana-clock-panel", version: "2.1.3" });
    // Let the busy window pass, so the only 409 is "already installed".
    await em.advanceClock(1);
    await em.clearRequests();
    const e = await rejection(
      provider.create(await checked({ stackSlug: "busy", plugin: "grafana-clock-panel" })),
    );
    expect(await calls("POST", "/api/instances/busy/plugins")).toEqual([409]);
    expect(e.message).toMatch(
      /already installed on this stack \(perhaps by an interrupted run\)\. Set adoptExisting: true to take it over/,
    );
    expect(e.message).toMatch(/409 Conflict: Plugin grafana-clock-panel is already installed/);
  });
});
