// The engine suite's drift scenarios, run by the real CLI on a project directory. Objects changed behind Pulumi's back (through
// the emulator's own API, as a person in the Grafana Cloud UI would) show up as updates in
// `pulumi refresh`, and the next `up` restores the declaration. Objects deleted behind its back are
// dropped by refresh and recreated by `up`.
import {
  declare,
  declaredProgram,
  declaredResources,
  namesWithOp,
  ref,
  type Scenario,
  startScenario,
  stepsByName,
  type TestEmulator,
} from "../support/engine";

/**
 * Every resource, with a value declared for each field that can drift. Dependents are wired
 * through the resource ids (the API's ids), which stay known while a preview plans an update.
 */
function program(slug: string) {
  return declaredProgram([
    declare("Stack", "stack", {
      slug,
      name: "Drift stack",
      description: "declared",
      labels: { team: "platform" },
      deleteProtection: false,
    }),
    declare("AccessPolicy", "policy", {
      region: "us",
      name: `${slug}-policy`,
      displayName: "Declared policy",
      scopes: ["metrics:read", "logs:read"],
      realms: [{ type: "stack", identifier: ref("stack", "id") }],
    }),
    declare("Token", "token", {
      region: "us",
      accessPolicyId: ref("policy", "id"),
      name: `${slug}-token`,
      displayName: "Declared token",
      expiresAt: "2090-01-01T00:00:00Z",
    }),
    declare("PluginInstallation", "plugin", {
      stackSlug: ref("stack", "slug"),
      plugin: "grafana-clock-panel",
      version: "2.1.5",
    }),
    // On stacks without API keys (today's Grafana, the emulator's default): a service account
    // sa-autogen-ci holding one token named ci.
    declare("StackApiKey", "key", { stackSlug: ref("stack", "slug"), name: "ci", role: "Editor" }),
    declare("StackServiceAccount", "account", {
      stackSlug: ref("stack", "slug"),
      name: "deployer",
      role: "Viewer",
    }),
    declare("StackServiceAccountToken", "account-token", {
      stackSlug: ref("stack", "slug"),
      serviceAccountId: ref("account", "serviceAccountId"),
      name: "deployer-token",
    }),
  ]);
}

/** What the program declares, as the emulator shows it. */
async function expectDeclared(emulator: TestEmulator, slug: string): Promise<void> {
  const live = await emulator.live();
  expect(live.stacks).toHaveLength(1);
  expect(live.stacks[0]).toMatchObject({
    slug,
    name: "Drift stack",
    description: "declared",
    labels: { team: "platform" },
  });
  expect(live.accessPolicies).toHaveLength(1);
  expect(live.accessPolicies[0]).toMatchObject({
    displayName: "Declared policy",
    status: "active",
    realms: [{ type: "stack", identifier: String(live.stacks[0].id), labelPolicies: [] }],
  });
  // No conditions: null as the service answers, left out under the contract.
  expect(live.accessPolicies[0].conditions ?? null).toBeNull();
  expect([...live.accessPolicies[0].scopes].sort()).toEqual(["logs:read", "metrics:read"]);
  expect(live.tokens).toHaveLength(1);
  expect(live.tokens[0]).toMatchObject({
    displayName: "Declared token",
    expiresAt: "2090-01-01T00:00:00.000Z",
    accessPolicyId: live.accessPolicies[0].id,
  });
  expect(live.plugins.map((p) => [p.stackSlug, p.plugin, p.version])).toEqual([
    [slug, "grafana-clock-panel", "2.1.5"],
  ]);
  expect(live.serviceAccounts.map((a) => [a.stackSlug, a.name, a.role]).sort()).toEqual([
    [slug, "deployer", "Viewer"],
    [slug, "sa-autogen-ci", "Editor"],
  ]);
  const accountOf = (id: number) => live.serviceAccounts.find((a) => a.id === id)?.name;
  expect(live.serviceAccountTokens.map((t) => [accountOf(t.serviceAccountId), t.name]).sort()).toEqual([
    ["deployer", "deployer-token"],
    ["sa-autogen-ci", "ci"],
  ]);
}

/** Deletes a service account or one of its tokens the way a person would: through the instance proxy. */
async function deleteByHand(emulator: TestEmulator, slug: string, path: string): Promise<void> {
  await emulator.api("DELETE", `/api/instances/${slug}/api/serviceaccounts/${path}`);
}

describe("drift", () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  test("changes behind Pulumi's back show in refresh, and up restores the declaration", async () => {
    scenario = await startScenario({ projectName: "engine-drift-changes", source: program("drift") });
    const { project, emulator } = scenario;
    await project.up();
    await expectDeclared(emulator, "drift");
    const before = await emulator.live();
    const stack = before.stacks[0];
    const policy = before.accessPolicies[0];
    const token = before.tokens[0];

    await emulator.api("POST", `/api/instances/${stack.id}`, {
      name: "Renamed by hand",
      description: "changed by hand",
      labels: { team: "someone-else", extra: "label" },
    });
    await emulator.api("POST", `/api/v1/accesspolicies/${policy.id}?region=us`, {
      displayName: "Changed by hand",
      scopes: ["metrics:read", "metrics:write"],
      conditions: { allowedSubnets: ["192.0.2.0/24"] },
      status: "inactive",
    });
    await emulator.api("POST", `/api/v1/tokens/${token.id}?region=us`, {
      displayName: "Changed by hand",
      expiresAt: "2080-01-01T00:00:00Z",
    });
    await emulator.api("POST", `/api/instances/drift/plugins/grafana-clock-panel`, { version: "2.1.3" });

    // Refresh sees each changed object as an update; the key, the account and its token (which
    // the API cannot change) stay the same.
    const refresh = await project.refresh();
    expect(refresh.changes).toEqual({ update: 4, same: 4 });
    expect(refresh.output).toMatch(/4 updated/);
    const state = declaredResources(await project.exportState());
    const outputsOf = (type: string) => state.find((r) => r.type.endsWith(`:${type}`))?.outputs;
    expect(outputsOf("Stack")).toMatchObject({ name: "Renamed by hand", description: "changed by hand" });
    expect(outputsOf("AccessPolicy")).toMatchObject({ displayName: "Changed by hand", status: "inactive" });
    expect(outputsOf("Token")).toMatchObject({ displayName: "Changed by hand" });
    expect(outputsOf("PluginInstallation")).toMatchObject({ installedVersion: "2.1.3" });

    // The program still declares the old values: the next preview plans to put them back.
    const preview = await project.preview();
    expect(namesWithOp(preview.events, "update")).toEqual(["plugin", "policy", "stack", "token"]);
    expect(stepsByName(preview.events)["key"]).toEqual(["same"]);

    const up = await project.up();
    expect(up.changes).toEqual({ update: 4, same: 4 });
    await expectDeclared(emulator, "drift");
    // Restored in place: the same objects as before.
    const after = await emulator.live();
    expect([after.stacks[0].id, after.accessPolicies[0].id, after.tokens[0].id]).toEqual([
      stack.id,
      policy.id,
      token.id,
    ]);
    await project.preview({ expectNoChanges: true });
    await project.refresh({ expectNoChanges: true });
  });

  test("objects deleted behind Pulumi's back are dropped by refresh and recreated by up", async () => {
    scenario = await startScenario({ projectName: "engine-drift-deletions", source: program("gone") });
    const { project, emulator } = scenario;
    await project.up();
    const first = await emulator.live();

    // The leaves first: the token, the plugin, the key's token, and the account (its token goes
    // with it); the stack and the policy stay.
    const keyAccount = first.serviceAccounts.find((a) => a.name === "sa-autogen-ci");
    const deployer = first.serviceAccounts.find((a) => a.name === "deployer");
    const keyToken = first.serviceAccountTokens.find((t) => t.name === "ci");
    await emulator.api("DELETE", `/api/v1/tokens/${first.tokens[0].id}?region=us`);
    await emulator.api("DELETE", `/api/instances/gone/plugins/grafana-clock-panel`);
    await deleteByHand(emulator, "gone", `${keyAccount.id}/tokens/${keyToken.id}`);
    await deleteByHand(emulator, "gone", `${deployer.id}`);
    const leaves = await emulator.live();
    expect([leaves.tokens, leaves.plugins, leaves.serviceAccountTokens]).toEqual([[], [], []]);

    const refresh = await project.refresh();
    expect(refresh.changes).toEqual({ delete: 5, same: 3 });
    expect(
      declaredResources(await project.exportState())
        .map((r) => r.type.split(":").pop())
        .sort(),
    ).toEqual(["AccessPolicy", "Stack"]);
    const recreate = await project.up();
    expect(namesWithOp(recreate.events, "create")).toEqual([
      "account",
      "account-token",
      "key",
      "plugin",
      "token",
    ]);
    await expectDeclared(emulator, "gone");
    const second = await emulator.live();
    expect(second.tokens[0].id).not.toBe(first.tokens[0].id);
    expect([second.stacks[0].id, second.accessPolicies[0].id]).toEqual([
      first.stacks[0].id,
      first.accessPolicies[0].id,
    ]);

    // Then everything: the policy (its token goes with it) and the stack (its plugin, key and
    // account too).
    await emulator.api("DELETE", `/api/v1/accesspolicies/${second.accessPolicies[0].id}?region=us`);
    await emulator.api("DELETE", `/api/instances/${second.stacks[0].id}`);
    const refreshAll = await project.refresh();
    expect(refreshAll.changes).toEqual({ delete: 7, same: 1 });
    expect(declaredResources(await project.exportState())).toEqual([]);
    const recreateAll = await project.up();
    expect(namesWithOp(recreateAll.events, "create")).toEqual([
      "account",
      "account-token",
      "key",
      "plugin",
      "policy",
      "stack",
      "token",
    ]);
    await expectDeclared(emulator, "gone");
    expect((await emulator.live()).stacks[0].id).not.toBe(second.stacks[0].id);
    await project.preview({ expectNoChanges: true });
  });
});
