// Preview accuracy with dependent resources: an in-place update of a resource must not make
// `preview` announce changes to the resources wired to its outputs (a policy's `policyId` feeding a
// token's `accessPolicyId`, a stack's `stackId` feeding a policy's realm), since `up` changes
// nothing there. The dynamic-provider host does not preview updates, so during preview an updated
// resource's outputs that are not among its inputs are unknown.
import { AccessPolicy, Stack, Token } from "../../provider";
import { type Scenario, startScenario, stepsByName } from "./helpers";

// Jest ignores `testTimeout` inside a `projects` entry, so engine files set it themselves.

interface Declared {
  stackDescription: string;
  policyDisplayName: string;
}

/** Wired as the quickstart and the README wire them: through the outputs named after the API's ids. */
function program(d: Declared) {
  return async () => {
    const stack = new Stack("stack", {
      slug: "accuracy",
      description: d.stackDescription,
      deleteProtection: false,
    });
    const policy = new AccessPolicy("policy", {
      region: "us",
      name: "accuracy",
      displayName: d.policyDisplayName,
      scopes: ["metrics:read"],
      realms: [{ type: "stack", identifier: stack.stackId.apply(String) }],
    });
    new Token("token", { region: "us", accessPolicyId: policy.policyId, name: "accuracy" });
  };
}

describe("preview accuracy", () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  test("updating a policy in place plans nothing for its token", async () => {
    const declared: Declared = { stackDescription: "one", policyDisplayName: "one" };
    scenario = await startScenario({ projectName: "engine-accuracy-policy", program: program(declared) });
    const { project, emulator } = scenario;
    await project.up();
    const [tokenBefore] = (await emulator.live()).tokens;

    declared.policyDisplayName = "two";
    project.setProgram(program(declared));
    const preview = await project.preview();
    const up = await project.up();
    expect((await emulator.live()).tokens.map((t: any) => t.id)).toEqual([tokenBefore.id]);
    expect(up.result.summary.resourceChanges).toEqual({ update: 1, same: 3 });
    expect(stepsByName(preview.events)).toEqual({ stack: ["same"], policy: ["update"], token: ["same"] });
  });

  test("updating a stack in place plans nothing for the policy scoped to it", async () => {
    const declared: Declared = { stackDescription: "one", policyDisplayName: "one" };
    scenario = await startScenario({ projectName: "engine-accuracy-stack", program: program(declared) });
    const { project } = scenario;
    await project.up();

    declared.stackDescription = "two";
    project.setProgram(program(declared));
    const preview = await project.preview();
    const up = await project.up();
    expect(up.result.summary.resourceChanges).toEqual({ update: 1, same: 3 });
    expect(stepsByName(preview.events)).toEqual({ stack: ["update"], policy: ["same"], token: ["same"] });
  });
});
