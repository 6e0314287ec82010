/**
 * What the Stack resource does with each of the service's 14 stack statuses (set on the emulator
 * through `POST /_emulator/stacks/{slug}/status`), and with a status outside that list:
 *
 * - gone (`deleting`, `deleted`): read drops the stack;
 * - not ready yet (`pending`, `starting`, `restoring`, `migrating`, `migrated`, `unknown`, and any
 *   other string): read keeps it, create's wait keeps waiting within its timeout;
 * - needs the user (`paused`, `suspended`, `suspending`, `archived`, `archiving`): read keeps it,
 *   create's wait stops at once with a message saying what to do, the stack recorded in state;
 * - ready (`active`); and delete sends DELETE whatever the status.
 */
import { STACK_STATUSES } from "../../provider/api/stacks";
import { setClock, systemClock } from "../../provider/clock";
import { stack, statusClass } from "../../provider/resources/stack";
import { PartialFailureError } from "../../provider/resources/toolkit";
import { json, startServer } from "../api/server";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

const provider = stack.provider;

const GONE = ["deleting", "deleted"];
const NOT_READY = ["pending", "starting", "restoring", "migrating", "migrated", "unknown"];
const NEEDS_USER = ["paused", "suspended", "suspending", "archived", "archiving"];

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator({ readinessDelayMs: 0, slugReuseWindowMs: 0 });
});
afterAll(() => em.close());
beforeEach(() => em.reset());
afterEach(() => setClock(undefined));

async function makeStack(slug: string, status: string | null) {
  const made = await em.api("POST", "/api/instances", { name: slug, slug, deleteProtection: false });
  expect(made.status).toBe(200);
  if (status !== null) await em.setStackStatus(slug, status);
  return String(made.body.id);
}

/** Create's inputs that take the existing stack over, so its wait meets the status set on it. */
async function adopting(slug: string, extra: Record<string, unknown> = {}) {
  const r = await provider.check({}, { slug, deleteProtection: false, adoptExisting: true, ...extra });
  expect(r.failures ?? []).toEqual([]);
  return r.inputs;
}

const calls = async (method: string, re: RegExp) =>
  (await em.requests()).filter((r) => r.method === method && re.test(r.path)).length;

test("the statuses are the contract's 14, each in exactly one class", () => {
  expect([...STACK_STATUSES].sort()).toEqual([...GONE, ...NOT_READY, ...NEEDS_USER, "active"].sort());
  for (const s of STACK_STATUSES) {
    const expected = GONE.includes(s)
      ? "gone"
      : NOT_READY.includes(s)
        ? "not-ready"
        : NEEDS_USER.includes(s)
          ? "needs-user"
          : "ready";
    expect([s, statusClass(s)]).toEqual([s, expected]);
  }
  // Outside the list, a word of the prototype included: waited for, never a crash.
  for (const s of ["hibernating", "", "constructor", "toString", "ACTIVE"])
    expect(statusClass(s)).toBe("not-ready");
});

describe("read (refresh)", () => {
  test.each([...STACK_STATUSES])("%s", async (status) => {
    const id = await makeStack("readme", status);
    const r = await provider.read(id, { slug: "readme", deleteProtection: false });
    if (GONE.includes(status)) {
      expect(r).toEqual({});
    } else {
      expect(r.id).toBe(id);
      expect(r.props?.status).toBe(status);
    }
  });
});

describe("delete sends DELETE whatever the status", () => {
  test.each([...STACK_STATUSES])("%s", async (status) => {
    const id = await makeStack("delme", status);
    await em.clearRequests();
    await provider.delete(id, { slug: "delme", deleteProtection: false });
    expect(await calls("DELETE", new RegExp(`^/api/instances/${id}$`))).toBe(1);
    const after = await em.api("GET", `/api/instances/${id}`);
    expect(["deleting", "deleted"]).toContain(after.body.status);
  });
});

describe("create's wait for readiness", () => {
  test.each(NOT_READY)("%s: keeps waiting until the timeout, then records the stack", async (status) => {
    await makeStack("waiting", status);
    em.skipWaits();
    const e = await rejection(provider.create(await adopting("waiting", { readinessTimeoutSeconds: 20 })));
    expect(e).toBeInstanceOf(PartialFailureError);
    expect(e.message).toMatch(
      new RegExp(`did not become ready within 20 s \\(status ${status}\\)\\. It is recorded in state`),
    );
    expect((e as PartialFailureError).properties["status"]).toBe(status);
    // It looked again and again: several polls of the stack.
    expect(await calls("GET", /^\/api\/instances\/\d+$/)).toBeGreaterThanOrEqual(3);
  });

  test("a stack that leaves a not-ready status while create waits becomes ready", async () => {
    await makeStack("moving", "migrating");
    const creating = provider.create(await adopting("moving"));
    // Once the wait has polled the stack, the migration ends.
    for (let i = 0; i < 100 && (await calls("GET", /^\/api\/instances\/\d+$/)) === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await em.setStackStatus("moving", null);
    const created = await creating;
    expect(created.outs.status).toBe("active");
  });

  test.each(NEEDS_USER)("%s: stops at once, records the stack, says what to do", async (status) => {
    await makeStack("stuck", status);
    const started = Date.now();
    const e = await rejection(provider.create(await adopting("stuck")));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(e).toBeInstanceOf(PartialFailureError);
    const pf = e as PartialFailureError;
    expect(pf.properties["status"]).toBe(status);
    expect(pf.message).toContain(`exists but is ${status}, so it will not become ready by itself`);
    expect(pf.message).toContain("run `pulumi up` again");
    // Its status said so: neither the readiness route nor the stack's health was asked.
    expect(await calls("GET", /\/readiness$/)).toBe(0);
    expect(await calls("GET", /\/api\/health$/)).toBe(0);
    const advice: Record<string, RegExp> = {
      paused: new RegExp(`wakes when its login page is opened: open ${em.url}/grafana/stuck/login`),
      suspended: /organization's billing at https:\/\/grafana\.com\/orgs\/emulator-org/,
      suspending: /organization's billing at https:\/\/grafana\.com\/orgs\/emulator-org/,
      archived: /restore it from the organization's stacks at https:\/\/grafana\.com\/orgs\/emulator-org/,
      archiving: /restore it from the organization's stacks at https:\/\/grafana\.com\/orgs\/emulator-org/,
    };
    expect(pf.message).toMatch(advice[status]!);
  });

  test("paused: the advice works, opening /login wakes the stack", async () => {
    const id = await makeStack("sleepy", "paused");
    const e = (await rejection(provider.create(await adopting("sleepy")))) as PartialFailureError;
    const url = String(e.properties["url"]);
    expect((await fetch(`${url}/login`)).status).toBe(200);
    expect((await provider.read(id, e.properties)).props?.status).toBe("active");
  });

  test("a stack deleted behind create's back while it waits: nothing is recorded", async () => {
    const id = await makeStack("vanish", "restoring");
    const creating = provider.create(await adopting("vanish"));
    for (let i = 0; i < 100 && (await calls("GET", /^\/api\/instances\/\d+$/)) === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await em.api("DELETE", `/api/instances/${id}`);
    const e = await rejection(creating);
    expect(e).not.toBeInstanceOf(PartialFailureError);
    expect(e.message).toMatch(
      /stack "vanish" \(id \d+\) was deleted \(status (deleting|deleted)\) while create waited/,
    );
  });
});

describe("a status outside the contract's list", () => {
  /** A server whose stack always answers `status: "hibernating"`. */
  async function hibernatingApi() {
    const body = {
      id: 77,
      orgId: 1,
      orgSlug: "org",
      name: "odd",
      slug: "odd",
      url: "http://127.0.0.1:1/odd",
      status: "hibernating",
      hmInstancePromUrl: "https://prom.example",
    };
    return startServer((req, res) => {
      const path = (req.url ?? "").split("?")[0]!;
      if (path === "/api/instances" || path === "/api/instances/77") return json(res, 200, body);
      if (path.endsWith("/readiness")) return json(res, 200, { ready: false });
      return json(res, 404, { code: "NotFound", message: "not here" });
    });
  }

  test("read keeps the stack with that status; create waits, then records it, naming the status", async () => {
    const server = await hibernatingApi();
    const saved = process.env["GRAFANA_CLOUD_API_URL"];
    process.env["GRAFANA_CLOUD_API_URL"] = server.url;
    let offset = 0;
    setClock({ now: () => systemClock.now() + offset, sleep: async (ms) => void (offset += ms) });
    try {
      const r = await provider.read("77", { slug: "odd" });
      expect(r.props).toMatchObject({
        status: "hibernating",
        stackId: 77,
        prometheusUrl: "https://prom.example",
      });

      const checked = await provider.check({}, { slug: "odd", readinessTimeoutSeconds: 30 });
      const e = await rejection(provider.create(checked.inputs));
      expect(e).toBeInstanceOf(PartialFailureError);
      expect(e.message).toContain(
        "did not become ready within 30 s (status hibernating, a status this package does not know)",
      );
      // Not ready by its status, yet not one that says so: the readiness route was asked.
      expect(server.requests.filter((q) => q.url.endsWith("/readiness")).length).toBeGreaterThan(1);
    } finally {
      process.env["GRAFANA_CLOUD_API_URL"] = saved;
      await server.close();
    }
  });
});
