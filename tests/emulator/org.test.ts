import { Api, createStack, expectError, useEmulator } from "./helpers";

describe("org, org API keys and billed usage", () => {
  const { api } = useEmulator();

  it("gets the org by slug or id, and 404 for another org", async () => {
    for (const org of ["emulator-org", "1"]) {
      const res = await api().get(`/api/orgs/${org}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: 1, slug: "emulator-org", name: "Emulator Org" });
    }
    expectError(await api().get("/api/orgs/other"), 404, "NotFound");
  });

  it("creates, lists and deletes org API keys by name", async () => {
    const created = await api().post("/api/orgs/emulator-org/api-keys", { name: "ci", role: "Admin" });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      name: "ci",
      role: "Admin",
      orgSlug: "emulator-org",
      token: expect.any(String),
    });
    const listed = await api().get("/api/orgs/emulator-org/api-keys");
    expect(listed.body.items).toEqual([expect.objectContaining({ name: "ci", role: "Admin" })]);
    expect(listed.body.items[0].token).toBeUndefined();
    // A deprecated Admin org key still works as a bearer token.
    expect((await new Api(api().url, created.body.token).get("/api/instances")).status).toBe(200);
    const deleted = await api().delete("/api/orgs/emulator-org/api-keys/ci");
    expect(deleted.status).toBe(200);
    expect(deleted.body).toBe(true);
    expectError(await api().delete("/api/orgs/emulator-org/api-keys/ci"), 404, "NotFound");
    expectError(
      await new Api(api().url, created.body.token).get("/api/instances"),
      401,
      "InvalidCredentials",
    );
  });

  it.each([
    [{ role: "Admin" }, 409, "InvalidArgument", /name/],
    [{ name: "k", role: "Owner" }, 409, "InvalidArgument", /role/],
  ])("rejects org key %j", async (body, status, code, message) => {
    expectError(await api().post("/api/orgs/emulator-org/api-keys", body), status, code, message);
  });

  it("answers 409 for a duplicate org key name and lets a Viewer key only read", async () => {
    const viewer = await api().post("/api/orgs/emulator-org/api-keys", { name: "v", role: "Viewer" });
    expectError(
      await api().post("/api/orgs/emulator-org/api-keys", { name: "v", role: "Admin" }),
      409,
      "Conflict",
    );
    const client = new Api(api().url, viewer.body.token);
    expect((await client.get("/api/instances")).status).toBe(200);
    expectError(await client.post("/api/instances", { name: "x", slug: "x" }), 403, "Forbidden");
  });

  it("reports billed usage per live stack for a month, and 409 without month or year", async () => {
    await createStack(api(), "billed", { labels: { team: "a" } });
    const res = await api().get("/api/orgs/emulator-org/billed-usage?month=9&year=2024");
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { dimensionId: string }) => i.dimensionId)).toEqual(["hl", "hm", "hg"]);
    expect(res.body.items[0]).toMatchObject({
      periodStart: "2024-09-01T00:00:00Z",
      periodEnd: "2024-09-30T23:59:59Z",
      description: "Hosted Logs Usage - September 2024",
      usages: [expect.objectContaining({ stackName: "billed", stackLabels: { team: "a" }, totalUsage: 0 })],
    });
    expectError(
      await api().get("/api/orgs/emulator-org/billed-usage?year=2024"),
      409,
      "InvalidArgument",
      "Field is required: month",
    );
    expectError(
      await api().get("/api/orgs/emulator-org/billed-usage?month=1"),
      409,
      "InvalidArgument",
      "Field is required: year",
    );
    expectError(
      await api().get("/api/orgs/emulator-org/billed-usage?month=13&year=2024"),
      409,
      "InvalidArgument",
    );
  });
});
