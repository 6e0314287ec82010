import { accessPolicy } from "../../provider/resources/accessPolicy";
import { token } from "../../provider/resources/token";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

const provider = token.provider;
const accessPolicyProvider = accessPolicy.provider;

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator();
});
afterAll(() => em.close());

let policyId: string;
beforeEach(async () => {
  await em.reset();
  const p = await accessPolicyProvider.check(
    {},
    { region: "us", name: "p1", scopes: ["metrics:read"], realms: [{ type: "org", identifier: "1" }] },
  );
  policyId = (await accessPolicyProvider.create(p.inputs)).id;
});

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const r = await provider.check(olds, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

const inAYear = () => new Date(Date.now() + 365 * 86400_000).toISOString();

describe("Token provider against the emulator", () => {
  test("full lifecycle: create with secret, read keeps it, update expiry and display name in place, delete", async () => {
    const inputs = await checked({
      region: "us",
      accessPolicyId: policyId,
      name: "ci",
      expiresAt: inAYear(),
    });
    const created = await provider.create(inputs);
    expect(created.outs.token).toMatch(/^glc_/);
    expect(created.outs).toMatchObject({ name: "ci", displayName: "ci", tokenId: created.id });

    const read = await provider.read(created.id, created.outs);
    expect(read.props?.["token"]).toBe(created.outs.token);
    expect(read.inputs?.["token"]).toBeUndefined();
    expect((await provider.diff(created.id, read.props!, inputs)).changes).toBe(false);

    const later = new Date(Date.now() + 2 * 365 * 86400_000).toISOString().replace(/\.\d+Z$/, "Z");
    const next = await checked({ ...inputs, displayName: "CI token", expiresAt: later }, inputs);
    expect(await provider.diff(created.id, read.props!, next)).toEqual({ changes: true });
    const updated = await provider.update(created.id, read.props!, next);
    expect(updated.outs.token).toBe(created.outs.token);
    const held = (await em.api("GET", `/api/v1/tokens/${created.id}?region=us`)).body;
    expect(held.displayName).toBe("CI token");
    expect(Date.parse(held.expiresAt)).toBe(Date.parse(later));
    expect((await provider.diff(created.id, updated.outs, next)).changes).toBe(false);

    // Removing the expiry clears it in place.
    const { expiresAt: _drop, ...noExpiry } = next;
    const cleared = await provider.update(created.id, updated.outs, noExpiry);
    expect(cleared.outs.expiresAt).toBeUndefined();
    expect((await em.api("GET", `/api/v1/tokens/${created.id}?region=us`)).body.expiresAt ?? null).toBeNull();

    await provider.delete(created.id, cleared.outs);
    expect((await em.state()).tokens).toHaveLength(0);
    await provider.delete(created.id, cleared.outs);
  });

  test("an expired token and a token deleted behind Pulumi's back are gone on read", async () => {
    const a = await provider.create(
      await checked({
        region: "us",
        accessPolicyId: policyId,
        name: "short",
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      }),
    );
    const b = await provider.create(await checked({ region: "us", accessPolicyId: policyId, name: "other" }));
    await em.advanceClock(120);
    // Both changes happen before the reads, as before a `pulumi refresh`: the reads of one process
    // share the token list (tests/provider/sharedReads.test.ts).
    await em.api("DELETE", `/api/v1/tokens/${b.id}?region=us`);
    expect(await provider.read(a.id, a.outs)).toEqual({});
    expect(await provider.read(b.id, b.outs)).toEqual({});
  });

  test("a lost create response leaves exactly one token, whose secret we hold", async () => {
    await em.fault({ method: "POST", path: "^/api/v1/tokens$", kind: "lost-response", count: 1 });
    const created = await provider.create(
      await checked({ region: "us", accessPolicyId: policyId, name: "ci" }),
    );
    expect(await em.faulted("lost-response")).toBe(1);
    const tokens = (await em.state()).tokens;
    expect(tokens).toHaveLength(1);
    expect(tokens[0].id).toBe(created.id);
    // The secret we hold is the live token's: the emulator knows it as a credential (the policy
    // lacks the accesspolicies:read scope, so the answer is a scope refusal, not "Token invalid").
    const res = await fetch(`${em.url}/api/v1/tokens/${created.id}?region=us`, {
      headers: { authorization: `Bearer ${created.outs.token}` },
    });
    const body = (await res.json()) as { code?: string; message?: string };
    expect(body.code).not.toBe("InvalidCredentials");
    expect(body.message).toContain("missing required scope");
  });

  test("a duplicate name is refused with a message that says tokens cannot be adopted", async () => {
    await provider.create(await checked({ region: "us", accessPolicyId: policyId, name: "ci" }));
    const err = await rejection(
      provider.create(await checked({ region: "us", accessPolicyId: policyId, name: "ci" })),
    );
    expect(err.message).toContain('creating token "ci" in region us');
    expect(err.message).toContain("cannot be adopted");
  });

  test("check: expiresAt must be RFC 3339 and in the future for a new expiry", async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const bad = await provider.check(
      {},
      { region: "us", accessPolicyId: policyId, name: "ci", expiresAt: past },
    );
    expect(bad.failures?.[0]?.property).toBe("expiresAt");
    expect(bad.failures?.[0]?.reason).toContain("must be in the future");
    const notTime = await provider.check(
      {},
      { region: "us", accessPolicyId: policyId, name: "ci", expiresAt: "2030-01-01" },
    );
    expect(notTime.failures?.[0]?.reason).toContain("RFC 3339");
  });
});
