// The engine suite, through the real CLI: every updatable field of every resource, one at a time.
// For each change, `preview` plans an update of that one resource (never a replace), `up` applies
// it, the emulator holds the new value, and the next preview is clean. A few steps change only the
// spelling of a value (set order, timestamp format), which must plan nothing at all.
// StackApiKey has no updatable field (the API has no update): see replacements.test.ts.
import type { AccessPolicyArgs, StackArgs, TokenArgs } from "../../provider";
import {
  type CliProject,
  declare,
  type Declared,
  declaredProgram,
  type LiveObjects,
  ref,
  type Scenario,
  setDeclared,
  startScenario,
  stepsByName,
  type TestEmulator,
} from "../support/engine";

interface Step<D> {
  what: string;
  change(declared: D): void;
  /** The resource the change updates; absent: the change is only a respelling, nothing to do. */
  updates?: string;
  /** What the emulator must hold after `up`. */
  check?(live: LiveObjects): void;
}

/**
 * Walks the steps on one project. Expectations carry the step's name, so a failure says which
 * field misbehaved.
 */
async function walk<D>(
  project: CliProject,
  emulator: TestEmulator,
  declared: D,
  program: (declared: D) => Declared[],
  steps: Step<D>[],
): Promise<void> {
  for (const step of steps) {
    step.change(declared);
    setDeclared(project, program(declared));

    const preview = await project.preview();
    const planned = stepsByName(preview.events);
    const expected = Object.fromEntries(
      Object.keys(planned).map((name) => [name, name === step.updates ? ["update"] : ["same"]]),
    );
    expect({ step: step.what, planned }).toEqual({ step: step.what, planned: expected });
    if (step.updates === undefined) continue;
    expect({ step: step.what, summary: preview.changes }).toEqual({
      step: step.what,
      summary: { update: 1, same: Object.keys(planned).length },
    });

    const up = await project.up();
    expect({ step: step.what, applied: up.changes }).toEqual({
      step: step.what,
      applied: { update: 1, same: Object.keys(planned).length },
    });
    step.check?.(await emulator.live());

    // The CLI fails this preview if the engine finds anything left to do.
    await project.preview({ expectNoChanges: true });
  }
}

describe("in-place updates", () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  test("Stack: name, description, labels (including removal) and deleteProtection update in place", async () => {
    const program = (args: StackArgs) => [declare("Stack", "stack", { ...args })];
    const declared: StackArgs = {
      slug: "updates",
      description: "first",
      labels: { team: "platform", env: "dev" },
    };
    scenario = await startScenario({
      projectName: "engine-updates-stack",
      source: declaredProgram(program(declared)),
    });
    const { project, emulator } = scenario;
    await project.up();
    const [created] = (await emulator.live()).stacks;
    expect(created).toMatchObject({ name: "updates", description: "first", deleteProtection: true });

    await walk(project, emulator, declared, program, [
      {
        what: "name",
        change: (d) => void (d.name = "Updates Renamed"),
        updates: "stack",
        check: (live) => expect(live.stacks[0].name).toBe("Updates Renamed"),
      },
      {
        what: "description",
        change: (d) => void (d.description = "second"),
        updates: "stack",
        check: (live) => expect(live.stacks[0].description).toBe("second"),
      },
      {
        what: "description removed",
        change: (d) => void delete d.description,
        updates: "stack",
        check: (live) => expect(live.stacks[0].description).toBe(""),
      },
      {
        what: "labels: a value changed, a key added",
        change: (d) => void (d.labels = { team: "platform", env: "prod", tier: "1" }),
        updates: "stack",
        check: (live) => expect(live.stacks[0].labels).toEqual({ team: "platform", env: "prod", tier: "1" }),
      },
      {
        what: "labels: a key removed",
        change: (d) => void (d.labels = { team: "platform", tier: "1" }),
        updates: "stack",
        check: (live) => expect(live.stacks[0].labels).toEqual({ team: "platform", tier: "1" }),
      },
      {
        what: "labels removed altogether",
        change: (d) => void delete d.labels,
        updates: "stack",
        check: (live) => expect(live.stacks[0].labels).toEqual({}),
      },
      {
        what: "deleteProtection",
        change: (d) => void (d.deleteProtection = false),
        updates: "stack",
        check: (live) => expect(live.stacks[0].deleteProtection).toBe(false),
      },
    ]);

    // Every step updated the same stack: it was never replaced.
    expect((await emulator.live()).stacks.map((s) => s.id)).toEqual([created.id]);
  });

  test("AccessPolicy: displayName, scopes, realms and label policies, conditions (including clearing) and status update in place", async () => {
    const program = (args: AccessPolicyArgs) => [declare("AccessPolicy", "policy", { ...args })];
    const declared: AccessPolicyArgs & { realms: { type: "org" | "stack"; identifier: string }[] } = {
      region: "us",
      name: "updates-policy",
      scopes: ["metrics:read", "logs:read"],
      realms: [{ type: "org", identifier: "1" }],
    };
    scenario = await startScenario({
      projectName: "engine-updates-policy",
      source: declaredProgram(program(declared)),
    });
    const { project, emulator } = scenario;
    await project.up();
    const [created] = (await emulator.live()).accessPolicies;
    expect(created).toMatchObject({ displayName: "updates-policy", status: "active" });
    // No conditions: null as the service answers, left out under the contract.
    expect(created.conditions ?? null).toBeNull();

    await walk(project, emulator, declared, program, [
      {
        what: "displayName",
        change: (d) => void (d.displayName = "Updates policy"),
        updates: "policy",
        check: (live) => expect(live.accessPolicies[0].displayName).toBe("Updates policy"),
      },
      {
        what: "scopes: one added",
        change: (d) => void (d.scopes = ["metrics:read", "logs:read", "traces:read"]),
        updates: "policy",
        check: (live) =>
          expect([...live.accessPolicies[0].scopes].sort()).toEqual([
            "logs:read",
            "metrics:read",
            "traces:read",
          ]),
      },
      {
        // Scopes are a set: another order is the same declaration.
        what: "scopes: reordered only",
        change: (d) => void (d.scopes = ["traces:read", "metrics:read", "logs:read"]),
      },
      {
        what: "realms: a label policy added",
        change: (d) =>
          void (d.realms = [{ type: "org", identifier: "1", labelPolicies: [{ selector: '{env="prod"}' }] }]),
        updates: "policy",
        check: (live) =>
          expect(live.accessPolicies[0].realms).toEqual([
            { type: "org", identifier: "1", labelPolicies: [{ selector: '{env="prod"}' }] },
          ]),
      },
      {
        what: "realms: a second realm, the label policy dropped",
        change: (d) =>
          void (d.realms = [
            { type: "org", identifier: "1" },
            { type: "stack", identifier: "123456" },
          ]),
        updates: "policy",
        check: (live) =>
          expect(live.accessPolicies[0].realms).toEqual([
            { type: "org", identifier: "1", labelPolicies: [] },
            { type: "stack", identifier: "123456", labelPolicies: [] },
          ]),
      },
      {
        what: "conditions set",
        change: (d) => void (d.conditions = { allowedSubnets: ["10.0.0.0/8", "192.168.0.0/16"] }),
        updates: "policy",
        check: (live) =>
          expect(live.accessPolicies[0].conditions).toEqual({
            allowedSubnets: ["10.0.0.0/8", "192.168.0.0/16"],
          }),
      },
      {
        what: "conditions cleared",
        change: (d) => void delete d.conditions,
        updates: "policy",
        check: (live) => expect(live.accessPolicies[0].conditions ?? null).toBeNull(),
      },
      {
        what: "status",
        change: (d) => void (d.status = "inactive"),
        updates: "policy",
        check: (live) => expect(live.accessPolicies[0].status).toBe("inactive"),
      },
    ]);

    expect((await emulator.live()).accessPolicies.map((p) => p.id)).toEqual([created.id]);
  });

  test("Token: displayName and expiresAt (including removal) update in place, and keep the secret", async () => {
    type TokenDecl = Omit<TokenArgs, "accessPolicyId" | "region">;
    const program = (args: TokenDecl) => [
      declare("AccessPolicy", "policy", {
        region: "us",
        name: "updates-token-policy",
        scopes: ["metrics:read"],
        realms: [{ type: "org", identifier: "1" }],
      }),
      declare("Token", "token", { ...args, region: "us", accessPolicyId: ref("policy", "policyId") }),
    ];
    const declared: TokenDecl = { name: "updates-token", expiresAt: "2090-01-01T00:00:00Z" };
    scenario = await startScenario({
      projectName: "engine-updates-token",
      source: declaredProgram(program(declared)),
    });
    const { project, emulator } = scenario;
    await project.up();
    const [created] = (await emulator.live()).tokens;
    expect(created).toMatchObject({ displayName: "updates-token", expiresAt: "2090-01-01T00:00:00.000Z" });
    const secretOf = async () => {
      const state = await project.exportState({ showSecrets: true });
      const resources = (state.deployment as { resources: { type: string; outputs?: any }[] }).resources;
      return resources.find((r) => r.type.endsWith(":Token"))?.outputs?.token?.plaintext;
    };
    const secret = await secretOf();
    expect(typeof secret).toBe("string");

    await walk(project, emulator, declared, program, [
      {
        what: "displayName",
        change: (d) => void (d.displayName = "Updates token"),
        updates: "token",
        check: (live) => expect(live.tokens[0].displayName).toBe("Updates token"),
      },
      {
        what: "expiresAt",
        change: (d) => void (d.expiresAt = "2095-06-30T12:00:00Z"),
        updates: "token",
        check: (live) => expect(live.tokens[0].expiresAt).toBe("2095-06-30T12:00:00.000Z"),
      },
      {
        // The same instant spelled differently is no change.
        what: "expiresAt respelled",
        change: (d) => void (d.expiresAt = "2095-06-30T14:00:00+02:00"),
      },
      {
        what: "expiresAt removed",
        change: (d) => void delete d.expiresAt,
        updates: "token",
        // Null as the service answers, left out under the contract.
        check: (live) => expect(live.tokens[0].expiresAt ?? null).toBeNull(),
      },
    ]);

    expect((await emulator.live()).tokens.map((t) => t.id)).toEqual([created.id]);
    // The API shows a token's secret only once: updates must keep the one from create.
    expect(await secretOf()).toBe(secret);
  });

  test("PluginInstallation: version updates in place, pinned to pinned and pinned to latest", async () => {
    const program = (declared: { version: string }) => [
      declare("Stack", "stack", { slug: "updatesplugin", deleteProtection: false }),
      declare("PluginInstallation", "plugin", {
        stackSlug: ref("stack", "slug"),
        plugin: "grafana-clock-panel",
        ...declared,
      }),
    ];
    const declared = { version: "2.1.3" };
    scenario = await startScenario({
      projectName: "engine-updates-plugin",
      source: declaredProgram(program(declared)),
    });
    const { project, emulator } = scenario;
    await project.up();
    const [created] = (await emulator.live()).plugins;
    expect(created).toMatchObject({ plugin: "grafana-clock-panel", version: "2.1.3" });

    await walk(project, emulator, declared, program, [
      {
        what: "version pinned to another",
        change: (d) => void (d.version = "2.1.5"),
        updates: "plugin",
        check: (live) => expect(live.plugins[0].version).toBe("2.1.5"),
      },
      {
        what: "version latest",
        change: (d) => void (d.version = "latest"),
        updates: "plugin",
        check: (live) => expect(live.plugins[0].version).toBe("2.1.8"),
      },
    ]);

    // Updated, not reinstalled.
    expect((await emulator.live()).plugins.map((p) => p.id)).toEqual([created.id]);
  });
});
