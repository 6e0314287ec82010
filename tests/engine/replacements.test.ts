// The engine suite, through the real CLI: every replace-only field of every resource. For each
// change, `preview` plans a replacement (never an in-place update) naming the field, `up` carries it
// out, the emulator holds exactly one object where there was one (the old one is gone), and the
// next preview is clean.
import {
  type CliProject,
  declare,
  type Declared,
  declaredProgram,
  type LiveObjects,
  ref,
  replaceKeys,
  type Scenario,
  setDeclared,
  startScenario,
  stepsByName,
  type TestEmulator,
} from "../support/engine";

interface Step<D> {
  what: string;
  change(declared: D): void;
  /** Resource name -> the input whose change forces its replacement (for dependents: any). */
  replaces: Record<string, string | undefined>;
  /** What the emulator must hold after `up`; gets the objects from before the step too. */
  check(live: LiveObjects, before: LiveObjects): void;
}

async function walk<D>(
  project: CliProject,
  emulator: TestEmulator,
  declared: D,
  program: (declared: D) => Declared[],
  steps: Step<D>[],
): Promise<void> {
  for (const step of steps) {
    const before = await emulator.live();
    step.change(declared);
    setDeclared(project, program(declared));

    const preview = await project.preview();
    const planned = stepsByName(preview.events);
    const kinds = Object.fromEntries(
      Object.entries(planned).map(([name, ops]) => [
        name,
        ops.includes("update") ? "update" : ops.includes("replace") ? "replace" : ops.join(","),
      ]),
    );
    const expected = Object.fromEntries(
      Object.keys(planned).map((name) => [name, name in step.replaces ? "replace" : "same"]),
    );
    expect({ step: step.what, planned: kinds }).toEqual({ step: step.what, planned: expected });
    for (const [name, field] of Object.entries(step.replaces)) {
      if (field !== undefined) {
        expect({ step: step.what, name, keys: replaceKeys(preview.events, name) }).toEqual({
          step: step.what,
          name,
          keys: expect.arrayContaining([field]),
        });
      }
    }
    expect({ step: step.what, replace: preview.changes["replace"] }).toEqual({
      step: step.what,
      replace: Object.keys(step.replaces).length,
    });

    const up = await project.up();
    expect({ step: step.what, replaced: up.changes["replace"] }).toEqual({
      step: step.what,
      replaced: Object.keys(step.replaces).length,
    });
    step.check(await emulator.live(), before);
    await project.preview({ expectNoChanges: true });
  }
}

const ids = (objects: any[]) => objects.map((o) => o.id);

describe("replacements", () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  test("Stack: slug and region replace the stack", async () => {
    const program = (d: { slug: string; region: string }) => [
      declare("Stack", "stack", { ...d, deleteProtection: false }),
    ];
    const declared = { slug: "replaceme", region: "us" };
    scenario = await startScenario({
      projectName: "engine-replace-stack",
      source: declaredProgram(program(declared)),
    });
    const { project, emulator } = scenario;
    await project.up();

    await walk(project, emulator, declared, program, [
      {
        what: "slug",
        change: (d) => void (d.slug = "replaced"),
        replaces: { stack: "slug" },
        check: (live, before) => {
          expect(live.stacks).toHaveLength(1);
          expect(live.stacks[0]).toMatchObject({ slug: "replaced", status: "active" });
          expect(live.stacks[0].id).not.toBe(before.stacks[0].id);
        },
      },
      {
        // The slug is kept, so the old stack must go first (slugs are unique).
        what: "region",
        change: (d) => void (d.region = "eu"),
        replaces: { stack: "region" },
        check: (live, before) => {
          expect(live.stacks).toHaveLength(1);
          expect(live.stacks[0]).toMatchObject({ slug: "replaced", regionSlug: "eu", status: "active" });
          expect(live.stacks[0].id).not.toBe(before.stacks[0].id);
        },
      },
    ]);
  });

  test("AccessPolicy: name and region; Token: name, accessPolicyId and region replace", async () => {
    interface Policies {
      tokenName: string;
      tokenPolicy: "first" | "second";
      secondName: string;
      secondRegion: string;
    }
    const program = (d: Policies) => {
      const realms = [{ type: "org", identifier: "1" }];
      return [
        declare("AccessPolicy", "first", { region: "us", name: "first", scopes: ["metrics:read"], realms }),
        declare("AccessPolicy", "second", {
          region: d.secondRegion,
          name: d.secondName,
          scopes: ["logs:read"],
          realms,
        }),
        declare("Token", "token", {
          region: ref(d.tokenPolicy, "region"),
          accessPolicyId: ref(d.tokenPolicy, "policyId"),
          name: d.tokenName,
        }),
      ];
    };
    const declared: Policies = {
      tokenName: "token-one",
      tokenPolicy: "first",
      secondName: "second",
      secondRegion: "us",
    };
    scenario = await startScenario({
      projectName: "engine-replace-policy",
      source: declaredProgram(program(declared)),
    });
    const { project, emulator } = scenario;
    await project.up();
    const policyNamed = (live: LiveObjects, name: string) => live.accessPolicies.find((p) => p.name === name);

    await walk(project, emulator, declared, program, [
      {
        what: "token name",
        change: (d) => void (d.tokenName = "token-two"),
        replaces: { token: "name" },
        check: (live, before) => {
          expect(live.tokens).toHaveLength(1);
          expect(live.tokens[0].name).toBe("token-two");
          expect(live.tokens[0].id).not.toBe(before.tokens[0].id);
          expect(ids(live.accessPolicies)).toEqual(ids(before.accessPolicies));
        },
      },
      {
        // Name and region are kept, so the old token must go first (names are unique).
        what: "token accessPolicyId",
        change: (d) => void (d.tokenPolicy = "second"),
        replaces: { token: "accessPolicyId" },
        check: (live) => {
          expect(live.tokens).toHaveLength(1);
          expect(live.tokens[0]).toMatchObject({
            name: "token-two",
            accessPolicyId: policyNamed(live, "second")?.id,
          });
        },
      },
      {
        // The token belongs to the policy: a new policy id replaces it too.
        what: "policy name",
        change: (d) => void (d.secondName = "second-renamed"),
        replaces: { second: "name", token: undefined },
        check: (live, before) => {
          expect(live.accessPolicies.map((p) => p.name).sort()).toEqual(["first", "second-renamed"]);
          expect(ids(live.accessPolicies)).not.toContain(policyNamed(before, "second")?.id);
          expect(live.tokens).toHaveLength(1);
          expect(live.tokens[0].accessPolicyId).toBe(policyNamed(live, "second-renamed")?.id);
        },
      },
      {
        what: "policy region (and so the token's)",
        change: (d) => void (d.secondRegion = "eu"),
        replaces: { second: "region", token: "region" },
        check: (live) => {
          expect(live.accessPolicies.map((p) => [p.name, p.region]).sort()).toEqual([
            ["first", "us"],
            ["second-renamed", "eu"],
          ]);
          expect(live.tokens).toHaveLength(1);
          expect(live.tokens[0]).toMatchObject({
            region: "eu",
            accessPolicyId: policyNamed(live, "second-renamed")?.id,
          });
        },
      },
    ]);
  });

  test("PluginInstallation: stackSlug and plugin; StackApiKey (on stacks with API keys): stackSlug, name, role and secondsToLive replace", async () => {
    interface Keys {
      plugin: string;
      pluginStack: "one" | "two";
      keyStack: "one" | "two";
      keyName: string;
      role: "Viewer" | "Editor" | "Admin";
      secondsToLive?: number;
    }
    const program = (d: Keys) => [
      declare("Stack", "one", { slug: "replaceone", deleteProtection: false }),
      declare("Stack", "two", { slug: "replacetwo", deleteProtection: false }),
      declare("PluginInstallation", "plugin", { stackSlug: ref(d.pluginStack, "slug"), plugin: d.plugin }),
      declare("StackApiKey", "key", {
        stackSlug: ref(d.keyStack, "slug"),
        name: d.keyName,
        role: d.role,
        ...(d.secondsToLive === undefined ? {} : { secondsToLive: d.secondsToLive }),
      }),
    ];
    const declared: Keys = {
      plugin: "grafana-clock-panel",
      pluginStack: "one",
      keyStack: "one",
      keyName: "ci",
      role: "Viewer",
    };
    scenario = await startScenario({
      projectName: "engine-replace-plugin",
      source: declaredProgram(program(declared)),
      // Real API keys; the service-account backing has its own suite (stackApiKey.test.ts).
      emulator: { stackApiKeys: "legacy" },
    });
    const { project, emulator } = scenario;
    await project.up();
    const oneKey = (live: LiveObjects) => {
      expect(live.stackApiKeys).toHaveLength(1);
      return live.stackApiKeys[0];
    };

    await walk(project, emulator, declared, program, [
      {
        what: "plugin",
        change: (d) => void (d.plugin = "grafana-worldmap-panel"),
        replaces: { plugin: "plugin" },
        check: (live) => {
          expect(live.plugins.map((p) => [p.stackSlug, p.plugin])).toEqual([
            ["replaceone", "grafana-worldmap-panel"],
          ]);
        },
      },
      {
        what: "plugin stackSlug",
        change: (d) => void (d.pluginStack = "two"),
        replaces: { plugin: "stackSlug" },
        check: (live) => {
          expect(live.plugins.map((p) => [p.stackSlug, p.plugin])).toEqual([
            ["replacetwo", "grafana-worldmap-panel"],
          ]);
        },
      },
      {
        what: "key name",
        change: (d) => void (d.keyName = "deploy"),
        replaces: { key: "name" },
        check: (live, before) => {
          expect(oneKey(live)).toMatchObject({ stackSlug: "replaceone", name: "deploy", role: "Viewer" });
          expect(oneKey(live).id).not.toBe(oneKey(before).id);
        },
      },
      {
        // Name and stack are kept, so the old key must go first (names are unique per stack).
        what: "key role",
        change: (d) => void (d.role = "Admin"),
        replaces: { key: "role" },
        check: (live, before) => {
          expect(oneKey(live)).toMatchObject({ stackSlug: "replaceone", name: "deploy", role: "Admin" });
          expect(oneKey(live).id).not.toBe(oneKey(before).id);
        },
      },
      {
        what: "key secondsToLive",
        change: (d) => void (d.secondsToLive = 3600),
        replaces: { key: "secondsToLive" },
        check: (live) => {
          const key = oneKey(live);
          expect(key).toMatchObject({ stackSlug: "replaceone", name: "deploy", role: "Admin" });
          expect(Date.parse(key.expiration) - Date.now()).toBeGreaterThan(3000_000);
        },
      },
      {
        what: "key stackSlug",
        change: (d) => void (d.keyStack = "two"),
        replaces: { key: "stackSlug" },
        check: (live) => {
          expect(oneKey(live)).toMatchObject({ stackSlug: "replacetwo", name: "deploy", role: "Admin" });
        },
      },
    ]);
  });

  test("StackServiceAccount: stackSlug, name, role and isDisabled replace; StackServiceAccountToken: serviceAccountId, name and secondsToLive replace", async () => {
    interface Accounts {
      accountStack: "one" | "two";
      accountName: string;
      role: "Viewer" | "Editor" | "Admin" | "None";
      isDisabled: boolean;
      tokenName: string;
      secondsToLive?: number;
    }
    const program = (d: Accounts) => [
      declare("Stack", "one", { slug: "saone", deleteProtection: false }),
      declare("Stack", "two", { slug: "satwo", deleteProtection: false }),
      declare("StackServiceAccount", "account", {
        stackSlug: ref(d.accountStack, "slug"),
        name: d.accountName,
        role: d.role,
        isDisabled: d.isDisabled,
      }),
      declare("StackServiceAccountToken", "token", {
        stackSlug: ref("account", "stackSlug"),
        serviceAccountId: ref("account", "serviceAccountId"),
        name: d.tokenName,
        ...(d.secondsToLive === undefined ? {} : { secondsToLive: d.secondsToLive }),
      }),
    ];
    const declared: Accounts = {
      accountStack: "one",
      accountName: "ci",
      role: "Viewer",
      isDisabled: false,
      tokenName: "ci-token",
    };
    scenario = await startScenario({
      projectName: "engine-replace-accounts",
      source: declaredProgram(program(declared)),
    });
    const { project, emulator } = scenario;
    await project.up();
    const oneAccount = (live: LiveObjects) => {
      expect(live.serviceAccounts).toHaveLength(1);
      return live.serviceAccounts[0];
    };
    const oneToken = (live: LiveObjects) => {
      expect(live.serviceAccountTokens).toHaveLength(1);
      return live.serviceAccountTokens[0];
    };
    /** The account changed (a new one) and its token was made again in it. */
    const newAccountAndToken = (live: LiveObjects, before: LiveObjects) => {
      expect(oneAccount(live).id).not.toBe(oneAccount(before).id);
      expect(oneToken(live).serviceAccountId).toBe(oneAccount(live).id);
    };

    await walk(project, emulator, declared, program, [
      {
        // The name stays: the old token goes first (token names are unique on the stack).
        what: "token secondsToLive",
        change: (d) => void (d.secondsToLive = 3600),
        replaces: { token: "secondsToLive" },
        check: (live, before) => {
          expect(oneToken(live)).toMatchObject({ name: "ci-token", hasExpired: false });
          expect(oneToken(live).id).not.toBe(oneToken(before).id);
          expect(Date.parse(oneToken(live).expiration) - Date.now()).toBeGreaterThan(3000_000);
          expect(oneAccount(live).id).toBe(oneAccount(before).id);
        },
      },
      {
        what: "token name",
        change: (d) => void (d.tokenName = "deploy-token"),
        replaces: { token: "name" },
        check: (live) => expect(oneToken(live).name).toBe("deploy-token"),
      },
      {
        // The account's name stays: the old account goes first, and its token (whose account id
        // is unknown until the new account exists) is replaced with it.
        what: "account role",
        change: (d) => void (d.role = "Admin"),
        replaces: { account: "role", token: undefined },
        check: (live, before) => {
          expect(oneAccount(live)).toMatchObject({ stackSlug: "saone", name: "ci", role: "Admin" });
          newAccountAndToken(live, before);
        },
      },
      {
        what: "account isDisabled",
        change: (d) => void (d.isDisabled = true),
        replaces: { account: "isDisabled", token: undefined },
        check: (live, before) => {
          expect(oneAccount(live)).toMatchObject({ role: "Admin", isDisabled: true });
          newAccountAndToken(live, before);
        },
      },
      {
        what: "account name",
        change: (d) => void (d.accountName = "deployer"),
        replaces: { account: "name", token: undefined },
        check: (live, before) => {
          expect(oneAccount(live)).toMatchObject({ stackSlug: "saone", name: "deployer" });
          newAccountAndToken(live, before);
        },
      },
      {
        what: "account stackSlug",
        change: (d) => void (d.accountStack = "two"),
        replaces: { account: "stackSlug", token: undefined },
        check: (live, before) => {
          expect(oneAccount(live)).toMatchObject({ stackSlug: "satwo", name: "deployer" });
          expect(oneToken(live)).toMatchObject({ stackSlug: "satwo", name: "deploy-token" });
          newAccountAndToken(live, before);
        },
      },
    ]);
  });
});
