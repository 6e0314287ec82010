// The engine suite's upgrade scenarios, through the real CLI on a copy of the quickstart. Resources
// created with one version of the package are refreshed, previewed and destroyed by the
// implementation of the version installed afterwards: the provider module in state (`__provider`)
// is one line that requires `pulumi-grafana-cloud/dynamic` when it runs, not a copy of the code
// that created the resource. "Version 2" is a copy of the built package whose dynamic entry point
// records each call. State written by 0.1.0 holds a closure Pulumi serialized instead (kept in
// fixtures/provider-stubs-0.1.0.json, as that release wrote it for each kind); it must keep working.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  declaredResources,
  exampleProgram,
  quickstartConfig,
  repoRoot,
  type Scenario,
  startScenario,
  stateResources,
} from "../support/engine";
const V2 = "0.2.0-upgrade-test";
/** `__provider` of each kind as 0.1.0 wrote it: a closure serialized by Pulumi. */
const STUBS_0_1_0 = JSON.parse(
  fs.readFileSync(path.join(__dirname, "fixtures", "provider-stubs-0.1.0.json"), "utf8"),
) as Record<string, string>;
const KINDS = [
  "AccessPolicy",
  "PluginInstallation",
  "Stack",
  "StackServiceAccount",
  "StackServiceAccountToken",
  "Token",
];

/**
 * A copy of the built package (package.json and dist/provider) with another version, whose
 * `implementation(kind)` wraps each provider method to append "<version> <kind>.<method>" to
 * `markerFile` before running it. Its dependencies resolve through a link to this repository's
 * node_modules, as an installed package's would.
 */
function packageV2(dir: string, markerFile: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as Record<
    string,
    unknown
  >;
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ ...manifest, version: V2 }, null, 2));
  fs.cpSync(path.join(repoRoot, "dist", "provider"), path.join(dir, "dist", "provider"), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  const entry = path.join(dir, "dist", "provider", "dynamic.js");
  fs.appendFileSync(
    entry,
    `
// --- upgrade test: record every call made through this version ---
{
  const fs = require("node:fs");
  const version = require("../../package.json").version;
  const original = exports.implementation;
  exports.implementation = function (kind) {
    const impl = original(kind);
    const wrapped = {};
    for (const [method, fn] of Object.entries(impl)) {
      wrapped[method] = (...args) => {
        fs.appendFileSync(${JSON.stringify(markerFile)}, version + " " + kind + "." + method + "\\n");
        return fn(...args);
      };
    }
    return wrapped;
  };
}
`,
  );
}

/** A temporary directory holding version 2 and the log of the calls made through it. */
function version2(): {
  dir: string;
  tempDir: string;
  calls(): string[];
  kindsCalled(method: string): string[];
  clear(): void;
} {
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-upgrade-"));
  const markerFile = path.join(tempDir, "calls.log");
  const v2Dir = path.join(tempDir, "package-v2");
  fs.mkdirSync(v2Dir);
  packageV2(v2Dir, markerFile);
  const calls = () =>
    fs.existsSync(markerFile) ? fs.readFileSync(markerFile, "utf8").trim().split("\n") : [];
  /** The resource kinds whose `method` version 2 ran ("<version> <kind>.<method>" lines). */
  const kindsCalled = (method: string) => {
    const kinds = new Set<string>();
    for (const call of calls()) {
      const m = /^(\S+) (\w+)\.(\w+)$/.exec(call);
      if (m?.[1] === V2 && m[3] === method && m[2] !== undefined) kinds.add(m[2]);
    }
    return [...kinds].sort();
  };

  return { dir: v2Dir, tempDir, calls, kindsCalled, clear: () => fs.rmSync(markerFile, { force: true }) };
}

const EMPTY = {
  stacks: [],
  accessPolicies: [],
  tokens: [],
  plugins: [],
  stackApiKeys: [],
  serviceAccounts: [],
  serviceAccountTokens: [],
};

describe("upgrades", () => {
  let scenario: Scenario | undefined;
  let tempDir: string | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
    if (tempDir !== undefined) fs.rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  });

  /** Version 2 in a temporary directory, and the quickstart created by this repository's package. */
  async function createdByThisVersion(slug: string) {
    const v2 = version2();
    tempDir = v2.tempDir;
    scenario = await startScenario({
      projectName: `engine-${slug}`,
      source: exampleProgram("quickstart"),
      config: quickstartConfig(slug),
    });
    const { project } = scenario;
    await project.up();
    expect(v2.calls()).toEqual([]);
    const created = declaredResources(await project.exportState());
    expect(created.map((r) => r.type.split(":").pop()).sort()).toEqual(KINDS);
    return { v2, project, emulator: scenario.emulator, created };
  }

  /**
   * With version 2 installed: refresh, preview and up find no change, every kind's read, check
   * and diff run through version 2, and destroy deletes everything through it.
   */
  async function upgradedRunsVersion2(s: Awaited<ReturnType<typeof createdByThisVersion>>) {
    const { v2, project, emulator } = s;
    // The user upgrades the package: the project's node_modules now holds version 2.
    project.link("pulumi-grafana-cloud", v2.dir);

    const refresh = await project.refresh({ expectNoChanges: true });
    expect(refresh.changes).toEqual({ same: 7 });
    expect(v2.kindsCalled("read")).toEqual(KINDS);
    expect(v2.kindsCalled("configure")).toEqual(KINDS);

    v2.clear();
    await project.preview({ expectNoChanges: true });
    expect(v2.kindsCalled("check")).toEqual(KINDS);
    expect(v2.kindsCalled("diff")).toEqual(KINDS);

    v2.clear();
    const up = await project.up({ expectNoChanges: true });
    expect(up.changes).toEqual({ same: 7 });

    v2.clear();
    const destroy = await project.destroy();
    expect(destroy.changes).toEqual({ delete: 7 });
    expect(v2.kindsCalled("delete")).toEqual(KINDS);
    // Every call went through version 2.
    expect(v2.calls().every((c) => c.startsWith(`${V2} `))).toBe(true);
    expect(await emulator.live()).toEqual(EMPTY);
  }

  test("resources made by one version are refreshed, previewed and destroyed by the next one's code", async () => {
    const s = await createdByThisVersion("upgrade");
    for (const resource of s.created) {
      const kind = resource.type.split(":").pop() ?? "";
      for (const bag of [resource.inputs, resource.outputs]) {
        const module = String(bag?.["__provider"]);
        // One line naming the package entry point and the kind, none of the implementation.
        expect(module).toBe(
          `exports.handler = () => require("pulumi-grafana-cloud/dynamic").implementation(${JSON.stringify(kind)});\n`,
        );
      }
    }
    await upgradedRunsVersion2(s);
  });

  test("state written by 0.1.0 (a serialized closure as __provider) keeps working after the upgrade", async () => {
    const s = await createdByThisVersion("upgradeold");
    // Make the state what 0.1.0 wrote: the same resources, with its closure as `__provider` in
    // both the inputs and the outputs (the host reads the inputs' for check and diff, the
    // outputs' for read and delete).
    const state = await s.project.exportState();
    let replaced = 0;
    for (const resource of stateResources(state)) {
      const kind = resource.type.split(":").pop() ?? "";
      if (!resource.type.startsWith("pulumi-nodejs:dynamic/grafana-cloud:")) continue;
      const stub = STUBS_0_1_0[kind];
      expect(stub).toContain(`kind: "${kind}"`);
      for (const bag of [resource.inputs, resource.outputs]) {
        expect(bag?.["__provider"]).toBeDefined();
        if (bag) bag["__provider"] = stub;
      }
      replaced++;
    }
    expect(replaced).toBe(declaredResources(state).length);
    expect(replaced).toBe(KINDS.length);
    const file = path.join(s.v2.tempDir, "state-0.1.0.json");
    fs.writeFileSync(file, JSON.stringify(state));
    const imported = await s.project.pulumi(["stack", "import", "--file", file]);
    expect(imported.exitCode).toBe(0);
    const reexported = declaredResources(await s.project.exportState());
    expect(reexported.every((r) => String(r.outputs?.["__provider"]).includes("with({ kind:"))).toBe(true);

    await upgradedRunsVersion2(s);
  });
});
