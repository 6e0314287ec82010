// The engine suite's upgrade scenario, through the real CLI on a copy of the quickstart. Resources created with one version of the
// package are refreshed, previewed and destroyed by the implementation of the version installed
// afterwards: the serialized provider in state (`__provider`) is a thin stub that requires
// `pulumi-grafana-cloud/dynamic` when it runs, not a copy of the code that created the resource.
// "Version 2" is a copy of the built package whose dynamic entry point records each call.
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
} from "../support/engine";
const V2 = "0.2.0-upgrade-test";
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

describe("upgrades", () => {
  let scenario: Scenario | undefined;
  let tempDir: string | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
    if (tempDir !== undefined) fs.rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  });

  test("resources made by one version are refreshed, previewed and destroyed by the next one's code", async () => {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-upgrade-"));
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

    scenario = await startScenario({
      projectName: "engine-upgrade",
      source: exampleProgram("quickstart"),
      config: quickstartConfig("upgrade"),
    });
    const { project, emulator } = scenario;

    // Version 1 (this repository) creates everything; version 2 is not involved.
    await project.up();
    expect(calls()).toEqual([]);
    const created = declaredResources(await project.exportState());
    expect(created.map((r) => r.type.split(":").pop()).sort()).toEqual(KINDS);
    for (const resource of created) {
      const stub = String(resource.inputs?.["__provider"]);
      // The stub names the package entry point and carries none of the implementation.
      expect(stub).toContain('require("pulumi-grafana-cloud/dynamic")');
      expect(stub).not.toMatch(/axios|zod|accesspolicies|\/api\/instances/);
      expect(stub.length).toBeLessThan(8 * 1024);
    }

    // The user upgrades the package: the project's node_modules now holds version 2.
    project.link("pulumi-grafana-cloud", v2Dir);

    const refresh = await project.refresh({ expectNoChanges: true });
    expect(refresh.changes).toEqual({ same: 7 });
    expect(kindsCalled("read")).toEqual(KINDS);
    expect(kindsCalled("configure")).toEqual(KINDS);

    fs.rmSync(markerFile);
    await project.preview({ expectNoChanges: true });
    expect(kindsCalled("check")).toEqual(KINDS);
    expect(kindsCalled("diff")).toEqual(KINDS);

    fs.rmSync(markerFile);
    const destroy = await project.destroy();
    expect(destroy.changes).toEqual({ delete: 7 });
    expect(kindsCalled("delete")).toEqual(KINDS);
    // Every call went through version 2.
    expect(calls().every((c) => c.startsWith(`${V2} `))).toBe(true);
    expect(await emulator.live()).toEqual({
      stacks: [],
      accessPolicies: [],
      tokens: [],
      plugins: [],
      stackApiKeys: [],
      serviceAccounts: [],
      serviceAccountTokens: [],
    });
  });
});
