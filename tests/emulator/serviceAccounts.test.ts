import { Api, createPolicy, createStack, expectError, useEmulator } from "./helpers";

const SA = (slug: string) => `/api/instances/${slug}/api/serviceaccounts`;

describe("service accounts through the instance proxy", () => {
  const { api, control } = useEmulator();

  const newAccount = async (slug: string, body: Record<string, unknown>) => {
    const res = await api().post(SA(slug), body);
    expect(res.status).toBe(200);
    return res.body as { id: number; name: string; login: string; role: string };
  };
  const newToken = async (slug: string, id: number, body: Record<string, unknown>) => {
    const res = await api().post(`${SA(slug)}/${id}/tokens`, body);
    expect(res.status).toBe(200);
    return res.body as { id: number; name: string; key: string };
  };

  it("creates, gets and deletes an account; the answer is Grafana's account", async () => {
    await createStack(api(), "sa");
    const made = await newAccount("sa", { name: "CI Bot", role: "Editor" });
    expect(made).toEqual({
      id: 2,
      name: "CI Bot",
      login: "sa-1-ci-bot",
      orgId: 1,
      isDisabled: false,
      isExternal: false,
      role: "Editor",
      tokens: 0,
      avatarUrl: expect.stringMatching(/^\/avatar\/[0-9a-f]{32}$/),
    });
    expect((await newAccount("sa", { name: "off", role: "None", isDisabled: true })).id).toBe(3);
    expect((await api().get(`${SA("sa")}/2`)).body).toEqual(made);

    const deleted = await api().delete(`${SA("sa")}/2`);
    expect(deleted.status).toBe(200);
    // No body: the contract gives the delete none.
    expect(deleted.body).toBeUndefined();
    expectError(await api().get(`${SA("sa")}/2`), 404, "NotFound", "service account not found");
    expectError(await api().delete(`${SA("sa")}/2`), 404, "NotFound");
    expectError(await api().get(`${SA("sa")}/two`), 409, "InvalidArgument", /invalid service account id/);
  });

  it("keeps names (and the logins made from them) unique per stack, not across stacks", async () => {
    await createStack(api(), "one");
    await createStack(api(), "two");
    await newAccount("one", { name: "CI Bot", role: "Viewer" });
    expectError(
      await api().post(SA("one"), { name: "CI Bot", role: "Admin" }),
      409,
      "Conflict",
      "service account already exists",
    );
    // Another name with the same login.
    expectError(await api().post(SA("one"), { name: "ci  bot", role: "Admin" }), 409, "Conflict");
    expect((await newAccount("two", { name: "CI Bot", role: "Viewer" })).id).toBe(2);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["missing name", { role: "Viewer" }, /Field is required: name/],
    ["blank name", { name: "  ", role: "Viewer" }, /Field is required: name/],
    ["name over 255 characters", { name: "a".repeat(256), role: "Viewer" }, /at most 255/],
    ["missing role", { name: "x" }, /Field is required: role/],
    ["unknown role", { name: "x", role: "Owner" }, /invalid role specified: Owner/],
    ["lower-case role", { name: "x", role: "viewer" }, /invalid role specified/],
    ["isDisabled not a boolean", { name: "x", role: "Viewer", isDisabled: "yes" }, /isDisabled/],
  ])("refuses an account with %s", async (_l, body, message) => {
    await createStack(api(), "val");
    expectError(await api().post(SA("val"), body), 409, "InvalidArgument", message);
    expect((await control().state()).serviceAccounts).toEqual([]);
  });

  it("search pages with page and perpage, filters by name or login, and answers perPage and totalCount", async () => {
    await createStack(api(), "many");
    for (const name of ["delta", "alpha", "charlie", "bravo", "echo"]) {
      await newAccount("many", { name, role: "Viewer" });
    }
    const all = await api().get(`${SA("many")}/search`);
    expect(all.body).toMatchObject({ totalCount: 5, page: 1, perPage: 1000 });
    expect(all.body.serviceAccounts.map((s: { name: string }) => s.name)).toEqual([
      "alpha",
      "bravo",
      "charlie",
      "delta",
      "echo",
    ]);
    // Grafana answers whole accounts (the contract promises only id and name).
    expect(all.body.serviceAccounts[0]).toMatchObject({
      id: 3,
      name: "alpha",
      login: "sa-1-alpha",
      role: "Viewer",
    });

    const page2 = await api().get(`${SA("many")}/search?perpage=2&page=2`);
    expect(page2.body).toMatchObject({ totalCount: 5, page: 2, perPage: 2 });
    expect(page2.body.serviceAccounts.map((s: { name: string }) => s.name)).toEqual(["charlie", "delta"]);
    const past = await api().get(`${SA("many")}/search?perpage=2&page=4`);
    expect(past.body).toMatchObject({ totalCount: 5, page: 4, serviceAccounts: [] });

    const byName = await api().get(`${SA("many")}/search?query=HAR`);
    expect(byName.body).toMatchObject({ totalCount: 1, serviceAccounts: [{ name: "charlie" }] });
    const byLogin = await api().get(`${SA("many")}/search?query=sa-1-ec`);
    expect(byLogin.body.serviceAccounts.map((s: { name: string }) => s.name)).toEqual(["echo"]);
    expectError(await api().get(`${SA("many")}/search?perpage=0`), 409, "InvalidArgument", /perpage/);
    expectError(await api().get(`${SA("many")}/search?page=first`), 409, "InvalidArgument", /page/);
  });

  it("needs stack-service-accounts:write, for reads too", async () => {
    await createStack(api(), "scoped");
    const sa = await newAccount("scoped", { name: "x", role: "Viewer" });
    const narrow = await createPolicy(api(), {
      name: "narrow",
      scopes: ["stacks:read", "stack-plugins:write"],
    });
    const wide = await createPolicy(api(), { name: "wide", scopes: ["stack-service-accounts:write"] });
    const tokenOf = async (policyId: string, name: string) =>
      (await api().post("/api/v1/tokens?region=us", { accessPolicyId: policyId, name })).body.token as string;
    const n = new Api(api().url, await tokenOf(narrow.id, "narrow"));
    for (const res of [
      await n.get(`${SA("scoped")}/search`),
      await n.get(`${SA("scoped")}/${sa.id}`),
      await n.get(`${SA("scoped")}/${sa.id}/tokens`),
      await n.post(SA("scoped"), { name: "y", role: "Viewer" }),
    ]) {
      expectError(res, 403, "Forbidden", /stack-service-accounts:write/);
    }
    const w = new Api(api().url, await tokenOf(wide.id, "wide"));
    expect((await w.get(`${SA("scoped")}/search`)).status).toBe(200);
    expect((await w.post(`${SA("scoped")}/${sa.id}/tokens`, { name: "t" })).status).toBe(200);
  });

  it("answers 404 for an unknown or deleted stack, 503 Loading while the stack does not run", async () => {
    expectError(await api().get(`${SA("nosuch")}/search`), 404, "NotFound");
    await createStack(api(), "paused");
    await control().setStackStatus("paused", "paused");
    const loading = await api().post(SA("paused"), { name: "x", role: "Viewer" });
    expectError(loading, 503, "Loading");
    expect(loading.headers.get("retry-after")).not.toBeNull();
    await control().setStackStatus("paused", null);
    await newAccount("paused", { name: "x", role: "Viewer" });
    await api().delete("/api/instances/paused");
    expectError(await api().get(`${SA("paused")}/search`), 404, "NotFound");
    const state = await control().state();
    expect([state.serviceAccounts, state.serviceAccountTokens]).toEqual([[], []]);
  });

  describe("tokens", () => {
    it("creates {id, name, key}, lists a bare array without secrets, deletes without a body", async () => {
      await createStack(api(), "tok");
      const sa = await newAccount("tok", { name: "bot", role: "Viewer" });
      const forever = await newToken("tok", sa.id, { name: "forever" });
      expect(forever).toEqual({
        id: 1,
        name: "forever",
        key: expect.stringMatching(/^glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}$/),
      });
      const hour = await newToken("tok", sa.id, { name: "hour", secondsToLive: 3600 });
      const listed = await api().get(`${SA("tok")}/${sa.id}/tokens`);
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual([
        {
          id: forever.id,
          name: "forever",
          created: expect.stringMatching(/Z$/),
          expiration: null,
          secondsUntilExpiration: null,
          hasExpired: false,
          isRevoked: false,
          lastUsedAt: null,
        },
        expect.objectContaining({ id: hour.id, name: "hour", hasExpired: false }),
      ]);
      const expires = Date.parse(listed.body[1].expiration) - Date.parse(listed.body[1].created);
      expect(expires).toBe(3600_000);
      expect(JSON.stringify(listed.body)).not.toContain(forever.key);
      expect((await api().get(`${SA("tok")}/${sa.id}`)).body.tokens).toBe(2);

      const deleted = await api().delete(`${SA("tok")}/${sa.id}/tokens/${forever.id}`);
      expect([deleted.status, deleted.body]).toEqual([200, undefined]);
      expectError(await api().delete(`${SA("tok")}/${sa.id}/tokens/${forever.id}`), 404, "NotFound");
      expect((await api().get(`${SA("tok")}/${sa.id}/tokens`)).body.map((t: { id: number }) => t.id)).toEqual(
        [hour.id],
      );
    });

    it("token names are unique on the stack (across accounts), as in Grafana; expired ones keep theirs", async () => {
      await createStack(api(), "uniq");
      const a = await newAccount("uniq", { name: "a", role: "Viewer" });
      const b = await newAccount("uniq", { name: "b", role: "Viewer" });
      await newToken("uniq", a.id, { name: "shared", secondsToLive: 60 });
      expectError(
        await api().post(`${SA("uniq")}/${b.id}/tokens`, { name: "shared" }),
        409,
        "Conflict",
        "service account token with given name already exists in the organization",
      );
      await control().advanceClock(61);
      const listed = (await api().get(`${SA("uniq")}/${a.id}/tokens`)).body;
      expect(listed).toEqual([
        expect.objectContaining({ name: "shared", hasExpired: true, secondsUntilExpiration: 0 }),
      ]);
      expectError(await api().post(`${SA("uniq")}/${a.id}/tokens`, { name: "shared" }), 409, "Conflict");
      await api().delete(`${SA("uniq")}/${a.id}/tokens/${listed[0].id}`);
      expect((await api().post(`${SA("uniq")}/${b.id}/tokens`, { name: "shared" })).status).toBe(200);
    });

    it.each<[string, Record<string, unknown>, RegExp]>([
      ["missing name", {}, /Field is required: name/],
      ["name over 190 characters", { name: "n".repeat(191) }, /at most 190/],
      ["negative secondsToLive", { name: "t", secondsToLive: -1 }, /invalid SecondsToLive value/],
      ["fractional secondsToLive", { name: "t", secondsToLive: 1.5 }, /invalid SecondsToLive value/],
      ["secondsToLive past the year 9999", { name: "t", secondsToLive: 1e12 }, /invalid SecondsToLive value/],
    ])("refuses a token with %s", async (_l, body, message) => {
      await createStack(api(), "tval");
      const sa = await newAccount("tval", { name: "x", role: "Viewer" });
      expectError(await api().post(`${SA("tval")}/${sa.id}/tokens`, body), 409, "InvalidArgument", message);
    });

    it("answers 404 for the tokens of an unknown account; deleting an account deletes its tokens", async () => {
      await createStack(api(), "casc");
      expectError(await api().get(`${SA("casc")}/99/tokens`), 404, "NotFound");
      expectError(await api().post(`${SA("casc")}/99/tokens`, { name: "t" }), 404, "NotFound");
      const sa = await newAccount("casc", { name: "x", role: "Viewer" });
      const t = await newToken("casc", sa.id, { name: "t" });
      await api().delete(`${SA("casc")}/${sa.id}`);
      expect((await control().state()).serviceAccountTokens).toEqual([]);
      expectError(await new Api(`${api().url}/grafana/casc`, t.key).get("/api/org"), 401, "Unauthorized");
    });
  });

  describe("tokens on the stack URL", () => {
    const stackApi = (slug: string, key: string) => new Api(`${api().url}/grafana/${slug}`, key);

    it("authenticate with their account's role", async () => {
      await createStack(api(), "roles");
      const keyOf = async (role: string) => {
        const sa = await newAccount("roles", { name: `r-${role}`, role });
        return (await newToken("roles", sa.id, { name: `t-${role}` })).key;
      };
      const [none, viewer, editor, admin] = [
        await keyOf("None"),
        await keyOf("Viewer"),
        await keyOf("Editor"),
        await keyOf("Admin"),
      ];
      expectError(await stackApi("roles", none).get("/api/org"), 403, "Forbidden", /orgs:read/);
      for (const key of [viewer, editor, admin]) {
        expect((await stackApi("roles", key).get("/api/org")).body).toEqual({ id: 1, name: "Emulator Org" });
      }
      for (const key of [none, viewer, editor]) {
        expectError(
          await stackApi("roles", key).get("/api/serviceaccounts/search"),
          403,
          "Forbidden",
          /serviceaccounts:read/,
        );
      }
      const search = await stackApi("roles", admin).get("/api/serviceaccounts/search?perpage=2");
      expect(search.body).toMatchObject({ totalCount: 4, perPage: 2 });
      const used = (await control().state()).serviceAccountTokens.find(
        (t: { name: string }) => t.name === "t-Admin",
      );
      expect(used?.lastUsedAt).toMatch(/Z$/);
    });

    it("stop at expiry, when the account is disabled, and on another stack", async () => {
      await createStack(api(), "stop");
      await createStack(api(), "other");
      const sa = await newAccount("stop", { name: "x", role: "Viewer" });
      const short = await newToken("stop", sa.id, { name: "short", secondsToLive: 10 });
      expect((await stackApi("stop", short.key).get("/api/org")).status).toBe(200);
      expectError(await stackApi("other", short.key).get("/api/org"), 401, "Unauthorized", "Invalid API key");
      await control().advanceClock(11);
      expectError(await stackApi("stop", short.key).get("/api/org"), 401, "Unauthorized", "Expired API key");

      const off = await newAccount("stop", { name: "off", role: "Admin", isDisabled: true });
      const offKey = (await newToken("stop", off.id, { name: "off" })).key;
      expectError(
        await stackApi("stop", offKey).get("/api/org"),
        401,
        "Unauthorized",
        "Disabled service account",
      );
      expectError(
        await stackApi("stop", "glsa_nope").get("/api/org"),
        401,
        "Unauthorized",
        "Invalid API key",
      );
    });
  });
});

describe("API keys removed (the default, Grafana 12.1 and later)", () => {
  const { api } = useEmulator();

  it("answers 404 on the Cloud API's key route for a running stack, whatever the body", async () => {
    const stack = await createStack(api(), "nokeys");
    expectError(
      await api().post("/api/instances/nokeys/api/auth/keys", { name: "k", role: "Admin" }),
      404,
      "NotFound",
      "Not found",
    );
    expectError(await api().post("/api/instances/nokeys/api/auth/keys", { role: "Owner" }), 404, "NotFound");
    // An unknown stack is a 404 too, but says so.
    expectError(
      await api().post("/api/instances/nosuch/api/auth/keys", { name: "k", role: "Admin" }),
      404,
      "NotFound",
      /Cloud Stack nosuch not found/,
    );
    const stackUrl = new Api(stack.url, "anything");
    expectError(await stackUrl.get("/api/auth/keys?includeExpired=true"), 404, "NotFound");
    expectError(await stackUrl.delete("/api/auth/keys/1"), 404, "NotFound");
    expect((await new Api(stack.url, null).get("/api/health")).body.version).toBe("12.1.0");
  });
});

describe("API keys and tokens share names (stacks with API keys)", () => {
  const { api } = useEmulator({ stackApiKeys: "legacy" });

  it("a key's name is taken for tokens and a token's for keys; Admin tokens may list keys", async () => {
    const stack = await createStack(api(), "both");
    expect(
      (await api().post("/api/instances/both/api/auth/keys", { name: "k", role: "Viewer" })).status,
    ).toBe(200);
    const sa = (await api().post(SA("both"), { name: "x", role: "Admin" })).body;
    expectError(await api().post(`${SA("both")}/${sa.id}/tokens`, { name: "k" }), 409, "Conflict");
    const token = (await api().post(`${SA("both")}/${sa.id}/tokens`, { name: "t" })).body;
    // Keys and tokens are numbered together.
    expect(token.id).toBe(2);
    expectError(
      await api().post("/api/instances/both/api/auth/keys", { name: "t", role: "Viewer" }),
      409,
      "Conflict",
    );
    const listed = await new Api(stack.url, token.key).get("/api/auth/keys");
    expect(listed.body).toEqual([{ id: 1, name: "k", role: "Viewer" }]);
    expect((await new Api(stack.url, null).get("/api/health")).body.version).toBe("11.5.0");
  });
});
