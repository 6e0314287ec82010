// Scenarios 1 and 8 of the engine suite (issue 6): a program with every resource goes up, a second
// preview reports nothing to do (before and after a refresh), destroy leaves the emulator empty;
// a protected stack refuses destroy with a message naming deleteProtection and survives it.
import * as pulumi from "@pulumi/pulumi";
import { AccessPolicy, Stack, Token } from "../../provider";
import { stateResources } from "../../scripts/lib/engine";
import { declaredResources, namesWithOp, type Scenario, startScenario, stepsByName } from "./helpers";

// Jest ignores `testTimeout` inside a `projects` entry, so engine files set it themselves.
jest.setTimeout(900_000);

/** A stack, a policy scoped to it with a label policy, and a token of that policy. */
function everything(deleteProtection: boolean | undefined) {
  return async () => {
    const stack = new Stack("stack", {
      slug: "lifecycle",
      description: "engine lifecycle",
      labels: { team: "platform" },
      ...(deleteProtection === undefined ? {} : { deleteProtection }),
    });
    const policy = new AccessPolicy("policy", {
      region: "us",
      name: "lifecycle-readers",
      scopes: ["metrics:read", "logs:read"],
      realms: [
        {
          type: "stack",
          identifier: stack.stackId.apply(String),
          labelPolicies: [{ selector: '{env="prod"}' }],
        },
      ],
      conditions: { allowedSubnets: ["10.0.0.0/8"] },
    });
    const token = new Token("token", {
      region: "us",
      accessPolicyId: policy.policyId,
      name: "lifecycle-token",
      expiresAt: "2099-01-01T00:00:00Z",
    });
    return { stackUrl: stack.url, policyId: policy.policyId, token: pulumi.secret(token.token) };
  };
}

describe("lifecycle", () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  test("up creates everything; preview is clean before and after a refresh; destroy empties the emulator", async () => {
    scenario = await startScenario({ projectName: "engine-lifecycle", program: everything(false) });
    const { project, emulator } = scenario;

    const up = await project.up();
    expect(up.result.summary.result).toBe("succeeded");
    expect(namesWithOp(up.events, "create")).toEqual(["policy", "stack", "token"]);
    const live = await emulator.live();
    expect(live.stacks).toHaveLength(1);
    expect(live.accessPolicies).toHaveLength(1);
    expect(live.tokens).toHaveLength(1);
    expect(up.result.outputs["stackUrl"]?.value).toBe(`${emulator.url}/grafana/lifecycle`);
    expect(up.result.outputs["policyId"]?.value).toBe(live.accessPolicies[0].id);
    expect(live.accessPolicies[0].realms).toEqual([
      { type: "stack", identifier: String(live.stacks[0].id), labelPolicies: [{ selector: '{env="prod"}' }] },
    ]);
    expect(live.tokens[0].accessPolicyId).toBe(live.accessPolicies[0].id);

    // The CLI itself fails the preview if it finds anything to do.
    const preview = await project.preview({ expectNoChanges: true });
    expect(preview.result.changeSummary).toEqual({ same: 4 });

    const refresh = await project.refresh({ expectNoChanges: true });
    expect(refresh.result.summary.resourceChanges).toEqual({ same: 4 });
    const afterRefresh = await project.preview({ expectNoChanges: true });
    expect(afterRefresh.result.changeSummary).toEqual({ same: 4 });
    expect(Object.values(stepsByName(afterRefresh.events)).flat()).toEqual(["same", "same", "same"]);

    const destroy = await project.destroy();
    expect(destroy.result.summary.resourceChanges).toEqual({ delete: 4 });
    expect(stateResources(await project.exportState())).toHaveLength(0);
    expect(await emulator.live()).toEqual({
      stacks: [],
      accessPolicies: [],
      tokens: [],
      plugins: [],
      stackApiKeys: [],
    });
  });

  test("a protected stack refuses destroy, names deleteProtection, and still exists", async () => {
    // deleteProtection is left to its default (true), as a user would.
    scenario = await startScenario({ projectName: "engine-protected", program: everything(undefined) });
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
    expect(failure?.output).toMatch(/lifecycle/);

    // The stack is still there, and still in state; its dependents went first.
    const live = await emulator.live();
    expect(live.stacks.map((s: any) => [s.id, s.status])).toEqual([[stackBefore.id, "active"]]);
    expect(declaredResources(await project.exportState()).map((r) => r.type)).toEqual([
      "pulumi-nodejs:dynamic/grafana-cloud:Stack",
    ]);

    // Lifting the protection, as the message says, lets destroy through.
    project.setProgram(everything(false));
    await project.up();
    await project.destroy();
    expect((await emulator.live()).stacks).toEqual([]);
  });
});
