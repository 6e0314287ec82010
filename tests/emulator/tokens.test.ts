import { createPolicy, expectError, useEmulator } from "./helpers";

describe("tokens", () => {
  const { api, control } = useEmulator();

  const createToken = async (policyId: string, body: Record<string, unknown> = {}, region = "us") => {
    const res = await api().post(`/api/v1/tokens?region=${region}`, {
      accessPolicyId: policyId,
      name: "mytoken",
      ...body,
    });
    expect(res.status).toBe(200);
    return res.body;
  };

  it("creates a token whose secret is returned once, in the glc_ format", async () => {
    const policy = await createPolicy(api());
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await createToken(policy.id, { displayName: "My Token", expiresAt });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      accessPolicyId: policy.id,
      name: "mytoken",
      displayName: "My Token",
      expiresAt,
      firstUsedAt: null,
      lastUsedAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      token: expect.stringMatching(/^glc_[A-Za-z0-9+/=]+$/),
    });
    const decoded = JSON.parse(Buffer.from(created.token.slice(4), "base64").toString("utf8"));
    expect(decoded).toMatchObject({ o: "1", n: "mytoken", k: expect.any(String), m: { r: "us" } });

    const got = await api().get(`/api/v1/tokens/${created.id}?region=us`);
    expect(got.status).toBe(200);
    expect(got.body.token).toBeUndefined();
    const { token: _secret, ...withoutSecret } = created;
    expect(got.body).toEqual(withoutSecret);

    const listed = await api().get("/api/v1/tokens?region=us");
    expect(listed.body.items).toEqual([withoutSecret]);
    expect(JSON.stringify(listed.body)).not.toContain(created.token);
  });

  it("defaults displayName to name and expiresAt to null", async () => {
    const policy = await createPolicy(api());
    expect(await createToken(policy.id)).toMatchObject({ displayName: "mytoken", expiresAt: null });
  });

  it("updates displayName and expiresAt, and null clears expiresAt", async () => {
    const policy = await createPolicy(api());
    const created = await createToken(policy.id);
    const path = `/api/v1/tokens/${created.id}?region=us`;
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const updated = await api().post(path, { displayName: "Renamed", expiresAt });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ displayName: "Renamed", expiresAt, name: "mytoken" });
    expect(updated.body.token).toBeUndefined();
    const cleared = await api().post(path, { expiresAt: null });
    expect(cleared.body).toMatchObject({ displayName: "Renamed", expiresAt: null });
    expectError(await api().post(path, { name: "other" }), 400, "InvalidArgument", "name: cannot be changed");
  });

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ["missing accessPolicyId", { accessPolicyId: undefined }, /^accessPolicyId: is required/],
    ["missing name", { name: undefined }, /^name: is required/],
    ["uppercase name", { name: "MyToken" }, /^name: must be 1-255 characters/],
    ["empty displayName", { displayName: "" }, /^displayName: /],
    ["expiresAt not a time", { expiresAt: "tomorrow" }, /^expiresAt: must be an RFC 3339 time/],
    ["expiresAt in the past", { expiresAt: "2020-01-01T00:00:00Z" }, /^expiresAt: must be in the future/],
  ];
  it.each(invalid)("rejects %s with 400", async (_label, overrides, message) => {
    const policy = await createPolicy(api());
    const res = await api().post("/api/v1/tokens?region=us", {
      accessPolicyId: policy.id,
      name: "t",
      ...overrides,
    });
    expectError(res, 400, "InvalidArgument", message);
  });

  it("answers 404 when the access policy does not exist in that region", async () => {
    const policy = await createPolicy(api());
    const body = { accessPolicyId: policy.id, name: "t" };
    expectError(await api().post("/api/v1/tokens?region=eu", body), 404, "NotFound", /access policy/);
    expectError(
      await api().post("/api/v1/tokens?region=us", { ...body, accessPolicyId: "nope" }),
      404,
      "NotFound",
      /access policy nope not found/,
    );
  });

  it("answers 409 for a duplicate token name in the same org and region", async () => {
    const p1 = await createPolicy(api(), { name: "p1" });
    const p2 = await createPolicy(api(), { name: "p2" });
    await createToken(p1.id);
    expectError(
      await api().post("/api/v1/tokens?region=us", { accessPolicyId: p1.id, name: "mytoken" }),
      409,
      "Conflict",
    );
    expectError(
      await api().post("/api/v1/tokens?region=us", { accessPolicyId: p2.id, name: "mytoken" }),
      409,
      "Conflict",
    );
  });

  it("requires region on every call", async () => {
    expectError(await api().get("/api/v1/tokens"), 400, "InvalidArgument", /^region: /);
    expectError(await api().post("/api/v1/tokens", {}), 400, "InvalidArgument", /^region: /);
    expectError(await api().get("/api/v1/tokens/x"), 400, "InvalidArgument", /^region: /);
    expectError(await api().delete("/api/v1/tokens/x"), 400, "InvalidArgument", /^region: /);
    expectError(await api().get("/api/v1/tokens?region=nowhere"), 404, "NotFound", "stack region not found");
  });

  it("deletes a token, and 404 afterwards", async () => {
    const policy = await createPolicy(api());
    const created = await createToken(policy.id);
    const deleted = await api().delete(`/api/v1/tokens/${created.id}?region=us`);
    // 200 with an empty object, as the contract says.
    expect({ status: deleted.status, body: deleted.body }).toEqual({ status: 200, body: {} });
    expectError(await api().get(`/api/v1/tokens/${created.id}?region=us`), 404, "NotFound");
    expectError(await api().delete(`/api/v1/tokens/${created.id}?region=us`), 404, "NotFound");
  });

  it("deleting the access policy deletes its tokens", async () => {
    const policy = await createPolicy(api());
    const other = await createPolicy(api(), { name: "other" });
    const t1 = await createToken(policy.id, { name: "t1" });
    await createToken(policy.id, { name: "t2" });
    const kept = await createToken(other.id, { name: "t3" });
    expect((await api().delete(`/api/v1/accesspolicies/${policy.id}?region=us`)).status).toBe(200);
    expectError(await api().get(`/api/v1/tokens/${t1.id}?region=us`), 404, "NotFound");
    const listed = await api().get("/api/v1/tokens?region=us");
    expect(listed.body.items.map((t: { id: string }) => t.id)).toEqual([kept.id]);
    const state = await control().state();
    expect(state.tokens.map((t: { name: string }) => t.name)).toEqual(["t3"]);
  });

  it("expired tokens disappear: 404 and not listed, once the clock passes expiresAt", async () => {
    const policy = await createPolicy(api());
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    const created = await createToken(policy.id, { expiresAt });
    await createToken(policy.id, { name: "forever" });
    expect((await api().get(`/api/v1/tokens/${created.id}?region=us`)).status).toBe(200);

    await control().advanceClock(61);
    expectError(await api().get(`/api/v1/tokens/${created.id}?region=us`), 404, "NotFound");
    const listed = await api().get("/api/v1/tokens?region=us");
    expect(listed.body.items.map((t: { name: string }) => t.name)).toEqual(["forever"]);
    await control().call("DELETE", "/clock");
  });

  describe("list filters and paging", () => {
    let p1: { id: string };
    beforeEach(async () => {
      p1 = await createPolicy(api(), { name: "p1", realms: [{ type: "org", identifier: "1" }] });
      const p2 = await createPolicy(api(), { name: "p2", status: "inactive" });
      const day = 86_400_000;
      await createToken(p1.id, { name: "a", expiresAt: new Date(Date.now() + day).toISOString() });
      await createToken(p1.id, { name: "b", expiresAt: new Date(Date.now() + 10 * day).toISOString() });
      await createToken(p2.id, { name: "c" });
      await createToken(p2.id, { name: "d", expiresAt: new Date(Date.now() + 5 * day).toISOString() });
    });

    it.each([
      [() => `accessPolicyId=${p1.id}`, ["a", "b"]],
      [() => "accessPolicyName=p2", ["c", "d"]],
      [() => "accessPolicyStatus=inactive", ["c", "d"]],
      [() => "accessPolicyRealmType=org", ["a", "b"]],
      [() => "accessPolicyRealmType=stack&accessPolicyRealmIdentifier=123", ["c", "d"]],
      [() => "name=b", ["b"]],
      [() => `expiresBefore=${new Date(Date.now() + 6 * 86_400_000).toISOString()}`, ["a", "d"]],
      [() => `expiresAfter=${new Date(Date.now() + 2 * 86_400_000).toISOString()}`, ["b", "d"]],
    ])("filters (%#)", async (query, names) => {
      const res = await api().get(`/api/v1/tokens?region=us&${query()}`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((t: { name: string }) => t.name)).toEqual(names);
    });

    it("rejects a malformed expiresBefore", async () => {
      expectError(
        await api().get("/api/v1/tokens?region=us&expiresBefore=soon"),
        400,
        "InvalidArgument",
        /^expiresBefore/,
      );
    });

    it("pages with pageSize and nextPage", async () => {
      const first = await api().get("/api/v1/tokens?region=us&pageSize=3");
      expect(first.body.items.map((t: { name: string }) => t.name)).toEqual(["a", "b", "c"]);
      const next = first.body.metadata.pagination.nextPage;
      expect(next).toMatch(/^\/v1\/tokens\?region=us&pageSize=3&pageCursor=/);
      const second = await api().get(`/api${next}`);
      expect(second.body.items.map((t: { name: string }) => t.name)).toEqual(["d"]);
      expect(second.body.metadata.pagination).toEqual({ pageSize: 3, pageCursor: "", nextPage: null });
    });
  });
});
