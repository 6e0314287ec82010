// A pipeline's `pulumi preview` catches what would make its `up` fail: when the plan writes
// something, a wrong access token (or none) fails the preview with the same clear message, naming
// where the token came from and how to set it, at the cost of one API call for the run; a preview
// with nothing to do makes no call at all. Real CLI runs on a project directory.
import {
  declare,
  declaredProgram,
  errorLines,
  failure,
  type Scenario,
  startScenario,
} from "../support/engine";

const WRONG = "glc_wrong_token_for_the_preview_test_5d1e";

const resources = [
  declare("Stack", "stack", { slug: "gate", deleteProtection: false }),
  declare("AccessPolicy", "policy", {
    region: "us",
    name: "gate",
    scopes: ["metrics:read"],
    realms: [{ type: "org", identifier: "1" }],
  }),
];

describe("the credential check of a preview", () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  test("a wrong token fails the preview of a plan that creates, naming where it came from; one call", async () => {
    scenario = await startScenario({
      projectName: "engine-credential-wrong",
      source: declaredProgram(resources),
    });
    const { project, emulator } = scenario;

    // From the Pulumi config (the scenario's secret config, replaced by a wrong one).
    await project.setConfig({}, { "grafana-cloud:accessPolicyToken": WRONG });
    const fromConfig = await failure(project.preview());
    expect(fromConfig.output).toContain(
      "rejected the access policy token from the Pulumi config `grafana-cloud:accessPolicyToken`, so `pulumi up` would fail",
    );
    expect(fromConfig.output).toContain("pulumi config set --secret grafana-cloud:accessPolicyToken <token>");
    expect(fromConfig.output).not.toContain(WRONG);
    const calls = (await emulator.requests()).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(calls).toEqual(["GET /api/stack-regions 401"]);

    // From the environment, the config having none.
    await emulator.clearRequests();
    expect((await project.pulumi(["config", "rm", "grafana-cloud:accessPolicyToken"])).exitCode).toBe(0);
    const fromEnv = await failure(project.preview({ env: { GRAFANA_CLOUD_ACCESS_POLICY_TOKEN: WRONG } }));
    expect(errorLines(fromEnv.output).join("\n")).toContain(
      "rejected the access policy token from the environment variable GRAFANA_CLOUD_ACCESS_POLICY_TOKEN",
    );
    expect(fromEnv.output).not.toContain(WRONG);
    expect(await emulator.requests()).toHaveLength(1);

    // None at all: the preview says how to set one, without a call.
    await emulator.clearRequests();
    const none = await failure(project.preview());
    expect(none.output).toMatch(/No Grafana Cloud access policy token is configured/);
    expect(none.output).toContain("pulumi config set --secret grafana-cloud:accessPolicyToken");
    expect(await emulator.requests()).toEqual([]);
    // Nothing was made by any of it.
    expect(await emulator.live()).toMatchObject({ stacks: [], accessPolicies: [] });
  });

  test("a right token passes; a preview with nothing to do makes no call, whatever the token", async () => {
    scenario = await startScenario({
      projectName: "engine-credential-noop",
      source: declaredProgram(resources),
    });
    const { project, emulator } = scenario;
    const plan = await project.preview();
    expect(plan.changes).toEqual({ create: 3 });
    expect((await emulator.requests()).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /api/stack-regions 200",
    ]);
    await project.up();

    await emulator.clearRequests();
    await project.setConfig({}, { "grafana-cloud:accessPolicyToken": WRONG });
    const noop = await project.preview({ expectNoChanges: true });
    expect(noop.changes).toEqual({ same: 3 });
    expect(await emulator.requests()).toEqual([]);
  });
});
