import { clock } from "../../provider/clock";
import { stack } from "../../provider/resources/stack";
import { PartialFailureError } from "../../provider/resources/toolkit";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

const provider = stack.provider;

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator({ readinessDelayMs: 300, slugReuseWindowMs: 1500 });
});
afterAll(() => em.close());
beforeEach(() => em.reset());

async function checked(news: Record<string, unknown>) {
  const r = await provider.check({}, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

const live = async () =>
  ((await em.state()).stacks as { slug: string; status: string }[]).filter((s) => s.status !== "deleted");

describe("Stack provider against the emulator", () => {
  test("full lifecycle: create waits for readiness, read shows no drift, update in place, protected delete, delete", async () => {
    const inputs = await checked({
      slug: "teststack",
      labels: { team: "platform", env: "dev" },
      description: "d",
    });
    const created = await provider.create(inputs);
    expect(created.outs).toMatchObject({
      slug: "teststack",
      name: "teststack",
      region: "us",
      status: "active",
      deleteProtection: true,
      orgSlug: expect.any(String),
    });
    expect(created.outs.stackId).toBe(Number(created.id));
    expect(created.outs.url).toBe(`${em.url}/grafana/teststack`);
    expect(created.outs.prometheusUrl).toEqual(expect.stringMatching(/^https:\/\//));
    expect(created.outs.otlpUrl).toEqual(expect.stringMatching(/^https:\/\//));

    const read = await provider.read(created.id, created.outs);
    expect((await provider.diff(created.id, read.props!, inputs)).changes).toBe(false);
    expect(read.props?.["otlpUrl"]).toBe(created.outs.otlpUrl);

    // Protected: the error says what to do.
    const protectedErr = await rejection(provider.delete(created.id, read.props!));
    expect(protectedErr.message).toContain("deleteProtection: false");
    expect(protectedErr.message).toContain("pulumi up");

    const next = await checked({
      slug: "teststack",
      name: "Renamed",
      labels: { team: "platform" },
      deleteProtection: false,
    });
    expect(await provider.diff(created.id, read.props!, next)).toEqual({ changes: true });
    const updated = await provider.update(created.id, read.props!, next);
    const held = (await em.api("GET", `/api/instances/${created.id}`)).body;
    expect(held.name).toBe("Renamed");
    expect(held.labels).toEqual({ team: "platform" });
    expect(held.description ?? "").toBe("");
    expect(held.deleteProtection).toBe(false);
    expect((await provider.diff(created.id, updated.outs, next)).changes).toBe(false);

    await provider.delete(created.id, updated.outs);
    // A deleted stack still answers 200 with status "deleted": read drops it.
    expect(await provider.read(created.id, updated.outs)).toEqual({});
    await provider.delete(created.id, updated.outs);
  });

  test("a stack that is not ready in time is recorded, not orphaned", async () => {
    const slow = await useEmulator({ readinessDelayMs: 60_000 });
    // The readiness polls wait on the provider's clock, which moves the slow emulator's clock.
    slow.skipWaits();
    try {
      const err = await rejection(
        provider.create(await checked({ slug: "slowstack", readinessTimeoutSeconds: 1 })),
      );
      expect(err).toBeInstanceOf(PartialFailureError);
      const pf = err as PartialFailureError;
      expect(pf.id).toMatch(/^\d+$/);
      expect(pf.properties["slug"]).toBe("slowstack");
      expect(pf.message).toContain("did not become ready within 1 s");
    } finally {
      await slow.reset();
      await slow.close();
      await useEmulatorEnvBack();
    }
  });

  test("waitForReadiness: false returns at once with the stack still starting", async () => {
    const created = await provider.create(await checked({ slug: "nowait", waitForReadiness: false }));
    expect(["pending", "starting"]).toContain(created.outs.status);
  });

  test("re-creating a recently deleted slug waits out the 409 and succeeds", async () => {
    const a = await provider.create(
      await checked({ slug: "reuse", deleteProtection: false, waitForReadiness: false }),
    );
    await provider.delete(a.id, a.outs);
    // The provider's wait moves the emulator's clock (and its own) instead of taking real time.
    em.skipWaits();
    const started = clock.now();
    const b = await provider.create(
      await checked({ slug: "reuse", deleteProtection: false, waitForReadiness: false }),
    );
    expect(b.id).not.toBe(a.id);
    expect(clock.now() - started).toBeGreaterThanOrEqual(1000);
    const reqs = await em.requests();
    expect(
      reqs.filter((r) => r.method === "POST" && r.path === "/api/instances" && r.status === 409).length,
    ).toBeGreaterThanOrEqual(1);
  });

  test("a lost create response does not make a second stack", async () => {
    await em.fault({ method: "POST", path: "^/api/instances$", kind: "lost-response", count: 1 });
    const created = await provider.create(await checked({ slug: "lost" }));
    expect(await em.faulted("lost-response")).toBe(1);
    const stacks = await live();
    expect(stacks).toHaveLength(1);
    expect(created.outs.slug).toBe("lost");
    expect(created.outs.status).toBe("active");
  });

  test("a taken slug explains how to adopt; adoptExisting takes the stack over", async () => {
    const first = await provider.create(await checked({ slug: "taken", waitForReadiness: false }));
    const err = await rejection(provider.create(await checked({ slug: "taken" })));
    expect(err.message).toContain("adoptExisting: true");
    const wrongRegion = await rejection(
      provider.create(await checked({ slug: "taken", region: "eu", adoptExisting: true })),
    );
    expect(wrongRegion.message).toContain('exists in region us, not eu; set region: "us" to adopt it');
    const adopted = await provider.create(
      await checked({ slug: "taken", description: "mine now", adoptExisting: true }),
    );
    expect(adopted.id).toBe(first.id);
    expect(adopted.outs.description).toBe("mine now");
    expect(await live()).toHaveLength(1);
  });

  test("drift behind Pulumi's back shows in read; deletion behind its back drops it", async () => {
    const inputs = await checked({ slug: "drift", labels: { a: "1" }, deleteProtection: false });
    const created = await provider.create(inputs);
    await em.api("POST", `/api/instances/${created.id}`, { description: "by hand", labels: { a: "2" } });
    const read = await provider.read(created.id, created.outs);
    expect(read.inputs).toMatchObject({ description: "by hand", labels: { a: "2" } });
    expect(await provider.diff(created.id, read.props!, inputs)).toEqual({ changes: true });
    await em.api("DELETE", `/api/instances/${created.id}`);
    expect(await provider.read(created.id, read.props!)).toEqual({});
  });
});

/** The slow-emulator test re-pointed the environment; point it back at the shared emulator. */
async function useEmulatorEnvBack() {
  process.env["GRAFANA_CLOUD_API_URL"] = em.url;
}
