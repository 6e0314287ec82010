import { stackServiceAccount } from "../../provider/resources/stackServiceAccount";
import type { EmulatorState } from "../support/emulatorClient";
import { rejection, useEmulator, type TestEmulator } from "./emulatorEnv";

const provider = stackServiceAccount.provider;

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator({ readinessDelayMs: 0 });
});
afterAll(() => em.close());

beforeEach(async () => {
  await em.reset();
  expect(
    (await em.api("POST", "/api/instances", { name: "sas", slug: "sas", deleteProtection: false })).status,
  ).toBe(200);
});

async function checked(news: Record<string, unknown>) {
  const r = await provider.check({}, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

const accounts = async (): Promise<EmulatorState["serviceAccounts"]> => (await em.state()).serviceAccounts;
const SA = "/api/instances/sas/api/serviceaccounts";

describe("StackServiceAccount provider against the emulator", () => {
  test("lifecycle: create, read, every change replaces (delete first when the name stays), delete", async () => {
    const inputs = await checked({ stackSlug: "sas", name: "CI Bot", role: "Editor" });
    expect(inputs).toEqual({
      stackSlug: "sas",
      name: "CI Bot",
      role: "Editor",
      isDisabled: false,
      adoptExisting: false,
    });
    const created = await provider.create(inputs);
    const id = created.outs.serviceAccountId;
    expect(created.id).toBe(`sas/${id}`);
    expect(created.outs).toEqual({
      ...inputs,
      serviceAccountId: id,
      login: "sa-1-ci-bot",
      orgId: 1,
    });
    expect(await accounts()).toEqual([expect.objectContaining({ id, name: "CI Bot", role: "Editor" })]);

    const read = await provider.read(created.id, created.outs);
    expect(read).toEqual({ id: created.id, props: created.outs, inputs });
    expect(await provider.diff(created.id, read.props!, inputs)).toEqual({ changes: false });

    // No update route: the plan says replace for every field.
    for (const [field, value] of [
      ["role", "Admin"],
      ["isDisabled", true],
    ] as const) {
      expect(await provider.diff(created.id, read.props!, { ...inputs, [field]: value })).toEqual({
        changes: true,
        replaces: [field],
        deleteBeforeReplace: true,
      });
    }
    expect(await provider.diff(created.id, read.props!, { ...inputs, name: "Deploy Bot" })).toEqual({
      changes: true,
      replaces: ["name"],
    });
    expect(await provider.diff(created.id, read.props!, { ...inputs, stackSlug: "other" })).toEqual({
      changes: true,
      replaces: ["stackSlug"],
    });
    // adoptExisting only matters when creating.
    expect(await provider.diff(created.id, read.props!, { ...inputs, adoptExisting: true })).toEqual({
      changes: false,
    });
    await expect(provider.update(created.id, read.props!, { ...inputs, role: "Admin" })).rejects.toThrow(
      /cannot be updated in place; every change replaces it/,
    );

    await provider.delete(created.id, read.props!);
    expect(await accounts()).toEqual([]);
    expect(await provider.read(created.id, read.props!)).toEqual({});
    await provider.delete(created.id, read.props!);
  });

  test("an account deleted behind Pulumi's back, or with its stack, is gone on refresh and made again", async () => {
    const inputs = await checked({ stackSlug: "sas", name: "bot", role: "Viewer" });
    const created = await provider.create(inputs);
    expect((await em.api("DELETE", `${SA}/${created.outs.serviceAccountId}`)).status).toBe(200);
    expect(await provider.read(created.id, created.outs)).toEqual({});

    const again = await provider.create(inputs);
    expect(again.outs.serviceAccountId).not.toBe(created.outs.serviceAccountId);
    expect((await em.api("DELETE", "/api/instances/sas")).status).toBe(200);
    expect(await provider.read(again.id, again.outs)).toEqual({});
    // Deleting what is gone is no error.
    await provider.delete(again.id, again.outs);
  });

  test("read corrects stored inputs from the account as the stack holds it", async () => {
    const made = (await em.api("POST", SA, { name: "hand", role: "Admin", isDisabled: true })).body;
    // State that says Viewer and enabled, as a stale or hand-edited state would.
    const stale = {
      stackSlug: "sas",
      name: "hand",
      role: "Viewer",
      isDisabled: false,
      adoptExisting: true,
      serviceAccountId: made.id,
    };
    const read = await provider.read(`sas/${made.id}`, stale);
    expect(read.inputs).toEqual({
      stackSlug: "sas",
      name: "hand",
      role: "Admin",
      isDisabled: true,
      adoptExisting: true,
    });
    const declared = await checked({ stackSlug: "sas", name: "hand", role: "Viewer", adoptExisting: true });
    expect(await provider.diff(read.id!, read.props!, declared)).toEqual({
      changes: true,
      replaces: ["role", "isDisabled"],
      deleteBeforeReplace: true,
    });
  });

  test("a taken name: the error says the account exists and how to adopt it; adoptExisting takes it over", async () => {
    const hand = (await em.api("POST", SA, { name: "taken", role: "Viewer" })).body;
    const e = await rejection(
      provider.create(await checked({ stackSlug: "sas", name: "taken", role: "Viewer" })),
    );
    expect(e.message).toMatch(
      /^creating service account "taken" on stack "sas": a service account with this name already exists on the stack/,
    );
    expect(e.message).toMatch(/Set adoptExisting: true to take it over/);
    expect(e.message).toMatch(/POST \/api\/instances\/sas\/api\/serviceaccounts failed: 409 Conflict/);

    const adopted = await provider.create(
      await checked({ stackSlug: "sas", name: "taken", role: "Viewer", adoptExisting: true }),
    );
    expect(adopted.id).toBe(`sas/${hand.id}`);
    expect(adopted.outs).toMatchObject({ serviceAccountId: hand.id, role: "Viewer", adoptExisting: true });
    expect(await accounts()).toHaveLength(1);
  });

  test("adoptExisting refuses an account whose role differs (the API cannot change it), saying both", async () => {
    await em.api("POST", SA, { name: "other-role", role: "Admin" });
    const e = await rejection(
      provider.create(
        await checked({ stackSlug: "sas", name: "other-role", role: "Viewer", adoptExisting: true }),
      ),
    );
    expect(e.message).toMatch(
      /the existing account has role Admin and isDisabled false, the declaration role Viewer and isDisabled false; the API cannot change an account/,
    );
    expect((await accounts()).map((a) => a.role)).toEqual(["Admin"]);
  });

  test("Grafana's own 400 for a taken name counts as taken too", async () => {
    await em.fault({
      method: "POST",
      path: `^${SA}$`,
      kind: "status",
      status: 400,
      code: "serviceaccounts.ErrAlreadyExists",
      message: "service account already exists",
      count: 1,
    });
    const e = await rejection(
      provider.create(await checked({ stackSlug: "sas", name: "x", role: "Viewer" })),
    );
    expect(e.message).toMatch(/a service account with this name already exists.*adoptExisting/);
  });

  test("a lost create response: the account made by it is taken, no second one", async () => {
    await em.clearRequests();
    await em.fault({ method: "POST", path: `^${SA}$`, kind: "lost-response", count: 1 });
    const created = await provider.create(await checked({ stackSlug: "sas", name: "lost", role: "Editor" }));
    expect(await em.faulted("lost-response")).toBe(1);
    const held = await accounts();
    expect(held).toEqual([expect.objectContaining({ name: "lost", role: "Editor" })]);
    expect(created.id).toBe(`sas/${held[0]!.id}`);
    // The second attempt met the name taken, and the account found under it was the first's.
    const calls = (await em.requests()).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(calls).toEqual([
      `POST ${SA} 200`,
      `POST ${SA} 409`,
      `GET ${SA}/search 200`,
      `GET ${SA}/${held[0]!.id} 200`,
    ]);
  });

  test("a missing stack is reported as such", async () => {
    const e = await rejection(
      provider.create(await checked({ stackSlug: "nosuch", name: "x", role: "Viewer" })),
    );
    expect(e.message).toMatch(
      /^creating service account "x" on stack "nosuch": stack "nosuch" does not exist/,
    );
    expect(e.name).toBe("NotFoundError");
  });

  test("check names each invalid property", async () => {
    const r = await provider.check(
      {},
      { stackSlug: "my-stack", name: " ", role: "Owner", isDisabled: "no", adoptExisting: 1, extra: 1 },
    );
    expect((r.failures ?? []).map((f) => f.reason).sort()).toEqual([
      "adoptExisting: must be a boolean",
      "extra: is not a known property of this resource",
      "isDisabled: must be a boolean",
      "name: must be a non-empty string of at most 255 characters",
      'role: must be "Viewer", "Editor", "Admin" or "None"',
      "stackSlug: must be 1-29 lowercase letters and digits, starting with a letter",
    ]);
  });
});
