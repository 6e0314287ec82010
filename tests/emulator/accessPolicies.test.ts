import { POLICY, Res, createPolicy, expectError, useEmulator } from "./helpers";

describe("access policies", () => {
  const { api } = useEmulator();

  it("creates, gets, lists, updates and deletes a policy", async () => {
    const created = await createPolicy(api());
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      orgId: "1",
      name: "stack-readers",
      displayName: "Stack Readers",
      scopes: POLICY.scopes,
      realms: POLICY.realms,
      conditions: POLICY.conditions,
      status: "active",
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: created.createdAt,
    });

    const got = await api().get(`/api/v1/accesspolicies/${created.id}?region=us`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created);
    expect(got.headers.get("content-type")).toMatch(/application\/json/);
    expect(got.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const listed = await api().get("/api/v1/accesspolicies?region=us");
    expect(listed.body).toEqual({
      items: [created],
      metadata: { pagination: { pageSize: 500, pageCursor: "", nextPage: null } },
    });

    const updated = await api().post(`/api/v1/accesspolicies/${created.id}?region=us`, {
      displayName: "Readers",
      scopes: ["metrics:read"],
      realms: [{ type: "org", identifier: "1" }],
      conditions: { allowedSubnets: ["10.0.0.0/8"] },
      status: "inactive",
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      id: created.id,
      name: "stack-readers",
      displayName: "Readers",
      scopes: ["metrics:read"],
      realms: [{ type: "org", identifier: "1", labelPolicies: [] }],
      conditions: { allowedSubnets: ["10.0.0.0/8"] },
      status: "inactive",
      createdAt: created.createdAt,
    });

    const deleted = await api().delete(`/api/v1/accesspolicies/${created.id}?region=us`);
    // 200 as the contract says, with no body.
    expect(deleted.status).toBe(200);
    expect(deleted.body).toBeUndefined();
    expectError(await api().get(`/api/v1/accesspolicies/${created.id}?region=us`), 404, "NotFound");
  });

  it("defaults displayName to name and leaves conditions null when none are given", async () => {
    const created = await createPolicy(api(), {
      name: "minimal",
      displayName: undefined,
      conditions: undefined,
    });
    expect(created).toMatchObject({
      name: "minimal",
      displayName: "minimal",
      conditions: null,
      status: "active",
    });
  });

  it.each([
    ["null", null],
    ["{}", {}],
    ["allowedSubnets: []", { allowedSubnets: [] }],
  ])("update with conditions %s clears them", async (_label, conditions) => {
    const created = await createPolicy(api());
    const res = await api().post(`/api/v1/accesspolicies/${created.id}?region=us`, { conditions });
    expect(res.status).toBe(200);
    expect(res.body.conditions).toBeNull();
    expect(res.body.scopes).toEqual(POLICY.scopes);
  });

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ["missing name", { name: undefined }, /^name: is required/],
    ["uppercase name", { name: "Stack-Readers" }, /^name: must be 1-255 characters/],
    ["name with a dot", { name: "a.b" }, /^name: /],
    ["name over 255 characters", { name: "a".repeat(256) }, /^name: /],
    ["empty displayName", { displayName: "" }, /^displayName: /],
    ["displayName over 255 characters", { displayName: "x".repeat(256) }, /^displayName: /],
    ["no scopes", { scopes: [] }, /^scopes: at least one/],
    ["missing scopes", { scopes: undefined }, /^scopes: /],
    ["scope without permission", { scopes: ["metrics"] }, /^scopes\[0\]: "metrics" is not of the form/],
    ["scope with spaces", { scopes: ["metrics:read", "logs: write"] }, /^scopes\[1\]: /],
    ["no realms", { realms: [] }, /^realms: at least one/],
    [
      "realm type",
      { realms: [{ type: "team", identifier: "1" }] },
      /^realms\[0\]\.type: must be "org" or "stack"/,
    ],
    [
      "realm identifier",
      { realms: [{ type: "org", identifier: "" }] },
      /^realms\[0\]\.identifier: is required/,
    ],
    [
      "empty label selector",
      { realms: [{ type: "stack", identifier: "1", labelPolicies: [{ selector: "" }] }] },
      /^realms\[0\]\.labelPolicies\[0\]\.selector: is required/,
    ],
    [
      "bare IP",
      { conditions: { allowedSubnets: ["10.1.2.99"] } },
      /^conditions\.allowedSubnets\[0\]: "10\.1\.2\.99"/,
    ],
    [
      "bad IPv4 prefix",
      { conditions: { allowedSubnets: ["10.0.0.0/33"] } },
      /^conditions\.allowedSubnets\[0\]/,
    ],
    [
      "bad IPv6 prefix",
      { conditions: { allowedSubnets: ["2001:db8::/129"] } },
      /^conditions\.allowedSubnets\[0\]/,
    ],
    ["not an IP", { conditions: { allowedSubnets: ["example.com/24"] } }, /^conditions\.allowedSubnets\[0\]/],
    ["status", { status: "enabled" }, /^status: must be "active" or "inactive"/],
  ];
  it.each(invalid)(
    "rejects %s with 400 InvalidArgument naming the field",
    async (_label, overrides, message) => {
      const res = await api().post("/api/v1/accesspolicies?region=us", { ...POLICY, ...overrides });
      expectError(res, 400, "InvalidArgument", message);
    },
  );

  it("accepts scopes of services it has never heard of", async () => {
    const created = await createPolicy(api(), {
      scopes: ["datadog:validate", "stack-plugins:write", "new-thing:do"],
    });
    expect(created.scopes).toEqual(["datadog:validate", "stack-plugins:write", "new-thing:do"]);
  });

  it("answers 409 for a duplicate name in the same region, but allows it in another region", async () => {
    await createPolicy(api());
    expectError(
      await api().post("/api/v1/accesspolicies?region=us", POLICY),
      409,
      "Conflict",
      /already exists/,
    );
    const eu = await api().post("/api/v1/accesspolicies?region=eu", POLICY);
    expect(eu.status).toBe(200);
  });

  it("refuses to change the name on update and validates updated fields", async () => {
    const created = await createPolicy(api());
    const path = `/api/v1/accesspolicies/${created.id}?region=us`;
    expectError(
      await api().post(path, { name: "renamed" }),
      400,
      "InvalidArgument",
      "name: cannot be changed",
    );
    expectError(await api().post(path, { scopes: [] }), 400, "InvalidArgument", /^scopes: /);
    expectError(await api().post(path, { status: "paused" }), 400, "InvalidArgument", /^status: /);
    expect((await api().post(path, { name: "stack-readers", displayName: "Same" })).status).toBe(200);
  });

  it.each([
    ["GET", "/api/v1/accesspolicies"],
    ["POST", "/api/v1/accesspolicies"],
    ["GET", "/api/v1/accesspolicies/00000000-0000-0000-0000-000000000000"],
    ["DELETE", "/api/v1/accesspolicies/00000000-0000-0000-0000-000000000000"],
  ])("%s %s without region answers 400, with an unknown region 404", async (method, path) => {
    const body = method === "POST" ? POLICY : undefined;
    expectError(
      await api().call(method, path, body),
      400,
      "InvalidArgument",
      "region: query parameter is required",
    );
    expectError(
      await api().call(method, `${path}?region=mars`, body),
      404,
      "NotFound",
      "stack region not found",
    );
  });

  it("keeps policies per region: a policy is not found in another region", async () => {
    const created = await createPolicy(api());
    expectError(await api().get(`/api/v1/accesspolicies/${created.id}?region=eu`), 404, "NotFound");
    expect((await api().get("/api/v1/accesspolicies?region=eu")).body.items).toEqual([]);
  });

  it.each([
    ["missing", null],
    ["wrong", "Bearer nope"],
    ["not bearer", "Basic ZW11bGF0b3ItdG9rZW4="],
  ])("answers 401 InvalidCredentials for a %s token", async (_label, auth) => {
    const headers: Record<string, string> = auth === null ? {} : { authorization: auth };
    const a = api();
    a.token = null;
    const res = await a.get("/api/v1/accesspolicies?region=us", headers);
    expectError(res, 401, "InvalidCredentials", "Token invalid");
  });

  it("answers 404 for unknown ids and 400 for a body that is not an object", async () => {
    expectError(await api().get("/api/v1/accesspolicies/nope?region=us"), 404, "NotFound");
    expectError(await api().post("/api/v1/accesspolicies/nope?region=us", {}), 404, "NotFound");
    expectError(await api().post("/api/v1/accesspolicies?region=us", [1, 2]), 400, "InvalidArgument");
  });

  describe("list filters and paging", () => {
    beforeEach(async () => {
      await createPolicy(api(), { name: "org-a", realms: [{ type: "org", identifier: "1" }] });
      await createPolicy(api(), { name: "stack-a", realms: [{ type: "stack", identifier: "10" }] });
      await createPolicy(api(), {
        name: "stack-b",
        realms: [{ type: "stack", identifier: "20" }],
        status: "inactive",
      });
      await createPolicy(api(), { name: "stack-c", realms: [{ type: "stack", identifier: "10" }] });
      await createPolicy(api(), { name: "stack-d", realms: [{ type: "stack", identifier: "30" }] });
    });

    it.each([
      ["name=stack-b", ["stack-b"]],
      ["name=stack", []],
      ["realmType=org", ["org-a"]],
      ["realmType=stack&realmIdentifier=10", ["stack-a", "stack-c"]],
      ["status=inactive", ["stack-b"]],
      ["status=active&realmType=stack", ["stack-a", "stack-c", "stack-d"]],
    ])("filters by %s", async (query, names) => {
      const res = await api().get(`/api/v1/accesspolicies?region=us&${query}`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((p: { name: string }) => p.name)).toEqual(names);
    });

    it.each([
      ["realmIdentifier=10", /^realmIdentifier: requires realmType/],
      ["realmType=team", /^realmType: /],
      ["status=gone", /^status: /],
      ["pageSize=0", /^pageSize: /],
      ["pageSize=501", /^pageSize: /],
      ["pageSize=abc", /^pageSize: /],
      ["pageCursor=garbage", /^pageCursor: /],
    ])("rejects %s with 400", async (query, message) => {
      expectError(
        await api().get(`/api/v1/accesspolicies?region=us&${query}`),
        400,
        "InvalidArgument",
        message,
      );
    });

    it("pages through all items with nextPage, keeping the other query parameters", async () => {
      const names: string[] = [];
      let path: string | null = "/v1/accesspolicies?region=us&realmType=stack&pageSize=2";
      let pages = 0;
      while (path !== null) {
        const res: Res = await api().get(`/api${path}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        names.push(...res.body.items.map((p: { name: string }) => p.name));
        path = res.body.metadata.pagination.nextPage;
        if (path !== null) {
          expect(path).toMatch(/^\/v1\/accesspolicies\?region=us&realmType=stack&pageSize=2&pageCursor=.+/);
        }
        pages += 1;
      }
      expect(pages).toBe(2);
      expect(names).toEqual(["stack-a", "stack-b", "stack-c", "stack-d"]);
    });

    it("does not skip items when one is deleted between pages", async () => {
      const first = await api().get("/api/v1/accesspolicies?region=us&pageSize=2");
      expect(first.body.items.map((p: { name: string }) => p.name)).toEqual(["org-a", "stack-a"]);
      await api().delete(`/api/v1/accesspolicies/${first.body.items[1].id}?region=us`);
      const second = await api().get(`/api${first.body.metadata.pagination.nextPage}`);
      expect(second.body.items.map((p: { name: string }) => p.name)).toEqual(["stack-b", "stack-c"]);
      const third = await api().get(`/api${second.body.metadata.pagination.nextPage}`);
      expect(third.body.items.map((p: { name: string }) => p.name)).toEqual(["stack-d"]);
      expect(third.body.metadata.pagination.nextPage).toBeNull();
    });

    it("treats an empty pageCursor as the first page", async () => {
      const res = await api().get("/api/v1/accesspolicies?region=us&pageCursor=&pageSize=1");
      expect(res.body.items.map((p: { name: string }) => p.name)).toEqual(["org-a"]);
    });
  });
});
