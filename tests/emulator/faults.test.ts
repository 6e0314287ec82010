import http from "node:http";
import { randomUUID } from "node:crypto";
import { DEFAULT_TOKEN } from "../../emulator";
import { POLICY, createStack, expectError, useEmulator } from "./helpers";

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** How the body ended: whole, cut off by the server, or still coming when the client gave up. */
  ended: "complete" | "closed" | "timed out";
}

/** A POST that reports exactly what came back, however the answer ends. */
function rawPost(base: string, path: string, body: unknown, giveUpMs = 1500): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${DEFAULT_TOKEN}`,
        "content-type": "application/json",
        "x-request-id": randomUUID(),
      },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      let text = "";
      let done = false;
      const finish = (ended: RawAnswer["ended"]) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ended });
        req.destroy();
      };
      const timer = setTimeout(() => finish("timed out"), giveUpMs);
      res.on("data", (c: Buffer) => (text += c.toString("utf8")));
      res.on("end", () => finish("complete"));
      res.on("aborted", () => finish("closed"));
      res.on("error", () => finish("closed"));
      res.on("close", () => finish(res.complete ? "complete" : "closed"));
    });
    req.end(JSON.stringify(body));
  });
}

describe("fault injection", () => {
  const { api, control } = useEmulator();

  it.each([
    [500, "InternalServerError", undefined],
    [502, "BadGateway", undefined],
    [503, "ServiceUnavailable", "1"],
    [429, "TooManyRequests", "1"],
    [409, "Conflict", undefined],
  ])("injects status %i for the next matching request only", async (status, code, retryAfter) => {
    const added = await control().call("POST", "/faults", {
      method: "GET",
      path: "^/api/instances$",
      kind: "status",
      status,
      count: 1,
    });
    expect(typeof added.id).toBe("number");
    const res = await api().get("/api/instances");
    expectError(res, status, code);
    expect(res.headers.get("retry-after") ?? undefined).toBe(retryAfter);
    if (status === 409)
      expect(res.body.message).toBe("Hosted Grafana error: operation in progress, please try again later");
    expect((await api().get("/api/instances")).status).toBe(200);
  });

  it("uses the fault's code, message and Retry-After, and matches the method", async () => {
    await control().call("POST", "/faults", {
      method: "POST",
      path: "/api/v1/accesspolicies",
      kind: "status",
      status: 429,
      retryAfter: 7,
      code: "RateLimited",
      message: "slow down",
      count: 2,
    });
    expect((await api().get("/api/v1/accesspolicies?region=us")).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await api().post("/api/v1/accesspolicies?region=us", POLICY);
      expectError(res, 429, "RateLimited", "slow down");
      expect(res.headers.get("retry-after")).toBe("7");
    }
    expect((await api().post("/api/v1/accesspolicies?region=us", POLICY)).status).toBe(200);
  });

  it("adds latency", async () => {
    await control().call("POST", "/faults", {
      path: "^/api/stack-regions$",
      kind: "latency",
      latencyMs: 200,
      count: 1,
    });
    const t0 = Date.now();
    expect((await api().get("/api/stack-regions")).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    await api().get("/api/stack-regions");
    // count: 1: only the first request was slowed, as the request log records.
    const log = (await control().requests()) as { fault?: string }[];
    expect(log.map((r) => r.fault ?? null)).toEqual(["latency", null]);
  });

  it("resets the connection before any processing: nothing is applied", async () => {
    await control().call("POST", "/faults", {
      method: "POST",
      path: "^/api/instances$",
      kind: "reset",
      count: 1,
    });
    await expect(
      api().post("/api/instances", { name: "r", slug: "reset", deleteProtection: false }),
    ).rejects.toThrow();
    expect((await control().state()).stacks).toEqual([]);
    const log = await control().requests();
    expect(log).toEqual([
      expect.objectContaining({ method: "POST", path: "/api/instances", status: 0, fault: "reset" }),
    ]);
  });

  it("loses the response after applying the change", async () => {
    await control().call("POST", "/faults", {
      method: "POST",
      path: "^/api/v1/tokens$",
      kind: "lost-response",
      count: 1,
    });
    const policy = (await api().post("/api/v1/accesspolicies?region=us", POLICY)).body;
    await expect(
      api().post("/api/v1/tokens?region=us", { accessPolicyId: policy.id, name: "lost" }),
    ).rejects.toThrow();
    const listed = await api().get("/api/v1/tokens?region=us&name=lost");
    expect(listed.body.items).toHaveLength(1);
    // A blind retry creates nothing new: the name is taken, so a client must not retry a create blindly.
    expectError(
      await api().post("/api/v1/tokens?region=us", { accessPolicyId: policy.id, name: "lost" }),
      409,
      "Conflict",
    );
  });

  describe("applied-then: the request is applied, then answered badly", () => {
    const fault = (extra: Record<string, unknown>) =>
      control().call("POST", "/faults", {
        method: "POST",
        path: "^/api/v1/accesspolicies$",
        kind: "applied-then",
        count: 1,
        ...extra,
      });
    const policies = async () => (await control().state()).accessPolicies as { name: string }[];
    const lastLogged = async () =>
      ((await control().requests()) as { fault?: string; status: number }[]).at(-1);

    it.each([502, 500, 504])("a %i from a proxy, JSON body", async (status) => {
      await fault({ answer: "status", status });
      const res = await rawPost(api().url, "/api/v1/accesspolicies?region=us", POLICY);
      expect(res.status).toBe(status);
      expect(JSON.parse(res.body)).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      expect((await policies()).map((p) => p.name)).toEqual([POLICY.name]);
      expect(await lastLogged()).toMatchObject({ status, fault: "applied-then" });
    });

    it("a 200 with an HTML page", async () => {
      await fault({ answer: "html" });
      const res = await rawPost(api().url, "/api/v1/accesspolicies?region=us", POLICY);
      expect({ status: res.status, type: res.headers["content-type"], ended: res.ended }).toEqual({
        status: 200,
        type: "text/html; charset=utf-8",
        ended: "complete",
      });
      expect(res.body).toMatch(/^<!DOCTYPE html>/);
      expect(await policies()).toHaveLength(1);
    });

    it("a 200 with an empty body", async () => {
      await fault({ answer: "empty" });
      const res = await rawPost(api().url, "/api/v1/accesspolicies?region=us", POLICY);
      expect({ status: res.status, body: res.body, ended: res.ended }).toEqual({
        status: 200,
        body: "",
        ended: "complete",
      });
      expect(await policies()).toHaveLength(1);
    });

    it("a 200 whose body is cut off half-way, the connection closed", async () => {
      await fault({ answer: "truncated" });
      const res = await rawPost(api().url, "/api/v1/accesspolicies?region=us", POLICY);
      const promised = Number(res.headers["content-length"]);
      expect(res.status).toBe(200);
      expect(res.ended).toBe("closed");
      expect(Buffer.byteLength(res.body)).toBe(Math.floor(promised / 2));
      expect(() => JSON.parse(res.body)).toThrow();
      expect(await policies()).toHaveLength(1);
    });

    it("a 200 whose body stalls half-way until the client gives up", async () => {
      await fault({ answer: "stall" });
      const res = await rawPost(api().url, "/api/v1/accesspolicies?region=us", POLICY, 500);
      expect(res.status).toBe(200);
      expect(res.ended).toBe("timed out");
      expect(Buffer.byteLength(res.body)).toBe(Math.floor(Number(res.headers["content-length"]) / 2));
      expect(await policies()).toHaveLength(1);
      // The emulator still serves everyone else.
      expect((await api().get("/api/v1/accesspolicies?region=us")).status).toBe(200);
    });

    it("the real answer without one field", async () => {
      await fault({ answer: "omit", field: "id" });
      const res = await rawPost(api().url, "/api/v1/accesspolicies?region=us", POLICY);
      const body = JSON.parse(res.body);
      expect(res.status).toBe(200);
      expect(body.id).toBeUndefined();
      expect(body.name).toBe(POLICY.name);
      expect(await policies()).toHaveLength(1);
    });

    it("a request the route refuses is still refused (nothing is applied), and answered badly", async () => {
      await fault({ answer: "status", status: 502 });
      const res = await rawPost(api().url, "/api/v1/accesspolicies?region=us", {
        ...POLICY,
        name: "Bad Name",
      });
      expect(res.status).toBe(502);
      expect(await policies()).toEqual([]);
    });
  });

  it("fires with a seeded probability, repeatably", async () => {
    const run = async (): Promise<number[]> => {
      await control().clearFaults();
      await control().call("POST", "/faults", {
        path: "^/api/stack-regions$",
        kind: "status",
        status: 502,
        probability: 0.5,
        seed: 42,
      });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await api().get("/api/stack-regions")).status);
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(first).toContain(502);
    expect(first).toContain(200);
  });

  it("accepts an array of faults, lists them and clears them", async () => {
    const added = await control().call("POST", "/faults", [
      { path: "^/api/instances", kind: "status", status: 500 },
      { path: "^/grafana/", kind: "latency", latencyMs: 1 },
    ]);
    expect(added.ids).toHaveLength(2);
    expect(await control().call("GET", "/faults")).toHaveLength(2);
    expectError(await api().get("/api/instances"), 500, "InternalServerError");
    await control().clearFaults();
    expect((await api().get("/api/instances")).status).toBe(200);
  });

  it("applies to stack URLs too", async () => {
    const stack = await createStack(api(), "furl");
    await control().call("POST", "/faults", {
      path: "^/grafana/furl/api/health$",
      kind: "status",
      status: 502,
      count: 1,
    });
    expect((await fetch(`${stack.url}/api/health`)).status).toBe(502);
    expect((await fetch(`${stack.url}/api/health`)).status).toBe(200);
  });

  it.each([
    [{ kind: "status", status: 500 }, /path/],
    [{ path: "x", kind: "explode" }, /kind/],
    [{ path: "x", kind: "status" }, /status/],
    [{ path: "(", kind: "reset" }, /regular expression/],
    [{ path: "x", kind: "latency" }, /latencyMs/],
    [{ path: "x", kind: "reset", probability: 2 }, /probability/],
    [{ path: "x", kind: "reset", count: 0 }, /count/],
    [{ path: "x", kind: "applied-then" }, /answer/],
    [{ path: "x", kind: "applied-then", answer: "garbled" }, /answer/],
    [{ path: "x", kind: "applied-then", answer: "omit" }, /field/],
    [{ path: "x", kind: "applied-then", answer: "status", status: 404 }, /status/],
    [{ path: "x", kind: "applied-then", answer: "empty", status: 500 }, /status/],
  ])("rejects an invalid fault %j with 400", async (fault, message) => {
    const res = await fetch(`${api().url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(fault),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
  });
});

describe("request log and control endpoints", () => {
  const { api, control } = useEmulator();

  it("logs API and stack-URL requests, not control requests, and clears", async () => {
    const stack = await createStack(api(), "logged");
    await api().get("/api/v1/accesspolicies?region=us&name=x");
    await fetch(`${stack.url}/api/health`);
    await control().state();
    const log = await control().requests();
    expect(
      log.map((e: { method: string; path: string; status: number }) => [e.method, e.path, e.status]),
    ).toEqual([
      ["POST", "/api/instances", 200],
      ["GET", "/api/v1/accesspolicies", 200],
      ["GET", "/grafana/logged/api/health", 200],
    ]);
    expect(log[1]?.query).toEqual({ region: "us", name: "x" });
    expect(typeof log[1]?.durationMs).toBe("number");
    expect(log[1]?.time).toMatch(/Z$/);
    await control().clearRequests();
    expect(await control().requests()).toEqual([]);
  });

  it("logs failed requests with their status", async () => {
    const a = api();
    a.token = "bad";
    await a.get("/api/instances");
    expect((await control().requests()).map((e: { status: number }) => e.status)).toEqual([401]);
  });

  it("reset empties state, faults and the log", async () => {
    await createStack(api(), "before");
    await control().call("POST", "/faults", { path: "^/api/instances$", kind: "status", status: 500 });
    await control().reset();
    expect(await control().requests()).toEqual([]);
    expect((await api().get("/api/instances")).body.items).toEqual([]);
  });

  it("moves the clock with {now} and restores it with DELETE", async () => {
    const set = await control().call("POST", "/clock", { now: "2030-01-01T00:00:00Z" });
    expect(Date.parse(set.now)).toBeGreaterThanOrEqual(Date.parse("2030-01-01T00:00:00Z"));
    const stack = await createStack(api(), "future");
    expect(stack.createdAt.startsWith("2030-01-01")).toBe(true);
    const back = await control().call("DELETE", "/clock");
    expect(Math.abs(Date.parse(back.now) - Date.now())).toBeLessThan(1000);
  });

  it("dumps state without secrets", async () => {
    await createStack(api(), "dump");
    const policy = (await api().post("/api/v1/accesspolicies?region=us", POLICY)).body;
    const token = (await api().post("/api/v1/tokens?region=us", { accessPolicyId: policy.id, name: "t" }))
      .body;
    const account = (
      await api().post("/api/instances/dump/api/serviceaccounts", { name: "bot", role: "Editor" })
    ).body;
    const saToken = (
      await api().post(`/api/instances/dump/api/serviceaccounts/${account.id}/tokens`, {
        name: "bot-token",
        secondsToLive: 60,
      })
    ).body;
    await api().post("/api/instances/dump/plugins", { plugin: "grafana-clock-panel" });
    const state = await control().state();
    expect(state.stacks.map((s: { slug: string }) => s.slug)).toEqual(["dump"]);
    expect(state.accessPolicies.map((p: { id: string }) => p.id)).toEqual([policy.id]);
    expect(state.tokens.map((t: { id: string }) => t.id)).toEqual([token.id]);
    expect(state.plugins).toEqual([
      expect.objectContaining({ stackSlug: "dump", plugin: "grafana-clock-panel" }),
    ]);
    expect(state.serviceAccounts).toEqual([
      expect.objectContaining({
        id: account.id,
        stackSlug: "dump",
        name: "bot",
        role: "Editor",
        isDisabled: false,
      }),
    ]);
    expect(state.serviceAccountTokens).toEqual([
      expect.objectContaining({
        id: saToken.id,
        stackSlug: "dump",
        serviceAccountId: account.id,
        name: "bot-token",
        expiration: expect.stringMatching(/Z$/),
        hasExpired: false,
        lastUsedAt: null,
      }),
    ]);
    const text = JSON.stringify(state);
    expect(text).not.toContain(token.token);
    expect(text).not.toContain(saToken.key);
    expect(text).not.toContain("secretHash");
  });

  it("answers 404 with the error shape for unknown API paths, after auth", async () => {
    expectError(await api().get("/api/nothing-here"), 404, "NotFound");
    const a = api();
    a.token = null;
    expectError(await a.get("/api/nothing-here"), 401, "InvalidCredentials");
  });
});

describe("global latency option", () => {
  const { api, control } = useEmulator({ latencyMs: 1000 });

  it("adds latencyMs to API and stack-URL responses but not to control endpoints", async () => {
    const t0 = Date.now();
    expect((await api().get("/api/stack-regions")).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
    const stack = await createStack(api(), "slowurl");
    const t1 = Date.now();
    expect((await fetch(`${stack.url}/api/health`)).status).toBe(200);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(990);
    const t2 = Date.now();
    await control().requests();
    expect(Date.now() - t2).toBeLessThan(500);
  });
});
