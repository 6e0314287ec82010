import { Api, POLICY, createPolicy, createStack, expectError, useEmulator } from "./helpers";

describe("access-policy rate limit", () => {
  const { api, control } = useEmulator({ rateLimitPerHour: 3 });

  it("answers 429 with Retry-After in seconds after the hourly limit, per token, until a slot frees", async () => {
    expect((await api().post("/api/v1/accesspolicies?region=us", POLICY)).status).toBe(200);
    expect((await api().get("/api/v1/accesspolicies?region=us")).status).toBe(200);
    await control().advanceClock(600);
    expect((await api().get("/api/v1/tokens?region=us")).status).toBe(200);
    const limited = await api().get("/api/v1/accesspolicies?region=us");
    expectError(limited, 429, "TooManyRequests");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(2990);
    expect(retryAfter).toBeLessThanOrEqual(3000);

    // Other endpoints are not limited.
    expect((await api().get("/api/instances")).status).toBe(200);

    // The two requests made at the start leave the window after an hour; the later one stays.
    await control().advanceClock(3001);
    expect((await api().get("/api/v1/accesspolicies?region=us")).status).toBe(200);
    expect((await api().get("/api/v1/accesspolicies?region=us")).status).toBe(200);
    expectError(await api().get("/api/v1/accesspolicies?region=us"), 429, "TooManyRequests");
  });

  it("counts each token separately", async () => {
    const policy = await createPolicy(api(), { scopes: ["accesspolicies:read"] });
    const token = (await api().post("/api/v1/tokens?region=us", { accessPolicyId: policy.id, name: "t" }))
      .body.token;
    await api().get("/api/v1/accesspolicies?region=us");
    expectError(await api().get("/api/v1/accesspolicies?region=us"), 429, "TooManyRequests");
    const other = new Api(api().url, token);
    expect((await other.get("/api/v1/accesspolicies?region=us")).status).toBe(200);
  });

  it("reset clears the counters", async () => {
    for (let i = 0; i < 3; i++) await api().get("/api/v1/accesspolicies?region=us");
    expectError(await api().get("/api/v1/accesspolicies?region=us"), 429, "TooManyRequests");
    await control().reset();
    expect((await api().get("/api/v1/accesspolicies?region=us")).status).toBe(200);
  });
});

describe("rate limit disabled", () => {
  const { api } = useEmulator({ rateLimitPerHour: 0 });

  it("never answers 429 with rateLimitPerHour 0", async () => {
    for (let i = 0; i < 20; i++)
      expect((await api().get("/api/v1/accesspolicies?region=us")).status).toBe(200);
  });
});

describe("access policy tokens as bearer tokens", () => {
  const { api, control } = useEmulator();

  const tokenWith = async (scopes: string[], extra: Record<string, unknown> = {}) => {
    const policy = await createPolicy(api(), {
      name: `p${Math.random().toString(36).slice(2, 8)}`,
      scopes,
      ...extra,
    });
    const res = await api().post("/api/v1/tokens?region=us", {
      accessPolicyId: policy.id,
      name: `t-${policy.name}`,
    });
    return {
      policy,
      token: res.body.token as string,
      id: res.body.id as string,
      client: new Api(api().url, res.body.token),
    };
  };

  it("accepts a created token with its policy's scopes and records its use", async () => {
    const { client, id } = await tokenWith(["accesspolicies:read", "stacks:read"]);
    expect((await client.get("/api/v1/accesspolicies?region=us")).status).toBe(200);
    expect((await client.get("/api/instances")).status).toBe(200);
    const t = await api().get(`/api/v1/tokens/${id}?region=us`);
    expect(t.body.firstUsedAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(t.body.lastUsedAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
  });

  it("answers 401 Unauthorized naming the missing scope on the v1 endpoints", async () => {
    const { client } = await tokenWith(["metrics:read", "logs:read"]);
    const res = await client.get("/api/v1/accesspolicies?region=us");
    expectError(
      res,
      401,
      "Unauthorized",
      "invalid permission: access policy missing required scope [accesspolicies:read], received [metrics:read logs:read]",
    );
    expectError(
      await client.post("/api/v1/tokens?region=us", {}),
      401,
      "Unauthorized",
      /\[accesspolicies:write\]/,
    );
  });

  it("answers 403 for a missing scope on the other endpoints", async () => {
    const { client } = await tokenWith(["stacks:read"]);
    expect((await client.get("/api/instances")).status).toBe(200);
    expectError(
      await client.post("/api/instances", { name: "x", slug: "x" }),
      403,
      "Forbidden",
      /\[stacks:write\]/,
    );
  });

  it("stops accepting a token once deleted, expired, or its policy is inactive", async () => {
    const deleted = await tokenWith(["stacks:read"]);
    await api().delete(`/api/v1/tokens/${deleted.id}?region=us`);
    expectError(await deleted.client.get("/api/instances"), 401, "InvalidCredentials");

    const inactive = await tokenWith(["stacks:read"]);
    await api().post(`/api/v1/accesspolicies/${inactive.policy.id}?region=us`, { status: "inactive" });
    expectError(await inactive.client.get("/api/instances"), 401, "InvalidCredentials");

    const policy = await createPolicy(api(), { name: "expiring", scopes: ["stacks:read"] });
    const expiresAt = new Date(Date.now() + 10_000).toISOString();
    const token = (
      await api().post("/api/v1/tokens?region=us", { accessPolicyId: policy.id, name: "soon", expiresAt })
    ).body.token;
    const client = new Api(api().url, token);
    expect((await client.get("/api/instances")).status).toBe(200);
    await control().advanceClock(11);
    expectError(await client.get("/api/instances"), 401, "InvalidCredentials");
  });
});

describe("a custom token and org", () => {
  const { api } = useEmulator({ token: "secret-123", org: { id: 42, slug: "acme", name: "Acme" } });

  it("accepts only the configured token and reports the configured org", async () => {
    expectError(await api().get("/api/instances"), 401, "InvalidCredentials");
    const a = new Api(api().url, "secret-123");
    const stack = await createStack(a, "acmestack");
    expect(stack).toMatchObject({ orgId: 42, orgSlug: "acme", orgName: "Acme" });
    const listed = await a.get("/api/orgs/acme/instances");
    expect(listed.body.items).toEqual([
      expect.objectContaining({ orgId: 42, orgSlug: "acme", orgName: "Acme" }),
    ]);
    const policy = await createPolicy(a);
    expect(policy.orgId).toBe("42");
  });
});
