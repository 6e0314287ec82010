// The engine suite's end-to-end bad-input cases, through the real CLI: one invalid resource of
// each kind fails at `preview`, with each offending property named and the rule it breaks, before
// anything is written: the emulator's request log shows no write (no POST or DELETE), for new
// resources as for updates of existing ones. Every rule's own message is checked in the unit
// table (tests/unit); here the point is that the engine shows them at preview and stops.
// The engine stops at the first resource whose check fails, so each case has one bad resource.
import {
  declare,
  type Declared,
  declaredProgram,
  declaredResources,
  failure,
  ref,
  type Scenario,
  setDeclared,
  startScenario,
  writesIn,
} from "../support/engine";

interface Case {
  what: string;
  program: Declared[];
  /** Each must appear in the failed preview's output. */
  expected: RegExp[];
}

/** One invalid resource per case, with every invalid value it can hold at once. */
const NEW_RESOURCE_CASES: Case[] = [
  {
    what: "Stack",
    program: [
      declare("Stack", "stack", {
        slug: "Not-A-Slug",
        region: "Mars Base",
        url: "ftp://example.com",
        labels: { "bad key": "x" },
        readinessTimeoutSeconds: 0,
      }),
    ],
    expected: [
      /resource 'stack'/,
      /slug: must be 1-29 lowercase letters and digits/,
      /region: must be a region slug/,
      /url: must be an absolute http\(s\) URL/,
      /labels(\.bad key)?: keys and values must be letters, digits/,
      /readinessTimeoutSeconds: must be between 1 and 7200 seconds/,
    ],
  },
  {
    what: "AccessPolicy",
    program: [
      declare("AccessPolicy", "policy", {
        region: "us",
        name: "Has Spaces",
        scopes: ["metrics"],
        realms: [{ type: "team", identifier: "abc" }],
        conditions: { allowedSubnets: ["10.0.0.0/33"] },
        status: "paused",
      }),
    ],
    expected: [
      /resource 'policy'/,
      /name: must be 1-255 characters of lowercase letters/,
      /scopes\[0\]: must have the form service:permission/,
      /realms\[0\]\.type: must be "org" or "stack"/,
      /realms\[0\]\.identifier: must be the numeric id/,
      /conditions\.allowedSubnets\[0\]: must be an IPv4 or IPv6 CIDR/,
      /status: must be "active" or "inactive"/,
    ],
  },
  {
    what: "Token",
    program: [
      declare("Token", "token", { region: "us", accessPolicyId: "", name: "UPPER", expiresAt: "tomorrow" }),
    ],
    expected: [
      /resource 'token'/,
      /accessPolicyId: must be the id of an access policy/,
      /name: must be 1-255 characters of lowercase letters/,
      /expiresAt: must be an RFC 3339 date-time/,
    ],
  },
  {
    what: "Token expiring in the past",
    program: [
      declare("Token", "token", {
        region: "us",
        accessPolicyId: "a-policy",
        name: "old",
        expiresAt: "2001-01-01T00:00:00Z",
      }),
    ],
    expected: [/resource 'token'/, /expiresAt: must be in the future/],
  },
  {
    what: "PluginInstallation",
    program: [
      declare("PluginInstallation", "plugin", {
        stackSlug: "some-stack",
        plugin: "bad plugin!",
        version: "newest",
      }),
    ],
    expected: [
      /resource 'plugin'/,
      /stackSlug: must be 1-29 lowercase letters and digits/,
      /plugin: must be a plugin id from the Grafana catalog/,
      /version: must be "latest" or a version such as 1\.2\.3/,
    ],
  },
  {
    what: "StackApiKey",
    program: [
      declare("StackApiKey", "key", { stackSlug: "somestack", name: " ", role: "Owner", secondsToLive: -5 }),
    ],
    expected: [
      /resource 'key'/,
      /name: must be a non-empty string/,
      /role: must be "Viewer", "Editor" or "Admin"/,
      /secondsToLive: must be 0 or more/,
    ],
  },
];

describe("bad input", () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  test("invalid values for a new resource fail preview and up, naming each property, and nothing is written", async () => {
    scenario = await startScenario({ projectName: "engine-bad-new", source: declaredProgram([]) });
    const { project, emulator } = scenario;

    for (const c of NEW_RESOURCE_CASES) {
      setDeclared(project, c.program);
      const preview = await failure(project.preview());
      expect(preview.command).toBe("preview");
      for (const pattern of c.expected) {
        expect({ case: c.what, pattern: String(pattern), found: pattern.test(preview.output) }).toEqual({
          case: c.what,
          pattern: String(pattern),
          found: true,
        });
      }
    }
    // `up` refuses such a program just as early.
    setDeclared(project, NEW_RESOURCE_CASES[0]!.program);
    await failure(project.up());

    expect(writesIn(await emulator.requests())).toEqual([]);
    expect(declaredResources(await project.exportState())).toEqual([]);
    const live = await emulator.live();
    expect([live.stacks, live.accessPolicies, live.tokens, live.plugins, live.stackApiKeys]).toEqual([
      [],
      [],
      [],
      [],
      [],
    ]);
  });

  test("an invalid change to an existing resource fails preview and up, and nothing is written", async () => {
    type Broken = "none" | "stack" | "policy" | "token";
    const program = (broken: Broken) => [
      declare("Stack", "stack", {
        slug: "badupdate",
        deleteProtection: false,
        labels: broken === "stack" ? { team: "platform", "no spaces": "allowed" } : { team: "platform" },
      }),
      declare("AccessPolicy", "policy", {
        region: "us",
        name: "badupdate",
        scopes: broken === "policy" ? ["metrics:read", "logs read"] : ["metrics:read"],
        realms: [{ type: "stack", identifier: ref("stack", "id") }],
      }),
      declare("Token", "token", {
        region: "us",
        accessPolicyId: ref("policy", "id"),
        name: "badupdate",
        expiresAt: broken === "token" ? "2090-13-01T00:00:00Z" : "2090-01-01T00:00:00Z",
      }),
    ];
    scenario = await startScenario({
      projectName: "engine-bad-update",
      source: declaredProgram(program("none")),
    });
    const { project, emulator } = scenario;
    await project.up();
    const before = await emulator.live();
    await emulator.clearRequests();

    const cases: [Broken, RegExp][] = [
      ["stack", /resource 'stack'.*labels(\.no spaces)?: keys and values must be letters, digits/],
      ["policy", /resource 'policy'.*scopes\[1\]: must have the form service:permission/],
      ["token", /resource 'token'.*expiresAt: must be an RFC 3339 date-time/],
    ];
    for (const [broken, pattern] of cases) {
      setDeclared(project, program(broken));
      const preview = await failure(project.preview());
      expect({ broken, found: pattern.test(preview.output) }).toEqual({ broken, found: true });
    }
    await failure(project.up());
    expect(writesIn(await emulator.requests())).toEqual([]);

    // Nothing changed, and the valid program still has nothing to do.
    expect(await emulator.live()).toEqual(before);
    setDeclared(project, program("none"));
    await project.preview({ expectNoChanges: true });
  });
});
