/**
 * StackApiKey on stacks whose Grafana has no API keys (the emulator's default, as today's service):
 * the key is a service account `sa-autogen-<name>` holding one token, with the same outputs; and
 * a key made while the stack still had API keys keeps working after Grafana migrated it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { releaseStackAdminKeys } from "../../provider/api/stackSession";
import { getClient } from "../../provider/config";
import { stackApiKey } from "../../provider/resources/stackApiKey";
import type { EmulatorState } from "../support/emulatorClient";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

const provider = stackApiKey.provider;

async function checked(news: Record<string, unknown>) {
  const r = await provider.check({}, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

const stackUrlStatus = async (em: TestEmulator, slug: string, path: string, key: string) =>
  (await fetch(`${em.url}/grafana/${slug}${path}`, { headers: { authorization: `Bearer ${key}` } })).status;

describe("StackApiKey on a stack without API keys", () => {
  let em: TestEmulator;
  beforeAll(async () => {
    em = await useEmulator({ readinessDelayMs: 0 });
  });
  afterAll(() => em.close());

  beforeEach(async () => {
    await em.reset();
    expect(
      (await em.api("POST", "/api/instances", { name: "keys", slug: "keys", deleteProtection: false }))
        .status,
    ).toBe(200);
  });

  const accounts = async (): Promise<EmulatorState["serviceAccounts"]> => (await em.state()).serviceAccounts;
  const tokens = async (): Promise<EmulatorState["serviceAccountTokens"]> =>
    (await em.state()).serviceAccountTokens;
  const calls = async () =>
    (await em.requests()).map((r) => `${r.method} ${r.path.replace(/\/\d+/g, "/N")} ${r.status}`);
  const SA = "/api/instances/keys/api/serviceaccounts";

  test("lifecycle: a service account with one token, the same outputs and id form, deleted together", async () => {
    const inputs = await checked({ stackSlug: "keys", name: "ci", role: "Editor" });
    const created = await provider.create(inputs);
    const [account] = await accounts();
    const [token] = await tokens();
    expect(account).toMatchObject({ name: "sa-autogen-ci", role: "Editor", isDisabled: false });
    expect(token).toMatchObject({ name: "ci", serviceAccountId: account!.id, expiration: null });
    // keyId is the token's id, as Grafana's migration kept each key's id for its token.
    expect(created.id).toBe(`keys/${token!.id}`);
    expect(created.outs).toEqual({
      stackSlug: "keys",
      name: "ci",
      role: "Editor",
      key: expect.stringMatching(/^glsa_/),
      keyId: token!.id,
      backing: "serviceAccount",
      serviceAccountId: account!.id,
    });
    // The key works on the stack with its role: Editor reads the org, cannot list accounts.
    expect(await stackUrlStatus(em, "keys", "/api/org", created.outs.key)).toBe(200);
    expect(await stackUrlStatus(em, "keys", "/api/serviceaccounts/search", created.outs.key)).toBe(403);

    const read = await provider.read(created.id, created.outs);
    expect(read.props).toEqual(created.outs);
    expect(read.inputs).toEqual({ stackSlug: "keys", name: "ci", role: "Editor" });
    expect(await provider.diff(created.id, read.props!, inputs)).toEqual({ changes: false });
    expect(await provider.diff(created.id, read.props!, { ...inputs, role: "Admin" })).toEqual({
      changes: true,
      replaces: ["role"],
      deleteBeforeReplace: true,
    });

    await provider.delete(created.id, read.props!);
    expect([await accounts(), await tokens()]).toEqual([[], []]);
    expect(await stackUrlStatus(em, "keys", "/api/org", created.outs.key)).toBe(401);
    expect(await provider.read(created.id, read.props!)).toEqual({});
    await provider.delete(created.id, read.props!);
  });

  test("calls: the first key of a stack probes the key route once; read costs 2, delete 1", async () => {
    // A stack this process has not met yet, so its probe is not remembered.
    await em.api("POST", "/api/instances", { name: "probe", slug: "probe", deleteProtection: false });
    await em.clearRequests();
    const first = await provider.create(await checked({ stackSlug: "probe", name: "a", role: "Viewer" }));
    expect(await calls()).toEqual([
      "POST /api/instances/probe/api/auth/keys 404",
      "GET /api/instances/probe 200",
      "POST /api/instances/probe/api/serviceaccounts 200",
      "POST /api/instances/probe/api/serviceaccounts/N/tokens 200",
    ]);
    await em.clearRequests();
    const second = await provider.create(
      await checked({ stackSlug: "probe", name: "b", role: "Viewer", secondsToLive: 3600 }),
    );
    expect(await calls()).toEqual([
      "POST /api/instances/probe/api/serviceaccounts 200",
      "POST /api/instances/probe/api/serviceaccounts/N/tokens 200",
      // The expiration, read back.
      "GET /api/instances/probe/api/serviceaccounts/N/tokens 200",
    ]);
    expect(second.outs.expiration).toMatch(/Z$/);

    await em.clearRequests();
    expect((await provider.read(first.id, first.outs)).id).toBe(first.id);
    expect((await calls()).sort()).toEqual([
      "GET /api/instances/probe/api/serviceaccounts/N 200",
      "GET /api/instances/probe/api/serviceaccounts/N/tokens 200",
    ]);
    await em.clearRequests();
    await provider.delete(first.id, first.outs);
    expect(await calls()).toEqual(["DELETE /api/instances/probe/api/serviceaccounts/N 200"]);
  });

  test("expiry: gone on refresh; the next create removes the dead account and makes the key again", async () => {
    const inputs = await checked({ stackSlug: "keys", name: "short", role: "Viewer", secondsToLive: 60 });
    const created = await provider.create(inputs);
    expect(created.outs.expiration).toBe((await tokens())[0]!.expiration);
    await em.advanceClocks(61);
    expect(await stackUrlStatus(em, "keys", "/api/org", created.outs.key)).toBe(401);
    expect(await provider.read(created.id, created.outs)).toEqual({});
    // Grafana keeps the account and its expired token.
    expect((await tokens()).map((t) => t.hasExpired)).toEqual([true]);

    const again = await provider.create(inputs);
    expect(again.outs.keyId).not.toBe(created.outs.keyId);
    expect((await accounts()).map((a) => a.id)).toEqual([again.outs.serviceAccountId]);
    expect((await tokens()).map((t) => t.id)).toEqual([again.outs.keyId]);
    expect(await stackUrlStatus(em, "keys", "/api/org", again.outs.key)).toBe(200);
  });

  test("a key deleted behind Pulumi's back is gone on refresh; its account left alone is reclaimed", async () => {
    const inputs = await checked({ stackSlug: "keys", name: "gone", role: "Viewer" });
    const created = await provider.create(inputs);
    const { serviceAccountId, keyId } = created.outs;
    expect((await em.api("DELETE", `${SA}/${serviceAccountId}/tokens/${keyId}`)).status).toBe(200);
    expect(await provider.read(created.id, created.outs)).toEqual({});
    const again = await provider.create(inputs);
    expect(await accounts()).toHaveLength(1);
    expect((await em.api("DELETE", `${SA}/${again.outs.serviceAccountId}`)).status).toBe(200);
    expect(await provider.read(again.id, again.outs)).toEqual({});
  });

  test("an account of the key's name holding a live token is an error, not taken", async () => {
    const hand = (await em.api("POST", SA, { name: "sa-autogen-busy", role: "Viewer" })).body;
    await em.api("POST", `${SA}/${hand.id}/tokens`, { name: "someone-elses" });
    const e = await rejection(
      provider.create(await checked({ stackSlug: "keys", name: "busy", role: "Viewer" })),
    );
    expect(e.message).toMatch(
      /^creating API key "busy" on stack "keys" \(the stack's Grafana has no API keys: as service account "sa-autogen-busy" holding one token\): a service account named "sa-autogen-busy" holding a live token already exists/,
    );
    expect(await accounts()).toHaveLength(1);
  });

  test("lost responses leave no orphans: the account's and the token's", async () => {
    await em.fault({ method: "POST", path: `^${SA}$`, kind: "lost-response", count: 1 });
    await em.fault({ method: "POST", path: `^${SA}/\\d+/tokens$`, kind: "lost-response", count: 1 });
    const created = await provider.create(await checked({ stackSlug: "keys", name: "lost", role: "Admin" }));
    expect(await em.faulted("lost-response")).toBe(2);
    expect(await accounts()).toEqual([expect.objectContaining({ id: created.outs.serviceAccountId })]);
    expect(await tokens()).toEqual([expect.objectContaining({ id: created.outs.keyId, name: "lost" })]);
    expect(await stackUrlStatus(em, "keys", "/api/serviceaccounts/search", created.outs.key)).toBe(200);
  });

  test("a token that cannot be made takes its account with it", async () => {
    await em.fault({ method: "POST", path: `^${SA}/\\d+/tokens$`, kind: "status", status: 403, count: 1 });
    const e = await rejection(
      provider.create(await checked({ stackSlug: "keys", name: "half", role: "Viewer" })),
    );
    expect(e.message).toMatch(/POST \/api\/instances\/keys\/api\/serviceaccounts\/\d+\/tokens failed: 403/);
    expect(await accounts()).toEqual([]);
  });

  test("a missing stack is reported as such, not as a stack without API keys", async () => {
    const e = await rejection(
      provider.create(await checked({ stackSlug: "nosuch", name: "k", role: "Viewer" })),
    );
    expect(e.message).toMatch(
      /^creating API key "k" on stack "nosuch": stack "nosuch" does not exist: Grafana Cloud API POST \/api\/instances\/nosuch\/api\/auth\/keys failed: 404/,
    );
    expect(await accounts()).toEqual([]);
  });
});

describe("a key made while the stack had API keys, after Grafana removed them", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "keys-migrated-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("is found where Grafana migrated it, keeps its id, records the new backing, and deletes with its account", async () => {
    const stateFile = join(dir, "state.json");
    const legacy = await useEmulator({ readinessDelayMs: 0, stackApiKeys: "legacy", stateFile });
    let made;
    try {
      await legacy.api("POST", "/api/instances", { name: "old", slug: "old", deleteProtection: false });
      made = await provider.create(await checked({ stackSlug: "old", name: "ci", role: "Admin" }));
      expect(made.outs.backing).toBe("apiKey");
      await releaseStackAdminKeys(getClient());
    } finally {
      await legacy.close();
    }

    // The same state, on stacks that run Grafana 12.1 or later.
    const removed = await useEmulator({ readinessDelayMs: 0, stateFile });
    try {
      const state = (await removed.state()) as EmulatorState;
      expect(state.stackApiKeys).toEqual([]);
      // A key made before the backing output existed has none in its state.
      const { backing: _none, ...olderState } = made.outs;
      const read = await provider.read(made.id, olderState);
      const account = state.serviceAccounts.find((a) => a.name === "sa-autogen-ci");
      expect(read.id).toBe(made.id);
      expect(read.props).toEqual({
        ...made.outs,
        backing: "serviceAccount",
        serviceAccountId: account!.id,
      });
      expect(await stackUrlStatus(removed, "old", "/api/serviceaccounts/search", made.outs.key)).toBe(200);

      // Deleting with the state as it was before that refresh finds the account too.
      await provider.delete(made.id, olderState);
      const after = (await removed.state()) as EmulatorState;
      expect([after.serviceAccounts, after.serviceAccountTokens]).toEqual([[], []]);
      expect(await provider.read(made.id, olderState)).toEqual({});
    } finally {
      await removed.close();
    }
  });
});
