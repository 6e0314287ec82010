import { accessPolicy } from "../../provider/resources/accessPolicy";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

const provider = accessPolicy.provider;

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator();
});
afterAll(() => em.close());
beforeEach(() => em.reset());

const base = {
  region: "eu",
  name: "stack-readers",
  scopes: ["metrics:read", "logs:read"],
  realms: [{ type: "stack", identifier: "123", labelPolicies: [{ selector: '{env!="dev"}' }] }],
  conditions: { allowedSubnets: ["10.0.0.0/8"] },
};

async function checked(news: Record<string, unknown>) {
  const r = await provider.check({}, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

describe("AccessPolicy provider against the emulator", () => {
  test("full lifecycle: create, read without drift, update every field in place, delete", async () => {
    const inputs = await checked(base);
    const created = await provider.create(inputs);
    expect(created.outs).toMatchObject({
      name: "stack-readers",
      displayName: "stack-readers",
      status: "active",
      region: "eu",
    });
    expect(created.outs.policyId).toBe(created.id);

    const read = await provider.read(created.id, created.outs);
    expect(read.id).toBe(created.id);
    expect((await provider.diff(created.id, read.props!, inputs)).changes).toBe(false);

    const next = await checked({
      ...base,
      displayName: "Stack Readers",
      scopes: ["metrics:read", "traces:read"],
      realms: [{ type: "stack", identifier: "123", labelPolicies: [{ selector: '{env="prod"}' }] }],
      conditions: { allowedSubnets: [] },
      status: "inactive",
    });
    const d = await provider.diff(created.id, read.props!, next);
    expect(d).toEqual({ changes: true });
    const updated = await provider.update(created.id, read.props!, next);
    expect(updated.outs).toMatchObject({ displayName: "Stack Readers", status: "inactive" });
    expect(updated.outs.conditions).toBeUndefined();

    const held = (await em.api("GET", `/api/v1/accesspolicies/${created.id}?region=eu`)).body;
    expect(held.scopes.sort()).toEqual(["metrics:read", "traces:read"]);
    expect(held.realms[0].labelPolicies).toEqual([{ selector: '{env="prod"}' }]);
    expect(held.status).toBe("inactive");
    expect(held.conditions?.allowedSubnets ?? []).toEqual([]);
    expect((await provider.diff(created.id, updated.outs, next)).changes).toBe(false);

    await provider.delete(created.id, updated.outs);
    expect((await em.state()).accessPolicies).toHaveLength(0);
    // Deleting what is already gone is success; reading it drops it.
    await provider.delete(created.id, updated.outs);
    expect(await provider.read(created.id, updated.outs)).toEqual({});
  });

  test("drift behind Pulumi's back shows in read and in the next diff", async () => {
    const inputs = await checked(base);
    const created = await provider.create(inputs);
    await em.api("POST", `/api/v1/accesspolicies/${created.id}?region=eu`, {
      displayName: "changed by hand",
      scopes: ["metrics:read"],
      realms: base.realms,
      conditions: {},
    });
    const read = await provider.read(created.id, created.outs);
    expect(read.inputs).toMatchObject({ displayName: "changed by hand", scopes: ["metrics:read"] });
    expect(read.inputs?.["conditions"]).toBeUndefined();
    expect(await provider.diff(created.id, read.props!, inputs)).toEqual({ changes: true });
  });

  test("a lost create response leaves exactly one policy and returns it", async () => {
    await em.fault({ method: "POST", path: "^/api/v1/accesspolicies$", kind: "lost-response", count: 1 });
    const created = await provider.create(await checked(base));
    expect(await em.faulted("lost-response")).toBe(1);
    const state = await em.state();
    expect(state.accessPolicies).toHaveLength(1);
    expect(state.accessPolicies[0].id).toBe(created.id);
  });

  test("a name taken in the region explains how to adopt; adoptExisting takes it over", async () => {
    const first = await provider.create(await checked(base));
    const err = await rejection(provider.create(await checked({ ...base, displayName: "again" })));
    expect(err.message).toContain('creating access policy "stack-readers" in region eu');
    expect(err.message).toContain("409 Conflict");
    expect(err.message).toContain("adoptExisting: true");
    const adopted = await provider.create(
      await checked({ ...base, displayName: "adopted", adoptExisting: true }),
    );
    expect(adopted.id).toBe(first.id);
    expect(adopted.outs.displayName).toBe("adopted");
    expect((await em.state()).accessPolicies).toHaveLength(1);
  });

  test("invalid input never reaches the API", async () => {
    await em.clearRequests();
    const r = await provider.check(
      {},
      { ...base, name: "Bad Name", conditions: { allowedSubnets: ["10.0.0.1"] } },
    );
    expect(r.failures?.map((f) => f.property).sort()).toEqual(["conditions.allowedSubnets[0]", "name"]);
    expect(await em.requests()).toHaveLength(0);
  });
});
