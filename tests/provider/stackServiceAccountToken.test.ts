import {
  stackServiceAccountToken,
  MAX_SECONDS_TO_LIVE,
} from "../../provider/resources/stackServiceAccountToken";
import type { EmulatorState } from "../support/emulatorClient";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

const provider = stackServiceAccountToken.provider;

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator({ readinessDelayMs: 0 });
});
afterAll(() => em.close());

const SA = "/api/instances/tok/api/serviceaccounts";
let accountId: number;
beforeEach(async () => {
  await em.reset();
  expect(
    (await em.api("POST", "/api/instances", { name: "tok", slug: "tok", deleteProtection: false })).status,
  ).toBe(200);
  accountId = (await em.api("POST", SA, { name: "bot", role: "Viewer" })).body.id;
});

async function checked(news: Record<string, unknown>) {
  const r = await provider.check({}, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

const tokens = async (): Promise<EmulatorState["serviceAccountTokens"]> =>
  (await em.state()).serviceAccountTokens;
/** GET on the stack URL with the token: 200 while it authenticates. */
const orgWith = async (key: string) =>
  (await fetch(`${em.url}/grafana/tok/api/org`, { headers: { authorization: `Bearer ${key}` } })).status;

describe("StackServiceAccountToken provider against the emulator", () => {
  test("lifecycle: create with secret, read keeps it, every change replaces, delete", async () => {
    const inputs = await checked({ stackSlug: "tok", serviceAccountId: accountId, name: "ci" });
    const created = await provider.create(inputs);
    const tokenId = created.outs.tokenId;
    expect(created.id).toBe(`tok/${accountId}/${tokenId}`);
    expect(created.outs).toEqual({
      stackSlug: "tok",
      serviceAccountId: accountId,
      name: "ci",
      key: expect.stringMatching(/^glsa_/),
      tokenId,
      tokenName: "ci",
      hasExpired: false,
      readyForRotation: false,
    });
    expect(await orgWith(created.outs.key)).toBe(200);

    const read = await provider.read(created.id, created.outs);
    expect(read.props).toEqual(created.outs);
    expect(read.inputs).toEqual({ stackSlug: "tok", serviceAccountId: accountId, name: "ci" });
    expect(await provider.diff(created.id, read.props!, inputs)).toEqual({ changes: false });
    expect(await provider.diff(created.id, read.props!, { ...inputs, secondsToLive: 0 })).toEqual({
      changes: false,
    });
    // Names are unique on the stack: a replacement that keeps the name deletes first, even onto
    // another account.
    for (const [field, value] of [
      ["secondsToLive", 60],
      ["serviceAccountId", accountId + 1],
    ] as const) {
      expect(await provider.diff(created.id, read.props!, { ...inputs, [field]: value })).toEqual({
        changes: true,
        replaces: [field],
        deleteBeforeReplace: true,
      });
    }
    expect(await provider.diff(created.id, read.props!, { ...inputs, name: "ci2" })).toEqual({
      changes: true,
      replaces: ["name"],
    });

    await provider.delete(created.id, read.props!);
    expect(await tokens()).toEqual([]);
    expect(await orgWith(created.outs.key)).toBe(401);
    expect(await provider.read(created.id, read.props!)).toEqual({});
    await provider.delete(created.id, read.props!);
  });

  test("expiry: the stack's expiration is recorded; an expired token is gone on refresh and made again by the next create", async () => {
    const inputs = await checked({
      stackSlug: "tok",
      serviceAccountId: accountId,
      name: "short",
      secondsToLive: 60,
    });
    const created = await provider.create(inputs);
    const held = (await tokens())[0]!;
    expect(created.outs.expiration).toBe(held.expiration);
    expect((await provider.read(created.id, created.outs)).props?.["expiration"]).toBe(held.expiration);

    await em.advanceClocks(61);
    expect(await orgWith(created.outs.key)).toBe(401);
    // Grafana still lists it, flagged expired; for Pulumi it is gone.
    expect((await tokens()).map((t) => [t.name, t.hasExpired])).toEqual([["short", true]]);
    expect(await provider.read(created.id, created.outs)).toEqual({});

    // The expired token holds the name: the next create removes it to make room.
    const again = await provider.create(inputs);
    expect(again.outs.tokenId).not.toBe(created.outs.tokenId);
    expect((await tokens()).map((t) => t.id)).toEqual([again.outs.tokenId]);
    expect(await orgWith(again.outs.key)).toBe(200);
  });

  test("a token deleted behind Pulumi's back, or with its account, is gone on refresh", async () => {
    const a = await provider.create(
      await checked({ stackSlug: "tok", serviceAccountId: accountId, name: "a" }),
    );
    const b = await provider.create(
      await checked({ stackSlug: "tok", serviceAccountId: accountId, name: "b" }),
    );
    expect((await em.api("DELETE", `${SA}/${accountId}/tokens/${a.outs.tokenId}`)).status).toBe(200);
    expect(await provider.read(a.id, a.outs)).toEqual({});
    expect((await provider.read(b.id, b.outs)).id).toBe(b.id);
    expect((await em.api("DELETE", `${SA}/${accountId}`)).status).toBe(200);
    expect(await provider.read(b.id, b.outs)).toEqual({});
    await provider.delete(b.id, b.outs);
  });

  test("a lost create response leaves no orphan: the token it made is found by name, deleted and made again", async () => {
    await em.fault({ method: "POST", path: `^${SA}/\\d+/tokens$`, kind: "lost-response", count: 1 });
    await em.clearRequests();
    const created = await provider.create(
      await checked({ stackSlug: "tok", serviceAccountId: accountId, name: "lost", secondsToLive: 3600 }),
    );
    expect(await em.faulted("lost-response")).toBe(1);
    const held = await tokens();
    expect(held).toEqual([expect.objectContaining({ id: created.outs.tokenId, name: "lost" })]);
    const calls = (await em.requests()).map((r) => `${r.method} ${r.path.replace(/\d+/g, "N")} ${r.status}`);
    expect(calls).toEqual([
      `POST ${SA}/N/tokens 200`,
      `GET ${SA}/N/tokens 200`,
      `DELETE ${SA}/N/tokens/N 200`,
      `POST ${SA}/N/tokens 200`,
      // The expiration, read back.
      `GET ${SA}/N/tokens 200`,
    ]);
    expect(await orgWith(created.outs.key)).toBe(200);
  });

  test("a name held by a live token (of any account on the stack) is an error that says so", async () => {
    const other = (await em.api("POST", SA, { name: "other", role: "Viewer" })).body.id;
    await em.api("POST", `${SA}/${other}/tokens`, { name: "taken" });
    const e = await rejection(
      provider.create(await checked({ stackSlug: "tok", serviceAccountId: accountId, name: "taken" })),
    );
    expect(e.message).toMatch(
      /^creating token "taken" of service account \d+ on stack "tok": a service account token with this name already exists on the stack/,
    );
    expect(e.message).toMatch(/unique on the whole stack, across service accounts/);
    expect(e.message).toMatch(/cannot be adopted/);
  });

  test("an unknown account or stack is reported as such", async () => {
    const e = await rejection(
      provider.create(await checked({ stackSlug: "tok", serviceAccountId: 999, name: "t" })),
    );
    expect(e.message).toMatch(/: service account 999 does not exist on the stack: Grafana Cloud API POST/);
    const s = await rejection(
      provider.create(await checked({ stackSlug: "nosuch", serviceAccountId: 2, name: "t" })),
    );
    expect(s.message).toMatch(/: stack "nosuch" does not exist: Grafana Cloud API POST/);
  });

  test("errors hold no secret", async () => {
    const created = await provider.create(
      await checked({ stackSlug: "tok", serviceAccountId: accountId, name: "s" }),
    );
    await em.fault({ method: "GET", path: `^${SA}/\\d+/tokens$`, kind: "status", status: 500 });
    const e = await rejection(provider.read(created.id, created.outs));
    await em.clearFaults();
    expect(e.message).toMatch(
      /^reading service account token tok\/\d+\/\d+: Grafana Cloud API GET .* failed: 500/,
    );
    expect(e.message).not.toContain(created.outs.key);
  });

  test("check names each invalid property, secondsToLive bounded to ten years", async () => {
    const r = await provider.check(
      {},
      {
        stackSlug: "tok",
        serviceAccountId: "2",
        name: "",
        secondsToLive: MAX_SECONDS_TO_LIVE + 1,
        adoptExisting: true,
      },
    );
    expect((r.failures ?? []).map((f) => f.reason).sort()).toEqual([
      expect.stringMatching(/^adoptExisting: service account tokens cannot be adopted/),
      "name: must be a non-empty string of at most 190 characters",
      "secondsToLive: must be at most 315360000 (10 years); leave it out (or 0) for a token that never expires",
      "serviceAccountId: must be the numeric id of a service account of the stack (StackServiceAccount.serviceAccountId)",
    ]);
    expect(
      (
        await provider.check(
          {},
          { stackSlug: "tok", serviceAccountId: 2, name: "t", secondsToLive: MAX_SECONDS_TO_LIVE },
        )
      ).failures ?? [],
    ).toEqual([]);
  });
});
