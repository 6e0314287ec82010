// Token rotation end to end through the real CLI, for a rotating Token and a rotating
// StackServiceAccountToken: before the early-rotation window nothing is planned; with both clocks
// (the emulator's and the provider's, through GRAFANA_CLOUD_CLOCK_OFFSET_SECONDS) moved inside it,
// preview plans a replacement keyed on `rotation`, new before old; up makes the new generation,
// the stack outputs carry its secret in the same run, the old one is deleted, exactly one
// generation of each is left, and the next preview finds nothing to do.
import {
  declare,
  declaredProgram,
  ref,
  replaceKeys,
  type Scenario,
  startScenario,
  stepsByName,
} from "../support/engine";

const HOUR = 3600;
const rotation = { expireAfterSeconds: HOUR, earlyRotationSeconds: 600 };

const program = declaredProgram(
  [
    declare("AccessPolicy", "policy", {
      region: "us",
      name: "ci",
      scopes: ["metrics:read"],
      realms: [{ type: "org", identifier: "1" }],
    }),
    declare("Token", "token", {
      region: ref("policy", "region"),
      accessPolicyId: ref("policy", "policyId"),
      name: "ci",
      rotation,
    }),
    declare("Stack", "stack", { slug: "rotating", deleteProtection: false }),
    declare("StackServiceAccount", "account", {
      stackSlug: ref("stack", "slug"),
      name: "ci",
      role: "Viewer",
    }),
    declare("StackServiceAccountToken", "satoken", {
      stackSlug: ref("stack", "slug"),
      serviceAccountId: ref("account", "serviceAccountId"),
      name: "deploy",
      rotation,
    }),
  ],
  {
    token: ref("token", "token"),
    tokenName: ref("token", "tokenName"),
    ready: ref("token", "readyForRotation"),
    key: ref("satoken", "key"),
    keyName: ref("satoken", "tokenName"),
  },
);

describe("token rotation, end to end", () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  test("no plan before the window; inside it, replace new before old, new secrets out in the same run", async () => {
    scenario = await startScenario({ projectName: "engine-rotation", source: program });
    const { project, emulator } = scenario;
    await project.up();
    const first = await project.outputs();
    expect(first["token"]?.secret).toBe(true);
    expect(first["key"]?.secret).toBe(true);
    expect(first["ready"]?.value).toBe(false);
    const held = async () => {
      const live = await emulator.live();
      return {
        tokens: live.tokens.map((t) => t.name),
        saTokens: live.serviceAccountTokens.map((t) => t.name),
      };
    };
    expect(await held()).toEqual({
      tokens: [first["tokenName"]?.value],
      saTokens: [first["keyName"]?.value],
    });
    expect(String(first["tokenName"]?.value)).toMatch(/^ci-\d{8}t\d{6}z$/);
    expect(String(first["keyName"]?.value)).toMatch(/^deploy-\d{8}t\d{6}z$/);
    await project.preview({ expectNoChanges: true });

    // 45 minutes on: the window (the last 10 minutes of the hour) is not open yet.
    const before = 45 * 60;
    await emulator.advanceClock(before);
    await project.preview({
      env: { GRAFANA_CLOUD_CLOCK_OFFSET_SECONDS: String(before) },
      expectNoChanges: true,
    });

    // 52 minutes on: inside it, for the stack and the provider alike.
    await emulator.advanceClock(7 * 60);
    const inside = { env: { GRAFANA_CLOUD_CLOCK_OFFSET_SECONDS: String(before + 7 * 60) } };
    const preview = await project.preview({ ...inside, diff: true });
    for (const name of ["token", "satoken"]) {
      expect(stepsByName(preview.events)[name]).toEqual(["create-replacement", "replace", "delete-replaced"]);
      expect(replaceKeys(preview.events, name)).toEqual(["rotation"]);
    }
    // The policy, the stack and the account stay as they are.
    expect(stepsByName(preview.events)["policy"]).toEqual(["same"]);
    expect(stepsByName(preview.events)["account"]).toEqual(["same"]);

    const up = await project.up(inside);
    for (const name of ["token", "satoken"]) {
      expect(stepsByName(up.events)[name]).toEqual(["create-replacement", "replace", "delete-replaced"]);
    }
    const second = await project.outputs();
    expect(second["token"]?.value).not.toBe(first["token"]?.value);
    expect(second["key"]?.value).not.toBe(first["key"]?.value);
    expect(second["tokenName"]?.value).not.toBe(first["tokenName"]?.value);
    expect(second["keyName"]?.value).not.toBe(first["keyName"]?.value);
    expect(second["ready"]?.value).toBe(false);
    // Exactly one generation of each: the new one.
    expect(await held()).toEqual({
      tokens: [second["tokenName"]?.value],
      saTokens: [second["keyName"]?.value],
    });
    await project.preview({ ...inside, expectNoChanges: true });
  });
});
