// Preview accuracy with dependent resources: an in-place update of a resource must not make
// `preview` announce changes to the resources wired to its outputs (a policy's `policyId` feeding a
// token's `accessPolicyId`, a stack's `stackId` feeding a policy's realm), since `up` changes
// nothing there. The dynamic-provider host does not preview updates, so during preview an updated
// resource's outputs that are not among its inputs are unknown.
import {
  declare,
  declaredProgram,
  ref,
  type Scenario,
  setDeclared,
  startScenario,
  stepsByName,
} from "../support/engine";

interface Declared {
  stackDescription: string;
  policyDisplayName: string;
}

/** Wired as the quickstart and the README wire them: through the outputs named after the API's ids. */
function resources(d: Declared) {
  return [
    declare("Stack", "stack", { slug: "accuracy", description: d.stackDescription, deleteProtection: false }),
    declare("AccessPolicy", "policy", {
      region: "us",
      name: "accuracy",
      displayName: d.policyDisplayName,
      scopes: ["metrics:read"],
      realms: [{ type: "stack", identifier: ref("stack", "stackId", { string: true }) }],
    }),
    declare("Token", "token", { region: "us", accessPolicyId: ref("policy", "policyId"), name: "accuracy" }),
  ];
}

describe("preview accuracy", () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  test("updating a policy in place plans nothing for its token", async () => {
    const declared: Declared = { stackDescription: "one", policyDisplayName: "one" };
    scenario = await startScenario({
      projectName: "engine-accuracy-policy",
      source: declaredProgram(resources(declared)),
    });
    const { project, emulator } = scenario;
    await project.up();
    const [tokenBefore] = (await emulator.live()).tokens;

    declared.policyDisplayName = "two";
    setDeclared(project, resources(declared));
    const preview = await project.preview();
    const up = await project.up();
    expect((await emulator.live()).tokens.map((t) => t.id)).toEqual([tokenBefore.id]);
    expect(up.changes).toEqual({ update: 1, same: 3 });
    expect(stepsByName(preview.events)).toEqual({ stack: ["same"], policy: ["update"], token: ["same"] });
  });

  test("updating a stack in place plans nothing for the policy scoped to it", async () => {
    const declared: Declared = { stackDescription: "one", policyDisplayName: "one" };
    scenario = await startScenario({
      projectName: "engine-accuracy-stack",
      source: declaredProgram(resources(declared)),
    });
    const { project } = scenario;
    await project.up();

    declared.stackDescription = "two";
    setDeclared(project, resources(declared));
    const preview = await project.preview();
    const up = await project.up();
    expect(up.changes).toEqual({ update: 1, same: 3 });
    expect(stepsByName(preview.events)).toEqual({ stack: ["update"], policy: ["same"], token: ["same"] });
  });
});
