// The fault-injection suite's bad input, end to end through the real CLI: one bad resource of
// each kind (the first batch of the table in tests/support/badInputTable.ts), and bad values beside
// unknown ones, each run through `pulumi preview`. Each must fail at preview with the property and
// the rule named in the engine's output, and nothing may be written to the (emulated) Cloud API.
// Every case of the table is checked against the resources' `check` in tests/unit/checkTable.test.ts.
//
// The engine stops at the first resource whose check fails, and which one that is depends on the
// order in which the provider host answers (several bad resources in one program report only one
// of them). So each preview holds ONE bad resource, which carries several cases at once: the
// provider's check reports every failing property of a resource, and the cases of one preview
// touch different properties. The preview must report exactly the properties of its cases.
import {
  type BadCase,
  batches,
  type Kind,
  MISSING,
  POLICY_NAME_RULE,
  SCOPE_RULE,
  VALID,
  VERSION_RULE,
} from "../support/badInputTable";
import {
  type CliProject,
  createProject,
  declare,
  type Declared,
  declaredProgram,
  failureOf,
  ref,
  setDeclared,
  startTestEmulator,
  type TestEmulator,
  writesIn,
} from "./helpers";

/** One preview: a program with one bad resource (`resource`), and the cases it carries. */
interface Preview {
  title: string;
  resource: string;
  cases: BadCase[];
  program: Declared[];
}

/** The first batch of each kind: one bad resource per kind, several bad inputs each. */
const FIRST_OF_EACH_KIND: Preview[] = (
  ["Stack", "AccessPolicy", "Token", "PluginInstallation", "StackApiKey"] as Kind[]
).map((kind) => {
  const batch = batches().find((b) => b.kind === kind);
  if (!batch) throw new Error(`the bad-input table has no case for ${kind}`);
  return { ...batch, program: [declare(kind, batch.resource, batch.args)] };
});

/**
 * Bad values beside unknown ones (outputs of resources not made yet during preview): the unknown
 * value is not judged, the bad known one is.
 */
const WITH_UNKNOWNS: Preview[] = (() => {
  const policyCase: BadCase = {
    kind: "AccessPolicy",
    input: "scopes",
    value: ["metrics read"],
    property: "scopes[0]",
    rule: SCOPE_RULE,
  };
  const tokenCase: BadCase = {
    kind: "Token",
    input: "name",
    value: "Bad Name",
    property: "name",
    rule: POLICY_NAME_RULE,
  };
  const pluginCase: BadCase = {
    kind: "PluginInstallation",
    input: "version",
    value: "1.x",
    property: "version",
    rule: VERSION_RULE,
  };
  const stack = declare("Stack", "good-stack", { slug: "goodslug" });
  return [
    {
      title: "bad-policy-unknown-realm: scopes, beside a realm identifier not known yet",
      resource: "bad-policy-unknown-realm",
      cases: [policyCase],
      program: [
        stack,
        declare("AccessPolicy", "bad-policy-unknown-realm", {
          region: "us",
          name: "good",
          scopes: policyCase.value,
          realms: [{ type: "stack", identifier: ref("good-stack", "stackId", { string: true }) }],
        }),
      ],
    },
    {
      title: "bad-token-unknown-policy: name, beside an accessPolicyId not known yet",
      resource: "bad-token-unknown-policy",
      cases: [tokenCase],
      program: [
        declare("AccessPolicy", "good-policy", VALID.AccessPolicy),
        declare("Token", "bad-token-unknown-policy", {
          region: "us",
          accessPolicyId: ref("good-policy", "policyId"),
          name: tokenCase.value,
        }),
      ],
    },
    {
      title: "bad-plugin-unknown-stack: version, beside a stackSlug from a stack not made yet",
      resource: "bad-plugin-unknown-stack",
      cases: [pluginCase],
      program: [
        stack,
        declare("PluginInstallation", "bad-plugin-unknown-stack", {
          stackSlug: ref("good-stack", "slug"),
          plugin: "grafana-clock-panel",
          version: pluginCase.value,
        }),
      ],
    },
  ];
})();

const BATCHES = [...FIRST_OF_EACH_KIND, ...WITH_UNKNOWNS];

interface Reported {
  /** The preview failed (the CLI exited non-zero). */
  failed: boolean;
  /** `property -> reason` of each check failure the engine reported for the batch's resource. */
  failures: Map<string, string>;
  /** Writes (anything but GET) the emulator saw during this preview. */
  writes: string[];
  output: string;
}

/** `resource 'NAME': property PATH value {VALUE} has a problem: PATH: RULE` */
function reportedFailures(output: string, resource: string): Map<string, string> {
  const failures = new Map<string, string>();
  const marker = `resource '${resource}': property `;
  for (const line of output.split("\n")) {
    const at = line.indexOf(marker);
    const problem = line.indexOf(" has a problem: ");
    if (at < 0 || problem < 0) continue;
    const reason = line.slice(problem + " has a problem: ".length).trim();
    const rest = line.slice(at + marker.length, problem);
    const property = rest.slice(0, rest.lastIndexOf(" value {"));
    failures.set(property, reason);
  }
  return failures;
}

describe("bad input fails at preview, naming the property and the rule, with no write", () => {
  let emulator: TestEmulator;
  let project: CliProject;
  const reported = new Map<string, Reported>();

  beforeAll(async () => {
    emulator = await startTestEmulator();
    project = await createProject({
      projectName: "faults-bad-input",
      url: emulator.url,
      source: declaredProgram([]),
    });
    for (const batch of BATCHES) {
      await emulator.clearRequests();
      setDeclared(project, batch.program);
      const failure = await failureOf(() => project.preview());
      const output = failure?.output ?? "";
      reported.set(batch.title, {
        failed: failure !== undefined,
        failures: reportedFailures(output, batch.resource),
        writes: writesIn(await emulator.requests()).map((r) => `${r.method} ${r.path}`),
        output,
      });
    }
  });

  afterAll(async () => {
    try {
      await project?.dispose();
    } finally {
      await emulator?.close();
    }
  });

  test("the previews cover all five resources", () => {
    const all = BATCHES.flatMap((b) => b.cases);
    expect(new Set(all.map((c) => c.kind)).size).toBe(5);
  });

  test.each(BATCHES.map((b) => [b.title, b] as const))(
    "%s: the preview fails, reports exactly these properties, and writes nothing",
    (_title, batch) => {
      const r = reported.get(batch.title);
      expect(r?.failed).toBe(true);
      expect([...(r?.failures.keys() ?? [])].sort()).toEqual(batch.cases.map((c) => c.property).sort());
      expect(r?.writes).toEqual([]);
    },
  );

  test.each(
    BATCHES.flatMap((b) =>
      b.cases.map(
        (c) =>
          [
            c.kind,
            c.value === MISSING ? "(missing)" : JSON.stringify(c.value).slice(0, 40),
            c.property,
            b,
            c,
          ] as const,
      ),
    ),
  )("%s %s: names %s and its rule", (_kind, _value, _property, batch, c) => {
    const r = reported.get(batch.title);
    expect(r?.failures.get(c.property)).toContain(`${c.property}: ${c.rule}`);
    expect(r?.writes).toEqual([]);
  });
});
