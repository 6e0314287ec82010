import { POLICY, createPolicy, expectError, useEmulator } from "./helpers";

/**
 * The differences `strictContract` switches, seen side by side; tests/contract checks every
 * answer of both modes against the contract's schemas.
 */
describe.each([
  ["observed (default)", false],
  ["strict contract", true],
])("mode: %s", (_mode, strict) => {
  const { api } = useEmulator({ strictContract: strict });

  it("defaults deleteProtection to true as observed, to false under the contract", async () => {
    const res = await api().post("/api/instances", { name: "dp", slug: "dp" });
    expect(res.body.deleteProtection).toBe(!strict);
  });

  it("answers invalid arguments with 409 InvalidArgument on /instances and 400 on v1 as observed, 409 Conflict under the contract", async () => {
    expectError(
      await api().post("/api/instances", { name: "x", slug: "my-stack" }),
      409,
      strict ? "Conflict" : "InvalidArgument",
      "Invalid slug my-stack specified",
    );
    expectError(
      await api().post("/api/v1/accesspolicies?region=us", { ...POLICY, scopes: [] }),
      strict ? 409 : 400,
      strict ? "Conflict" : "InvalidArgument",
      /^scopes: /,
    );
  });

  it("leaves out instead of nulling what the contract does not let be null", async () => {
    const policy = await createPolicy(api(), { conditions: undefined });
    expect(policy.conditions).toEqual(strict ? undefined : null);
    const token = (await api().post("/api/v1/tokens?region=us", { accessPolicyId: policy.id, name: "t" }))
      .body;
    for (const field of ["expiresAt", "firstUsedAt", "lastUsedAt"]) {
      expect(field in token).toBe(!strict);
      if (!strict) expect(token[field]).toBeNull();
    }
    await api().post("/api/instances", { name: "p", slug: "p", deleteProtection: false });
    const plugin = (await api().post("/api/instances/p/plugins", { plugin: "grafana-clock-panel" })).body;
    expect("updatedAt" in plugin).toBe(!strict);
  });
});

describe("the rate limit under the contract", () => {
  const { api } = useEmulator({ strictContract: true, rateLimitPerHour: 1 });

  it("still answers 429 with Retry-After: the contract documents no rate limit, the service has one", async () => {
    expect((await api().get("/api/v1/accesspolicies?region=us")).status).toBe(200);
    const limited = await api().get("/api/v1/accesspolicies?region=us");
    expectError(limited, 429, "TooManyRequests");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(3000);
  });
});
