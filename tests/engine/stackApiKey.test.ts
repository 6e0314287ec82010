// StackApiKey end to end through the real CLI, on stacks that still have API keys and on stacks
// whose Grafana removed them (the emulator's default, as today's service), where the key is a
// service account sa-autogen-<name> holding one token: up, the key works on the stack, refresh and
// preview find nothing to do, a role change replaces it (the old one first: the name stays), and
// destroy leaves nothing behind. And a service-account token past its expiry: refresh drops it,
// the next preview plans to create it, and up makes it again.
import type { StackApiKeysMode } from "../../emulator";
import {
  declare,
  declaredProgram,
  declaredResources,
  namesWithOp,
  ref,
  resourceNamed,
  type Scenario,
  setDeclared,
  startScenario,
  stepsByName,
  type TestEmulator,
} from "../support/engine";

const keyProgram = (role: string) =>
  declaredProgram(
    [
      declare("Stack", "stack", { slug: "keysboth", deleteProtection: false }),
      declare("StackApiKey", "key", { stackSlug: ref("stack", "slug"), name: "ci", role }),
    ],
    { keyId: ref("key", "keyId"), backing: ref("key", "backing"), key: ref("key", "key") },
  );

/** The status of GET `path` on the stack's own URL with `key`. */
const onStack = async (emulator: TestEmulator, path: string, key: string) =>
  (await fetch(`${emulator.url}/grafana/keysboth${path}`, { headers: { authorization: `Bearer ${key}` } }))
    .status;

/** The key as the emulator holds it, in either backing: [name, role, id]. */
async function heldKeys(emulator: TestEmulator, mode: StackApiKeysMode): Promise<unknown[][]> {
  const live = await emulator.live();
  if (mode === "legacy") {
    expect(live.serviceAccounts).toEqual([]);
    return live.stackApiKeys.map((k) => [k.name, k.role, k.id]);
  }
  expect(live.stackApiKeys).toEqual([]);
  return live.serviceAccountTokens.map((t) => {
    const account = live.serviceAccounts.find((a) => a.id === t.serviceAccountId);
    expect(account?.name).toBe(`sa-autogen-${t.name}`);
    return [t.name, account?.role, t.id];
  });
}

describe("StackApiKey, end to end", () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  test.each<[StackApiKeysMode, string]>([
    ["legacy", "apiKey"],
    ["removed", "serviceAccount"],
  ])("stacks with API keys %s: backing %s, the same outputs, replace and destroy", async (mode, backing) => {
    scenario = await startScenario({
      projectName: `engine-keys-${mode}`,
      source: keyProgram("Editor"),
      emulator: { stackApiKeys: mode },
    });
    const { project, emulator } = scenario;
    await project.up();
    const outputs = await project.outputs();
    expect(outputs["backing"]?.value).toBe(backing);
    expect(outputs["key"]?.secret).toBe(true);
    const key = String(outputs["key"]?.value);
    const keyId = outputs["keyId"]?.value;
    expect(await heldKeys(emulator, mode)).toEqual([["ci", "Editor", keyId]]);
    const state = declaredResources(await project.exportState());
    expect(resourceNamed(state, "key").id).toBe(`keysboth/${String(keyId)}`);
    expect(resourceNamed(state, "key").outputs?.["key"]).toHaveProperty("ciphertext");
    // The key works on the stack with its role: an Editor reads the org.
    expect(await onStack(emulator, "/api/org", key)).toBe(200);

    expect((await project.refresh({ expectNoChanges: true })).changes).toEqual({ same: 3 });
    await project.preview({ expectNoChanges: true });

    // The API cannot change a key: a new role replaces it, the old one first (the name stays).
    setDeclared(project, [
      declare("Stack", "stack", { slug: "keysboth", deleteProtection: false }),
      declare("StackApiKey", "key", { stackSlug: ref("stack", "slug"), name: "ci", role: "Admin" }),
    ]);
    const preview = await project.preview();
    // Deleting the old key first (the name stays): the plan says so.
    expect(stepsByName(preview.events)["key"]).toEqual(["delete-replaced", "replace", "create-replacement"]);
    const up = await project.up();
    // The old key is deleted before its replacement is made.
    expect(stepsByName(up.events)["key"]?.[0]).toBe("delete-replaced");
    const held = await heldKeys(emulator, mode);
    expect(held).toEqual([["ci", "Admin", expect.any(Number)]]);
    expect(held[0]?.[2]).not.toBe(keyId);
    expect(await onStack(emulator, "/api/org", key)).toBe(401);
    await project.preview({ expectNoChanges: true });

    await project.destroy();
    const live = await emulator.live();
    expect(Object.fromEntries(Object.entries(live).filter(([, objects]) => objects.length > 0))).toEqual({});
    // Not even the provider's temporary Admin keys remain.
    expect((await emulator.state()).stackApiKeys).toEqual([]);
  });

  test("an expired service-account token: refresh drops it, preview plans it, up makes it again", async () => {
    const program = declaredProgram([
      declare("Stack", "stack", { slug: "keysboth", deleteProtection: false }),
      declare("StackServiceAccount", "account", {
        stackSlug: ref("stack", "slug"),
        name: "ci",
        role: "Viewer",
      }),
      declare("StackServiceAccountToken", "token", {
        stackSlug: ref("stack", "slug"),
        serviceAccountId: ref("account", "serviceAccountId"),
        name: "ci-token",
        secondsToLive: 3600,
      }),
    ]);
    scenario = await startScenario({ projectName: "engine-sa-expiry", source: program });
    const { project, emulator } = scenario;
    await project.up();
    const [first] = (await emulator.live()).serviceAccountTokens;

    // An hour and a minute later, for the stack and for the provider alike.
    await emulator.advanceClock(3660);
    const later = { env: { GRAFANA_CLOUD_CLOCK_OFFSET_SECONDS: "3660" } };
    const refresh = await project.refresh(later);
    expect(refresh.changes).toEqual({ delete: 1, same: 3 });
    const preview = await project.preview(later);
    expect(namesWithOp(preview.events, "create")).toEqual(["token"]);
    await project.up(later);
    const live = await emulator.live();
    // The expired token that held the name was removed to make room for the new one.
    expect(live.serviceAccountTokens).toHaveLength(1);
    expect(live.serviceAccountTokens[0]).toMatchObject({ name: "ci-token", hasExpired: false });
    expect(live.serviceAccountTokens[0].id).not.toBe(first.id);
    await project.preview({ ...later, expectNoChanges: true });
  });
});
