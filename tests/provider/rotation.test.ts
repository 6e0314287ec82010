/**
 * Token rotation against the emulator, for both rotating kinds (Token, StackServiceAccountToken):
 * the name and lifetime a generation is made with, `readyForRotation` as both clocks move, a
 * replacement planned only inside the early-rotation window and always new before old, the
 * engine's replace sequence (create the new generation, then delete the old one), settings
 * changes, expiry, a lost create response, and tokens without rotation as before.
 */
import type * as pulumi from "@pulumi/pulumi";
import { clock } from "../../provider/clock";
import { accessPolicy } from "../../provider/resources/accessPolicy";
import { expirySuffix, SUFFIX_LENGTH } from "../../provider/resources/rotation";
import { stackServiceAccountToken } from "../../provider/resources/stackServiceAccountToken";
import { token } from "../../provider/resources/token";
import { useEmulator, type TestEmulator } from "./emulatorEnv";

type Props = Record<string, unknown>;

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator({ readinessDelayMs: 0 });
});
afterAll(() => em.close());
beforeEach(() => em.reset());

const HOUR = 3600;
const ROTATION = { expireAfterSeconds: HOUR, earlyRotationSeconds: 600 };
const REPLACE = { changes: true, replaces: ["rotation"] };
const NONE = { changes: false };

async function checkedBy(p: pulumi.dynamic.ResourceProvider, news: Props, olds: Props = {}) {
  const r = await p.check!(olds, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Props;
}

/** The real name a generation expiring at `expiry` (RFC 3339) has. */
const realName = (name: string, expiry: unknown) => `${name}${expirySuffix(Date.parse(String(expiry)))}`;

test("the suffix is the expiry in UTC to the second, in characters every token name allows", () => {
  expect(expirySuffix(Date.UTC(2026, 11, 2, 15, 30, 0, 999))).toBe("-20261202t153000z");
  expect(SUFFIX_LENGTH).toBe(17);
  expect(expirySuffix(clock.now())).toMatch(/^-[a-z0-9_-]+$/);
});

describe("Token", () => {
  const provider = token.provider;
  let policyId: string;
  beforeEach(async () => {
    const p = await accessPolicy.provider.check(
      {},
      { region: "us", name: "p1", scopes: ["metrics:read"], realms: [{ type: "org", identifier: "1" }] },
    );
    policyId = (await accessPolicy.provider.create(p.inputs)).id;
  });
  const checked = (news: Props, olds: Props = {}) => checkedBy(provider, news, olds);
  const heldTokens = async () =>
    ((await em.state()).tokens as { id: string; name: string; expiresAt?: string | null }[]).map((t) => ({
      id: t.id,
      name: t.name,
      expiresAt: t.expiresAt,
    }));

  test("a generation: suffixed name and lifetime at the API; the window opens early; replacement is new before old", async () => {
    const inputs = await checked({ region: "us", accessPolicyId: policyId, name: "ci", rotation: ROTATION });
    const before = clock.now();
    const first = await provider.create(inputs);
    const expiry = Date.parse(String(first.outs.expiresAt));
    expect(expiry - before).toBeGreaterThanOrEqual((HOUR - 1) * 1000);
    expect(expiry - before).toBeLessThanOrEqual((HOUR + 5) * 1000);
    expect(first.outs).toMatchObject({
      name: "ci",
      displayName: "ci",
      rotation: ROTATION,
      tokenName: realName("ci", first.outs.expiresAt),
      readyForRotation: false,
    });
    expect(first.outs.tokenName).toMatch(/^ci-\d{8}t\d{6}z$/);
    expect(await heldTokens()).toEqual([
      { id: first.id, name: first.outs.tokenName, expiresAt: expect.any(String) },
    ]);
    expect(Date.parse(String((await heldTokens())[0]?.expiresAt))).toBe(expiry);

    // Read gives back the declared name as input, never the suffixed one.
    const read = await provider.read(first.id, first.outs);
    expect(read.props).toEqual(first.outs);
    expect(read.inputs).toMatchObject({ name: "ci", rotation: ROTATION });
    expect(await provider.diff(first.id, read.props!, inputs)).toEqual(NONE);

    // Just before the window (expiry − 600 s): nothing to do.
    const untilWindow = (expiry - clock.now()) / 1000 - 600;
    await em.advanceClocks(untilWindow - 5);
    expect((await provider.read(first.id, first.outs)).props?.readyForRotation).toBe(false);
    expect(await provider.diff(first.id, first.outs, inputs)).toEqual(NONE);

    // Inside it: a replacement, made before the old token is deleted.
    await em.advanceClocks(10);
    const ready = await provider.read(first.id, first.outs);
    expect(ready.props?.readyForRotation).toBe(true);
    // Whether or not refresh ran first, diff sees the window by the stored expiry.
    expect(await provider.diff(first.id, first.outs, inputs)).toEqual(REPLACE);
    expect(await provider.diff(first.id, ready.props!, inputs)).toEqual(REPLACE);

    // The engine's sequence: check, create the new generation, then delete the old one.
    const second = await provider.create(await checked(inputs, inputs));
    expect(second.outs.tokenName).not.toBe(first.outs.tokenName);
    expect(second.outs.token).not.toBe(first.outs.token);
    expect((await heldTokens()).map((t) => t.name).sort()).toEqual(
      [first.outs.tokenName, second.outs.tokenName].sort(),
    );
    await provider.delete(first.id, ready.props!);
    expect((await heldTokens()).map((t) => t.id)).toEqual([second.id]);
    expect(second.outs.readyForRotation).toBe(false);
    // The new generation shows no change: no perpetual diff.
    expect(await provider.diff(second.id, second.outs, inputs)).toEqual(NONE);
  });

  test("once expired, the generation is gone on read, and a diff without refresh still replaces it", async () => {
    const inputs = await checked({ region: "us", accessPolicyId: policyId, name: "ci", rotation: ROTATION });
    const first = await provider.create(inputs);
    await em.advanceClocks(HOUR + 5);
    expect(await provider.diff(first.id, first.outs, inputs)).toEqual(REPLACE);
    expect(await provider.read(first.id, first.outs)).toEqual({});
    const next = await provider.create(inputs);
    expect((await heldTokens()).map((t) => t.id)).toEqual([next.id]);
  });

  test("settings: a new lifetime or adding/removing rotation replaces (new first); the window alone updates in place", async () => {
    const plain = await checked({ region: "us", accessPolicyId: policyId, name: "ci" });
    const inputs = await checked({ ...plain, rotation: ROTATION });
    const created = await provider.create(inputs);
    const o = created.outs;

    const longer = await checked(
      { ...inputs, rotation: { ...ROTATION, expireAfterSeconds: 2 * HOUR } },
      inputs,
    );
    expect(await provider.diff(created.id, o, longer)).toEqual(REPLACE);
    expect(await provider.diff(created.id, o, plain)).toEqual(REPLACE);

    // Adding rotation to a plain token: the new name is suffixed, so no clash, new first.
    const p = await provider.create(await checked({ ...plain, name: "plain" }));
    expect(await provider.diff(p.id, p.outs, { ...plain, name: "plain", rotation: ROTATION })).toEqual(
      REPLACE,
    );

    // A wider window: in place, recorded, readyForRotation follows, expiry and secret kept.
    const wider = await checked(
      { ...inputs, rotation: { ...ROTATION, earlyRotationSeconds: HOUR - 60 } },
      inputs,
    );
    expect(await provider.diff(created.id, o, wider)).toEqual({ changes: true });
    await em.advanceClocks(120);
    const updated = await provider.update(created.id, o, wider);
    expect(updated.outs).toMatchObject({
      rotation: wider["rotation"],
      readyForRotation: true,
      token: o.token,
      tokenName: o.tokenName,
      name: "ci",
    });
    expect(Date.parse(String(updated.outs.expiresAt))).toBe(Date.parse(String(o.expiresAt)));
    const held = (await heldTokens()).find((t) => t.id === created.id);
    expect(Date.parse(String(held?.expiresAt))).toBe(Date.parse(String(o.expiresAt)));
    // Under the wider window the token is due.
    expect(await provider.diff(created.id, updated.outs, wider)).toEqual(REPLACE);
    // Another change alongside the rotation one: still new first.
    expect(await provider.diff(created.id, o, { ...inputs, accessPolicyId: "other" })).toEqual({
      changes: true,
      replaces: ["accessPolicyId"],
    });
  });

  test("without rotation nothing changes: state written before diffs clean, and a name-keeping replacement deletes first", async () => {
    const inputs = await checked({
      region: "us",
      accessPolicyId: policyId,
      name: "ci",
      expiresAt: "2099-01-01T00:00:00Z",
    });
    const created = await provider.create(inputs);
    expect(created.outs).toMatchObject({ name: "ci", tokenName: "ci", readyForRotation: false });
    expect(created.outs.rotation).toBeUndefined();
    expect((await heldTokens()).map((t) => t.name)).toEqual(["ci"]);
    // Outputs as an earlier version stored them (without tokenName and readyForRotation).
    const { tokenName: _n, readyForRotation: _r, ...older } = created.outs;
    expect(await provider.diff(created.id, older, inputs)).toEqual(NONE);
    await em.advanceClocks(10 * 365 * 86_400);
    expect(await provider.diff(created.id, older, inputs)).toEqual(NONE);
    expect(await provider.diff(created.id, older, { ...inputs, accessPolicyId: "other" })).toEqual({
      changes: true,
      replaces: ["accessPolicyId"],
      deleteBeforeReplace: true,
    });
  });

  test("a lost create response leaves exactly one generation, found by its suffixed name", async () => {
    await em.fault({ method: "POST", path: "^/api/v1/tokens$", kind: "lost-response", count: 1 });
    const created = await provider.create(
      await checked({ region: "us", accessPolicyId: policyId, name: "ci", rotation: ROTATION }),
    );
    expect(await em.faulted("lost-response")).toBe(1);
    expect(await heldTokens()).toEqual([
      { id: created.id, name: created.outs.tokenName, expiresAt: expect.any(String) },
    ]);
  });

  test("check: rotation excludes expiresAt, and the suffixed name must fit 255 characters", async () => {
    const base = { region: "us", accessPolicyId: policyId, rotation: ROTATION };
    const both = await provider.check({}, { ...base, name: "ci", expiresAt: "2099-01-01T00:00:00Z" });
    expect(both.failures).toEqual([
      {
        property: "expiresAt",
        reason: expect.stringContaining("expiresAt: cannot be combined with rotation"),
      },
    ]);
    expect((await provider.check({}, { ...base, name: "n".repeat(238) })).failures ?? []).toEqual([]);
    const long = await provider.check({}, { ...base, name: "n".repeat(239) });
    expect(long.failures).toEqual([
      {
        property: "name",
        reason: expect.stringContaining("name: must be at most 238 characters with rotation"),
      },
    ]);
  });
});

describe("StackServiceAccountToken", () => {
  const provider = stackServiceAccountToken.provider;
  const SA = "/api/instances/tok/api/serviceaccounts";
  let accountId: number;
  beforeEach(async () => {
    expect(
      (await em.api("POST", "/api/instances", { name: "tok", slug: "tok", deleteProtection: false })).status,
    ).toBe(200);
    accountId = (await em.api("POST", SA, { name: "bot", role: "Viewer" })).body.id;
  });
  const checked = (news: Props, olds: Props = {}) => checkedBy(provider, news, olds);
  const held = async () =>
    (
      (await em.state()).serviceAccountTokens as { id: number; name: string; expiration: string | null }[]
    ).map((t) => ({ id: t.id, name: t.name, expiration: t.expiration }));

  test("a generation: suffixed name and lifetime on the stack; the window opens early; replacement is new before old", async () => {
    const inputs = await checked({
      stackSlug: "tok",
      serviceAccountId: accountId,
      name: "deploy",
      rotation: ROTATION,
    });
    const before = clock.now();
    const first = await provider.create(inputs);
    const expiry = Date.parse(String(first.outs.expiration));
    expect(expiry - before).toBeGreaterThanOrEqual((HOUR - 1) * 1000);
    expect(expiry - before).toBeLessThanOrEqual((HOUR + 5) * 1000);
    expect(first.outs).toMatchObject({ name: "deploy", rotation: ROTATION, readyForRotation: false });
    expect(first.outs.secondsToLive).toBeUndefined();
    expect(first.outs.tokenName).toMatch(/^deploy-\d{8}t\d{6}z$/);
    // The suffix is the expiry as the provider reckoned it when making the token.
    expect(
      Math.abs(
        Date.parse(String(first.outs.expiration)) -
          Date.parse(
            first.outs.tokenName
              .slice(-16)
              .replace(/^(\d{4})(\d\d)(\d\d)t(\d\d)(\d\d)(\d\d)z$/, "$1-$2-$3T$4:$5:$6Z"),
          ),
      ),
    ).toBeLessThanOrEqual(2000);
    expect(await held()).toEqual([
      { id: first.outs.tokenId, name: first.outs.tokenName, expiration: first.outs.expiration },
    ]);

    const read = await provider.read(first.id, first.outs);
    expect(read.props).toEqual(first.outs);
    expect(read.inputs).toMatchObject({ name: "deploy", rotation: ROTATION });
    expect(await provider.diff(first.id, read.props!, inputs)).toEqual(NONE);

    const untilWindow = (expiry - clock.now()) / 1000 - 600;
    await em.advanceClocks(untilWindow - 5);
    expect((await provider.read(first.id, first.outs)).props?.readyForRotation).toBe(false);
    expect(await provider.diff(first.id, first.outs, inputs)).toEqual(NONE);

    await em.advanceClocks(10);
    const ready = await provider.read(first.id, first.outs);
    expect(ready.props?.readyForRotation).toBe(true);
    expect(await provider.diff(first.id, first.outs, inputs)).toEqual(REPLACE);
    expect(await provider.diff(first.id, ready.props!, inputs)).toEqual(REPLACE);

    const second = await provider.create(await checked(inputs));
    expect(second.outs.tokenName).not.toBe(first.outs.tokenName);
    expect((await held()).map((t) => t.id)).toEqual([first.outs.tokenId, second.outs.tokenId]);
    await provider.delete(first.id, ready.props!);
    expect((await held()).map((t) => t.id)).toEqual([second.outs.tokenId]);
    expect(await provider.diff(second.id, second.outs, inputs)).toEqual(NONE);

    // Past its expiry the generation is gone on read.
    await em.advanceClocks(HOUR + 5);
    expect(await provider.read(second.id, second.outs)).toEqual({});
  });

  test("settings: a new lifetime or adding/removing rotation replaces (new first); the window alone updates in place", async () => {
    const plain = await checked({ stackSlug: "tok", serviceAccountId: accountId, name: "deploy" });
    const inputs = await checked({ ...plain, rotation: ROTATION });
    const created = await provider.create(inputs);
    const o = created.outs;
    const longer = await checked({ ...inputs, rotation: { ...ROTATION, expireAfterSeconds: 2 * HOUR } });
    expect(await provider.diff(created.id, o, longer)).toEqual(REPLACE);
    expect(await provider.diff(created.id, o, plain)).toEqual(REPLACE);
    expect(await provider.diff(created.id, o, { ...inputs, serviceAccountId: accountId + 1 })).toEqual({
      changes: true,
      replaces: ["serviceAccountId"],
    });

    const p = await provider.create(await checked({ ...plain, name: "plain" }));
    expect(await provider.diff(p.id, p.outs, { ...plain, name: "plain", rotation: ROTATION })).toEqual(
      REPLACE,
    );
    // Without rotation, as before: a name-keeping replacement deletes first, and old state diffs clean.
    const { tokenName: _n, readyForRotation: _r, ...older } = p.outs;
    expect(await provider.diff(p.id, older, { ...plain, name: "plain" })).toEqual(NONE);
    expect(await provider.diff(p.id, older, { ...plain, name: "plain", secondsToLive: 60 })).toEqual({
      changes: true,
      replaces: ["secondsToLive"],
      deleteBeforeReplace: true,
    });

    const wider = await checked({ ...inputs, rotation: { ...ROTATION, earlyRotationSeconds: HOUR - 60 } });
    expect(await provider.diff(created.id, o, wider)).toEqual({ changes: true });
    await em.clearRequests();
    await em.advanceClocks(120);
    const updated = await provider.update(created.id, o, wider);
    // Nothing to tell the stack.
    expect(await em.requests()).toEqual([]);
    expect(updated.outs).toEqual({ ...o, rotation: wider["rotation"], readyForRotation: true });
    expect(await provider.diff(created.id, updated.outs, wider)).toEqual(REPLACE);
  });

  test("a lost create response leaves exactly one generation, found by its suffixed name", async () => {
    await em.fault({ method: "POST", path: `^${SA}/\\d+/tokens$`, kind: "lost-response", count: 1 });
    const created = await provider.create(
      await checked({ stackSlug: "tok", serviceAccountId: accountId, name: "lost", rotation: ROTATION }),
    );
    expect(await em.faulted("lost-response")).toBe(1);
    expect((await held()).map((t) => [t.id, t.name])).toEqual([
      [created.outs.tokenId, created.outs.tokenName],
    ]);
  });

  test("check: rotation excludes secondsToLive, and the suffixed name must fit 190 characters", async () => {
    const base = { stackSlug: "tok", serviceAccountId: accountId, rotation: ROTATION };
    const both = await provider.check({}, { ...base, name: "ci", secondsToLive: 60 });
    expect(both.failures).toEqual([
      {
        property: "secondsToLive",
        reason: expect.stringContaining("secondsToLive: cannot be combined with rotation"),
      },
    ]);
    expect((await provider.check({}, { ...base, name: "n".repeat(173) })).failures ?? []).toEqual([]);
    expect((await provider.check({}, { ...base, name: "n".repeat(174) })).failures).toEqual([
      {
        property: "name",
        reason: expect.stringContaining("name: must be at most 173 characters with rotation"),
      },
    ]);
  });
});
