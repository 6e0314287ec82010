/**
 * The toolchain users' projects run on here: the CLI in .tools/bin with the Node.js language host
 * and the dynamic-provider plugin beside it (scripts/ensure-pulumi.sh). Where only Go modules can
 * be had, the host is built from sdk/v3 v3.68.0, an older release than the CLI (v3.248.0): the
 * newer host reads a project's runtime options from each request, the older one only from flags
 * that today's CLI no longer passes. These tests pin down what the project's features do with the
 * host in use, so the README's list of differences stays true: `main`, TypeScript, the runtime
 * options `nodeargs` and `tsconfig`, `pulumi install` and its package manager, policy packs.
 * Each test asserts the older host's behaviour when that host is in use, and the matching host's
 * otherwise (an official install linked by ensure-pulumi.sh).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createCliProject, type CliProject, languageHost, toolsBin } from "../../harness/cli";
import { repoRoot } from "../support/engine";

const host = languageHost(repoRoot);
const OLD_HOST = host.version === "v3.68.0";

const PROJECT_FILES = {
  "Pulumi.yaml": [
    "name: toolchain",
    "runtime:",
    "  name: nodejs",
    "  options:",
    "    typescript: true",
    '    nodeargs: "--max-old-space-size=3072"',
    "    tsconfig: tsconfig.custom.json",
    "main: src/main.ts",
    "",
  ].join("\n"),
  "tsconfig.custom.json": JSON.stringify({ compilerOptions: { strict: true, module: "commonjs" } }),
  // What the program sees of its runtime, as stack outputs.
  "src/main.ts": [
    'import * as pulumi from "@pulumi/pulumi";',
    "export const entry = __filename;",
    'export const execArgv = process.execArgv.join(" ");',
    'export const typescript = process.env["PULUMI_NODEJS_TYPESCRIPT"] ?? "";',
    'export const tsconfigPath = process.env["PULUMI_NODEJS_TSCONFIG_PATH"] ?? "";',
    "export const rootDirectory = pulumi.getRootDirectory();",
    "",
  ].join("\n"),
};

describe("the toolchain in .tools/bin", () => {
  let project: CliProject | undefined;
  afterEach(async () => {
    await project?.dispose();
    project = undefined;
  });

  test("the CLI, the language host and the dynamic-provider plugin sit together, as an official install lays them out", () => {
    const cliDir = path.dirname(fs.realpathSync(path.join(toolsBin(repoRoot), "pulumi")));
    for (const plugin of ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]) {
      const file = path.join(cliDir, plugin);
      expect({ plugin, executable: (fs.statSync(file).mode & 0o111) !== 0 }).toEqual({
        plugin,
        executable: true,
      });
    }
    expect(host.path).toBe(path.join(cliDir, "pulumi-language-nodejs"));
    expect(host.version).toMatch(/^v3\.\d+\.\d+$/);
  });

  test("main, TypeScript, nodeargs, tsconfig and the root directory, as the host in use handles them", async () => {
    project = await createCliProject({
      projectName: "toolchain",
      source: { files: PROJECT_FILES },
      typeCheck: false,
    });
    const up = await project.up();
    // Both hosts take the plugins from next to the CLI, so no "using ... from $PATH" warning.
    expect(up.output).not.toMatch(/from \$PATH/);
    const outputs = Object.fromEntries(Object.entries(await project.outputs()).map(([k, v]) => [k, v.value]));

    // `main` picks the entry point, and TypeScript runs through ts-node, with either host.
    expect(outputs["entry"]).toBe(path.join(fs.realpathSync(project.dir), "src", "main.ts"));
    expect(outputs["typescript"]).toBe("true");
    if (OLD_HOST) {
      // The v3.68.0 host reads runtime options from its command-line flags, which today's CLI no
      // longer passes: nodeargs and tsconfig are ignored. It passes no root directory either, so
      // pulumi.getRootDirectory() answers the SDK's placeholder.
      expect(outputs["execArgv"]).not.toContain("--max-old-space-size=3072");
      expect(outputs["tsconfigPath"]).toBe("");
      expect(outputs["rootDirectory"]).toBe("rootDirectory");
    } else {
      expect(outputs["execArgv"]).toContain("--max-old-space-size=3072");
      expect(outputs["tsconfigPath"]).toBe("tsconfig.custom.json");
      expect(fs.realpathSync(String(outputs["rootDirectory"]))).toBe(fs.realpathSync(project.dir));
    }
  });

  test("typescript: false is the matching host's only: the v3.68.0 host always registers ts-node", async () => {
    project = await createCliProject({
      projectName: "toolchain-js",
      source: {
        files: {
          "Pulumi.yaml": "name: toolchain-js\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n",
          "package.json": JSON.stringify({ name: "toolchain-js", private: true, main: "index.js" }),
          "index.js": 'exports.typescript = process.env["PULUMI_NODEJS_TYPESCRIPT"] || "";\n',
        },
      },
    });
    await project.up();
    const outputs = await project.outputs();
    // A JavaScript program runs either way; only the older host loads ts-node for it anyway.
    expect(outputs["typescript"]?.value).toBe(OLD_HOST ? "true" : "");
  });

  test("pulumi install installs the project's dependencies; the package manager option is the matching host's only", async () => {
    project = await createCliProject({
      projectName: "toolchain-install",
      install: "none",
      source: {
        files: {
          "Pulumi.yaml":
            "name: toolchain-install\nruntime:\n  name: nodejs\n  options:\n    packagemanager: pnpm\n",
          "package.json": JSON.stringify({
            name: "toolchain-install",
            private: true,
            dependencies: { "local-dep": "file:./local-dep" },
          }),
          "index.ts": "export const ok = true;\n",
          "local-dep/package.json": JSON.stringify({ name: "local-dep", version: "1.0.0", main: "index.js" }),
          "local-dep/index.js": "module.exports = 1;\n",
        },
      },
    });
    const install = await project.pulumi(["install", "--non-interactive"]);
    if (OLD_HOST) {
      // npm, whatever the option says (the v3.68.0 host knows only npm, or yarn with
      // PULUMI_PREFER_YARN=true), in the program's directory.
      expect({ exitCode: install.exitCode, output: install.output }).toEqual({
        exitCode: 0,
        output: expect.stringContaining("Installing dependencies"),
      });
      expect(fs.existsSync(path.join(project.dir, "node_modules", "local-dep", "package.json"))).toBe(true);
      expect(fs.existsSync(path.join(project.dir, "package-lock.json"))).toBe(true);
      expect(fs.existsSync(path.join(project.dir, "pnpm-lock.yaml"))).toBe(false);
    } else {
      // The matching host uses pnpm as asked (and fails where pnpm is not installed), never npm.
      expect(fs.existsSync(path.join(project.dir, "package-lock.json"))).toBe(false);
    }
  });

  test("a Node.js policy pack: the v3.68.0 host cannot run one", async () => {
    project = await createCliProject({
      projectName: "toolchain-policy",
      source: {
        files: {
          "index.ts": "export const ok = true;\n",
          "policy/PulumiPolicy.yaml": "runtime: nodejs\n",
          "policy/package.json": JSON.stringify({ name: "toolchain-policy-pack", private: true }),
          "policy/index.js": "// A policy pack would declare its policies here.\n",
        },
      },
      typeCheck: false,
    });
    const preview = await project.pulumi([
      "preview",
      "--non-interactive",
      "--policy-pack",
      path.join(project.dir, "policy"),
    ]);
    expect(preview.exitCode).not.toBe(0);
    if (OLD_HOST) {
      // The CLI runs Node.js policy packs through the language host's RunPlugin, which the
      // v3.68.0 host does not implement.
      expect(preview.output).toMatch(/not supported/);
    } else {
      // The matching host starts the pack; this one has no @pulumi/policy, so it fails there.
      expect(preview.output).not.toMatch(/RunPlugin.*not supported/);
    }
  });
});
