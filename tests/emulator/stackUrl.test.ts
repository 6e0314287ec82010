import { Api, createStack, expectError, useEmulator } from "./helpers";

describe("hosted Grafana API keys and the stack URL (stacks with API keys)", () => {
  const { api, control } = useEmulator({ stackApiKeys: "legacy" });

  const createKey = async (slug: string, body: Record<string, unknown>) => {
    const res = await api().post(`/api/instances/${slug}/api/auth/keys`, body);
    expect(res.status).toBe(200);
    return res.body as { id: number; name: string; key: string };
  };

  /** A client for the stack's own URL, authenticated with a stack API key. */
  const stackApi = (stackUrl: string, key: string | null) => new Api(stackUrl, key);

  it("creates keys through the Cloud API and lists and deletes them on the stack URL with an Admin key", async () => {
    const stack = await createStack(api(), "keys");
    const admin = await createKey("keys", { name: "admin", role: "Admin" });
    expect(admin).toEqual({ id: 1, name: "admin", key: expect.any(String) });
    const viewer = await createKey(String(stack.id), { name: "viewer", role: "Viewer", secondsToLive: 3600 });
    expect(viewer.id).toBe(2);

    const s = stackApi(stack.url, admin.key);
    const listed = await s.get("/api/auth/keys?includeExpired=true");
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      { id: 1, name: "admin", role: "Admin" },
      { id: 2, name: "viewer", role: "Viewer", expiration: expect.stringMatching(/Z$/) },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(admin.key);

    const del = await s.delete("/api/auth/keys/2");
    expect(del.status).toBe(200);
    expect((await s.get("/api/auth/keys")).body.map((k: { name: string }) => k.name)).toEqual(["admin"]);
    expectError(await s.delete("/api/auth/keys/2"), 404, "NotFound");
  });

  it("lists expired keys only with includeExpired=true, with their expiration", async () => {
    const stack = await createStack(api(), "exp");
    const admin = await createKey("exp", { name: "admin", role: "Admin" });
    await createKey("exp", { name: "short", role: "Editor", secondsToLive: 60 });
    await control().advanceClock(120);
    const s = stackApi(stack.url, admin.key);
    expect((await s.get("/api/auth/keys")).body.map((k: { name: string }) => k.name)).toEqual(["admin"]);
    const all = await s.get("/api/auth/keys?includeExpired=true");
    expect(all.body.map((k: { name: string }) => k.name)).toEqual(["admin", "short"]);
    expect(Date.parse(all.body[1].expiration)).toBeLessThan(Date.parse(await control().clock()));
    // An expired key keeps its name taken until deleted, as in Grafana.
    expectError(
      await api().post("/api/instances/exp/api/auth/keys", { name: "short", role: "Viewer" }),
      409,
      "Conflict",
    );
  });

  it.each([
    ["no key", null],
    ["a wrong key", "nope"],
  ])("answers 401 on the stack URL with %s", async (_l, key) => {
    const stack = await createStack(api(), "auth");
    expectError(await stackApi(stack.url, key).get("/api/auth/keys"), 401, "Unauthorized");
  });

  it("answers 403 for a non-Admin key; 401 for an expired Admin key and another stack's Admin key", async () => {
    const one = await createStack(api(), "one");
    const two = await createStack(api(), "two");
    const editor = await createKey("one", { name: "ed", role: "Editor" });
    const expiring = await createKey("one", { name: "adm", role: "Admin", secondsToLive: 10 });
    const otherAdmin = await createKey("two", { name: "adm", role: "Admin" });
    expectError(
      await stackApi(one.url, editor.key).get("/api/auth/keys"),
      403,
      "Forbidden",
      /Permissions needed: apikeys:read/,
    );
    expectError(await stackApi(one.url, otherAdmin.key).get("/api/auth/keys"), 401, "Unauthorized");
    expect((await stackApi(one.url, expiring.key).get("/api/auth/keys")).status).toBe(200);
    await control().advanceClock(11);
    expectError(
      await stackApi(one.url, expiring.key).delete("/api/auth/keys/1"),
      401,
      "Unauthorized",
      "Expired API key",
    );
    expect((await stackApi(two.url, otherAdmin.key).get("/api/auth/keys")).status).toBe(200);
  });

  const invalid: Array<[string, Record<string, unknown>, number, string, RegExp]> = [
    ["missing name", { role: "Admin" }, 409, "InvalidArgument", /Field is required: name/],
    ["invalid role", { name: "k", role: "Owner" }, 409, "InvalidArgument", /Invalid role Owner/],
    ["missing role", { name: "k" }, 409, "InvalidArgument", /Invalid role/],
    [
      "negative secondsToLive",
      { name: "k", role: "Admin", secondsToLive: -1 },
      409,
      "InvalidArgument",
      /secondsToLive/,
    ],
  ];
  it.each(invalid)("rejects a key with %s", async (_l, body, status, code, message) => {
    await createStack(api(), "val");
    expectError(await api().post("/api/instances/val/api/auth/keys", body), status, code, message);
  });

  it("answers 409 for a duplicate key name on one stack, and 404 for an unknown stack", async () => {
    await createStack(api(), "dup");
    await createStack(api(), "dup2");
    await createKey("dup", { name: "k", role: "Viewer" });
    expectError(
      await api().post("/api/instances/dup/api/auth/keys", { name: "k", role: "Admin" }),
      409,
      "Conflict",
    );
    await createKey("dup2", { name: "k", role: "Viewer" });
    expectError(
      await api().post("/api/instances/nosuch/api/auth/keys", { name: "k", role: "Admin" }),
      404,
      "NotFound",
    );
  });

  it("requires the Cloud token for key creation", async () => {
    await createStack(api(), "tok");
    const a = api();
    a.token = "wrong";
    expectError(
      await a.post("/api/instances/tok/api/auth/keys", { name: "k", role: "Admin" }),
      401,
      "InvalidCredentials",
    );
  });

  it("answers /api/health and /login on an active stack, and 404 for unknown stacks", async () => {
    const stack = await createStack(api(), "health");
    const s = stackApi(stack.url, null);
    const health = await s.get("/api/health");
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ database: "ok", version: expect.any(String) });
    expect((await s.get("/login")).status).toBe(200);
    expectError(await stackApi(`${api().url}/grafana/nosuch`, null).get("/api/health"), 404, "NotFound");
  });

  it("deleting the stack removes its keys and its URL", async () => {
    const stack = await createStack(api(), "bye");
    await createKey("bye", { name: "admin", role: "Admin" });
    await api().delete("/api/instances/bye");
    expectError(await stackApi(stack.url, null).get("/api/health"), 404, "NotFound");
    expect((await control().state()).stackApiKeys).toEqual([]);
  });
});

describe("the stack URL while the stack starts", () => {
  // A delay far longer than the test: only the emulator clock moves past it.
  const { api, control } = useEmulator({ readinessDelayMs: 60_000, stackApiKeys: "legacy" });

  it("answers 503 Loading with Retry-After until active, then 200", async () => {
    const stack = await createStack(api(), "loading");
    const s = new Api(stack.url, null);
    for (const path of ["/api/health", "/login", "/api/auth/keys", "/api/dashboards/home"]) {
      const res = await s.get(path);
      expectError(res, 503, "Loading", "Your instance is loading...");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expectError(
      await api().post("/api/instances/loading/api/auth/keys", { name: "k", role: "Admin" }),
      503,
      "Loading",
    );
    await control().advanceClock(61);
    expect((await s.get("/api/health")).status).toBe(200);
    expect((await s.get("/login")).status).toBe(200);
    expectError(await s.get("/api/dashboards/home"), 404, "NotFound");
  });
});
