import { stackApiKey } from "../../provider/resources/stackApiKey";
import { releaseStackAdminKeys as releaseKeysOf, TEMP_KEY_PREFIX } from "../../provider/api/stackSession";
import { getClient } from "../../provider/config";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

const provider = stackApiKey.provider;
/** The temporary Admin keys live with the client, which the environment set by useEmulator picks. */
const releaseStackAdminKeys = () => releaseKeysOf(getClient());

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator({ readinessDelayMs: 0, stackApiKeys: "legacy" });
});
afterAll(async () => {
  await releaseStackAdminKeys();
  await em.close();
});

beforeEach(async () => {
  // No temporary key of an earlier test survives into this one.
  await releaseStackAdminKeys();
  await em.reset();
  const made = await em.api("POST", "/api/instances", {
    name: "keys",
    slug: "keys",
    deleteProtection: false,
  });
  expect(made.status).toBe(200);
});

async function checked(news: Record<string, unknown>) {
  const r = await provider.check({}, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

interface KeyState {
  id: number;
  stackSlug: string;
  name: string;
  role: string;
  expiration: string | null;
  createdAt: string;
}
const stackKeys = async (): Promise<KeyState[]> => (await em.state()).stackApiKeys;
const userKeys = async () => (await stackKeys()).filter((k) => !k.name.startsWith(TEMP_KEY_PREFIX));
const tempKeys = async () => (await stackKeys()).filter((k) => k.name.startsWith(TEMP_KEY_PREFIX));

describe("StackApiKey provider against the emulator", () => {
  test("full lifecycle: create with secret, read keeps it, every change replaces, delete, gone after delete", async () => {
    const inputs = await checked({ stackSlug: "keys", name: "ci", role: "Editor" });
    const created = await provider.create(inputs);
    const keyId = created.outs.keyId as number;
    expect(created.id).toBe(`keys/${keyId}`);
    expect(typeof created.outs.key).toBe("string");
    expect(created.outs.key.length).toBeGreaterThan(10);
    expect(created.outs).toMatchObject({ stackSlug: "keys", name: "ci", role: "Editor" });
    expect(created.outs.expiration).toBeUndefined();
    expect(await userKeys()).toEqual([expect.objectContaining({ id: keyId, name: "ci", role: "Editor" })]);

    const read = await provider.read(created.id, created.outs);
    expect(read.id).toBe(created.id);
    expect(read.props?.["key"]).toBe(created.outs.key);
    expect(read.inputs).toEqual({ stackSlug: "keys", name: "ci", role: "Editor" });
    expect(read.inputs?.["key"]).toBeUndefined();
    expect(await provider.diff(created.id, read.props!, inputs)).toEqual({ changes: false });
    // 0 and absent both mean "no expiry".
    expect(await provider.diff(created.id, read.props!, { ...inputs, secondsToLive: 0 })).toEqual({
      changes: false,
    });

    // Same name on the same stack: the old key must go first.
    expect(await provider.diff(created.id, read.props!, { ...inputs, role: "Admin" })).toEqual({
      changes: true,
      replaces: ["role"],
      deleteBeforeReplace: true,
    });
    expect(await provider.diff(created.id, read.props!, { ...inputs, secondsToLive: 3600 })).toEqual({
      changes: true,
      replaces: ["secondsToLive"],
      deleteBeforeReplace: true,
    });
    expect(await provider.diff(created.id, read.props!, { ...inputs, name: "ci2" })).toEqual({
      changes: true,
      replaces: ["name"],
    });
    await expect(provider.update(created.id, read.props!, { ...inputs, role: "Admin" })).rejects.toThrow(
      /cannot be updated in place/,
    );

    await provider.delete(created.id, read.props!);
    expect(await userKeys()).toEqual([]);
    expect(await provider.read(created.id, read.props!)).toEqual({});
    // Deleting again is a no-op.
    await provider.delete(created.id, read.props!);
  });

  test("a key with a lifetime has its expiration, and is dropped on refresh once expired", async () => {
    const inputs = await checked({ stackSlug: "keys", name: "short", role: "Viewer", secondsToLive: 1 });
    const created = await provider.create(inputs);
    const held = (await userKeys())[0]!;
    // The output is the stack's own instant, so a later refresh sees no change.
    expect(created.outs.expiration).toBe(held.expiration);
    const read = await provider.read(created.id, created.outs);
    expect(read.props?.["expiration"]).toBe(held.expiration);
    expect(read.inputs).toEqual({ stackSlug: "keys", name: "short", role: "Viewer", secondsToLive: 1 });

    // Past the 1 s lifetime, for the stack and for the provider alike.
    await em.advanceClocks(2);
    // Grafana still lists the expired key (includeExpired=true), but for Pulumi it is gone.
    expect((await userKeys()).map((k) => k.name)).toEqual(["short"]);
    expect(await provider.read(created.id, created.outs)).toEqual({});

    // The expired key holds its name; creating the key again makes room for it.
    const again = await provider.create(inputs);
    expect(again.outs.keyId).not.toBe(created.outs.keyId);
    expect((await userKeys()).map((k) => k.id)).toEqual([again.outs.keyId]);
  });

  test("a key deleted behind Pulumi's back is gone on refresh; a deleted stack drops its keys", async () => {
    const a = await provider.create(await checked({ stackSlug: "keys", name: "a", role: "Viewer" }));
    const b = await provider.create(await checked({ stackSlug: "keys", name: "b", role: "Viewer" }));
    await provider.read(a.id, a.outs);
    // Behind our back: delete key a through the stack's Grafana, with an Admin key of our own.
    const admin = await em.api("POST", "/api/instances/keys/api/auth/keys", { name: "mine", role: "Admin" });
    const res = await fetch(`${em.url}/grafana/keys/api/auth/keys/${a.outs.keyId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin.body.key}` },
    });
    expect(res.status).toBe(200);
    expect(await provider.read(a.id, a.outs)).toEqual({});
    expect((await provider.read(b.id, b.outs)).id).toBe(b.id);

    expect((await em.api("DELETE", "/api/instances/keys")).status).toBe(200);
    expect(await provider.read(b.id, b.outs)).toEqual({});
    await provider.delete(b.id, b.outs);
  });

  test("reading one key costs 3 calls; five keys of one stack cost fewer per key", async () => {
    const made = [];
    for (const name of ["k1", "k2", "k3", "k4", "k5"]) {
      made.push(await provider.create(await checked({ stackSlug: "keys", name, role: "Viewer" })));
    }
    const [first] = made;

    await releaseStackAdminKeys();
    await em.clearRequests();
    expect((await provider.read(first!.id, first!.outs)).id).toBe(first!.id);
    const one = (await em.requests()).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(one).toEqual([
      "GET /api/instances/keys 200",
      "POST /api/instances/keys/api/auth/keys 200",
      "GET /grafana/keys/api/auth/keys 200",
    ]);

    // Five keys read in parallel, as a refresh does: one temporary key, one list.
    await releaseStackAdminKeys();
    await em.clearRequests();
    const reads = await Promise.all(made.map((m) => provider.read(m.id, m.outs)));
    expect(reads.map((r) => r.id)).toEqual(made.map((m) => m.id));
    const parallel = await em.requests();
    expect(parallel).toHaveLength(3);

    // Five keys read one after another: the temporary key is shared, each read lists once.
    await releaseStackAdminKeys();
    await em.clearRequests();
    for (const m of made) expect((await provider.read(m.id, m.outs)).id).toBe(m.id);
    const sequential = await em.requests();
    expect(sequential).toHaveLength(7);
    expect(sequential.filter((r) => r.method === "POST")).toHaveLength(1);
    expect(sequential.length / made.length).toBeLessThan(3);
  });

  test("the temporary Admin key lives 60 s at most and is deleted when released", async () => {
    const created = await provider.create(await checked({ stackSlug: "keys", name: "ci", role: "Viewer" }));
    await provider.read(created.id, created.outs);
    const temps = await tempKeys();
    expect(temps).toHaveLength(1);
    const temp = temps[0]!;
    expect(temp.role).toBe("Admin");
    expect(temp.expiration).not.toBeNull();
    const life = Date.parse(temp.expiration!) - Date.parse(temp.createdAt);
    expect(life).toBeLessThanOrEqual(60_000);
    expect(life).toBeGreaterThan(0);

    await releaseStackAdminKeys();
    expect(await tempKeys()).toEqual([]);
    expect(await userKeys()).toHaveLength(1);
  });

  test("a temporary key that died early (stack clock ahead) is replaced once, transparently", async () => {
    const created = await provider.create(await checked({ stackSlug: "keys", name: "ci", role: "Viewer" }));
    await provider.read(created.id, created.outs);
    await em.advanceClock(61);
    try {
      await em.clearRequests();
      expect((await provider.read(created.id, created.outs)).id).toBe(created.id);
      const calls = (await em.requests()).map((r) => `${r.method} ${r.path} ${r.status}`);
      expect(calls).toEqual([
        "GET /grafana/keys/api/auth/keys 401",
        "GET /api/instances/keys 200",
        "POST /api/instances/keys/api/auth/keys 200",
        "GET /grafana/keys/api/auth/keys 200",
      ]);
    } finally {
      await em.api("DELETE", "/_emulator/clock");
    }
  });

  test("a name taken by a live key: the error says it exists and that keys cannot be adopted", async () => {
    await em.api("POST", "/api/instances/keys/api/auth/keys", { name: "taken", role: "Viewer" });
    const e = await rejection(
      provider.create(await checked({ stackSlug: "keys", name: "taken", role: "Viewer" })),
    );
    expect(e.message).toMatch(
      /^creating API key "taken" on stack "keys": an API key with this name already exists/,
    );
    expect(e.message).toMatch(/cannot be adopted/);
    expect(e.message).toMatch(/POST \/api\/instances\/keys\/api\/auth\/keys failed: 409 Conflict/);
  });

  test("a lost create response: the key made by it is replaced, leaving one key whose secret we hold", async () => {
    await em.fault({
      method: "POST",
      path: "^/api/instances/keys/api/auth/keys$",
      kind: "lost-response",
      count: 1,
    });
    const created = await provider.create(await checked({ stackSlug: "keys", name: "lost", role: "Admin" }));
    expect(await em.faulted("lost-response")).toBe(1);
    const keys = await userKeys();
    expect(keys).toHaveLength(1);
    expect(created.id).toBe(`keys/${keys[0]!.id}`);
    // The secret we hold is the live key's: as an Admin key it opens the stack's own key API.
    const res = await fetch(`${em.url}/grafana/keys/api/auth/keys`, {
      headers: { authorization: `Bearer ${created.outs.key}` },
    });
    expect(res.status).toBe(200);
  });

  test("a failing stack API gives a whole error that names the call and holds no key", async () => {
    const created = await provider.create(await checked({ stackSlug: "keys", name: "ci", role: "Viewer" }));
    await em.fault({ method: "GET", path: "^/grafana/keys/api/auth/keys$", kind: "status", status: 500 });
    const e = await rejection(provider.read(created.id, created.outs));
    await em.clearFaults();
    expect(e.message).toMatch(
      /^reading API key keys\/\d+: Grafana Cloud API GET \/grafana\/keys\/api\/auth\/keys\?includeExpired=true failed: 500/,
    );
    expect(e.message).not.toContain(created.outs.key);
    expect(e.message).not.toMatch(/Bearer/i);
  });

  test("check names each invalid property", async () => {
    const r = await provider.check({}, { stackSlug: "keys", name: " ", role: "Owner", secondsToLive: -1 });
    expect((r.failures ?? []).map((f) => f.reason)).toEqual([
      "name: must be a non-empty string of at most 190 characters",
      'role: must be "Viewer", "Editor" or "Admin"',
      "secondsToLive: must be 0 or more (0: no expiry)",
    ]);
  });
});
