// The engine suite's lifecycle: the quickstart example (a stack, a policy, a token, a plugin, and a
// service account with a token), as a project directory run by the real CLI, goes up, a second preview reports nothing
// to do (before and after a refresh), destroy leaves the emulator empty; a protected stack refuses
// destroy with a message naming deleteProtection and survives it.
import {
  declaredResources,
  exampleProgram,
  namesWithOp,
  quickstartConfig,
  type Scenario,
  startScenario,
  stateResources,
  stepsByName,
} from "../support/engine";

const NOTHING = {
  stacks: [],
  accessPolicies: [],
  tokens: [],
  plugins: [],
  stackApiKeys: [],
  serviceAccounts: [],
  serviceAccountTokens: [],
};

describe("lifecycle", () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  test("up of the quickstart; preview is clean before and after a refresh; destroy empties the emulator", async () => {
    scenario = await startScenario({
      projectName: "engine-lifecycle",
      source: exampleProgram("quickstart"),
      config: quickstartConfig("lifecycle", false),
    });
    const { project, emulator } = scenario;

    const up = await project.up();
    expect(namesWithOp(up.events, "create")).toEqual([
      "ci",
      "ci-token",
      "clock-panel",
      "main",
      "readers",
      "readers-token",
    ]);
    const live = await emulator.live();
    const [stack] = live.stacks;
    const [policy] = live.accessPolicies;
    expect(live.stacks).toHaveLength(1);
    expect(live.accessPolicies).toHaveLength(1);
    expect(live.tokens).toHaveLength(1);
    expect(live.plugins).toHaveLength(1);
    expect(live.serviceAccounts).toHaveLength(1);
    expect(live.serviceAccountTokens).toHaveLength(1);
    expect(stack).toMatchObject({ slug: "lifecycle", status: "active", labels: { team: "platform" } });
    expect(policy.realms).toEqual([
      { type: "stack", identifier: String(stack.id), labelPolicies: [{ selector: '{env!="dev"}' }] },
    ]);
    expect(live.tokens[0].accessPolicyId).toBe(policy.id);
    expect(live.plugins[0]).toMatchObject({
      stackSlug: "lifecycle",
      plugin: "grafana-clock-panel",
      version: "2.1.8",
    });
    const [account] = live.serviceAccounts;
    expect(account).toMatchObject({ stackSlug: "lifecycle", name: "ci", role: "Editor", isDisabled: false });
    expect(live.serviceAccountTokens[0]).toMatchObject({
      stackSlug: "lifecycle",
      serviceAccountId: account.id,
      name: "ci-token",
      hasExpired: false,
    });
    const outputs = await project.outputs();
    expect(outputs["stackUrl"]?.value).toBe(`${emulator.url}/grafana/lifecycle`);
    expect(outputs["policyId"]?.value).toBe(policy.id);
    expect(outputs["tokenId"]?.value).toBe(live.tokens[0].id);
    expect(outputs["pluginVersion"]?.value).toBe("2.1.8");
    expect(outputs["serviceAccountId"]?.value).toBe(account.id);
    expect(outputs["ciTokenExpiration"]?.value).toBe(live.serviceAccountTokens[0].expiration);
    expect(outputs["token"]?.secret).toBe(true);
    expect(outputs["ciToken"]?.secret).toBe(true);

    // The CLI itself fails the preview if it finds anything to do.
    const preview = await project.preview({ expectNoChanges: true });
    expect(preview.changes).toEqual({ same: 7 });

    const refresh = await project.refresh({ expectNoChanges: true });
    expect(refresh.changes).toEqual({ same: 7 });
    const afterRefresh = await project.preview({ expectNoChanges: true });
    expect(afterRefresh.changes).toEqual({ same: 7 });
    expect(new Set(Object.values(stepsByName(afterRefresh.events)).flat())).toEqual(new Set(["same"]));

    const destroy = await project.destroy();
    expect(destroy.changes).toEqual({ delete: 7 });
    expect(stateResources(await project.exportState())).toHaveLength(0);
    expect(await emulator.live()).toEqual(NOTHING);
    // Nothing at all is left, not even the provider's temporary Admin keys.
    const raw = await emulator.state();
    expect(raw.stackApiKeys).toEqual([]);
    expect(raw.stacks.map((s) => s.status)).toEqual(["deleted"]);
  });

  test("a protected stack refuses destroy, names deleteProtection, and still exists", async () => {
    scenario = await startScenario({
      projectName: "engine-protected",
      source: exampleProgram("quickstart"),
      config: quickstartConfig("protected", true),
    });
    const { project, emulator } = scenario;
    await project.up();
    const [stackBefore] = (await emulator.live()).stacks;
    expect(stackBefore.deleteProtection).toBe(true);

    const failure = await project.destroy().then(
      () => undefined,
      (err: unknown) => err as Error & { output?: string },
    );
    expect(failure).toBeDefined();
    expect(failure?.output).toMatch(/deleteProtection/);
    expect(failure?.output).toMatch(/delete protection is enabled/i);
    expect(failure?.output).toMatch(/"protected"/);

    // The stack is still there, and still in state; its dependents went first.
    const live = await emulator.live();
    expect(live.stacks.map((s: any) => [s.id, s.status])).toEqual([[stackBefore.id, "active"]]);
    expect(declaredResources(await project.exportState()).map((r) => r.type)).toEqual([
      "pulumi-nodejs:dynamic/grafana-cloud:Stack",
    ]);

    // Lifting the protection, as the message says, lets destroy through.
    await project.setConfig(quickstartConfig("protected", false));
    await project.up();
    await project.destroy();
    expect(await emulator.live()).toEqual(NOTHING);
  });
});
