/**
 * The package as users get it from the registry: the tarball `npm pack` makes. What it ships
 * (compiled JS, type declarations, README, LICENSE; no tests, no sources, no secrets), and each
 * example installed from it into a copy of its project, then run with the real CLI as its README
 * says: preview, up, preview --expect-no-changes, refresh, a change seen by preview --diff, destroy.
 * TypeScript is type-checked on every run, as ts-node does by default for a user.
 *
 * `npm install` of the tarball runs with --prefer-offline: the dependencies come from npm's cache
 * (filled by the repository's own `npm ci`), the registry is asked only for what the cache lacks.
 * Measured for the quickstart on this project's 2-core machine under load: 42 s with
 * --prefer-offline, 28 s with --offline once the cache held everything. --offline is not used
 * because on a fresh machine the cache lacks the registry metadata that resolving the examples'
 * version ranges needs (`npm ci` installs from a lockfile and fetches none).
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { createCliProject, type CliProject, declaredResources } from "../../harness/cli";
import { BLANKED_ENV, repoRoot } from "../support/engine";
import { startTestEmulator, type TestEmulator } from "../support/emulator";

const run = promisify(execFile);

let packDir: string;
let tarball: string;
let entries: string[];

beforeAll(async () => {
  packDir = fs.mkdtempSync(path.join(os.tmpdir(), "tarball-test-"));
  // The build ran before this suite (npm run test:examples); the package's `prepack` builds too.
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", packDir], {
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  tarball = path.join(packDir, packed!.filename);
  const listing = await run("tar", ["-tzf", tarball], { maxBuffer: 64 * 1024 * 1024 });
  entries = listing.stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.replace(/^package\//, ""));
});

afterAll(() => {
  if (packDir) fs.rmSync(packDir, { recursive: true, force: true });
});

describe("what npm pack ships", () => {
  test("compiled JS and type declarations of the package and the emulator, README and LICENSE", () => {
    for (const file of [
      "package.json",
      "README.md",
      "LICENSE",
      "dist/provider/index.js",
      "dist/provider/index.d.ts",
      "dist/provider/dynamic.js",
      "dist/provider/dynamic.d.ts",
      "dist/emulator/index.js",
      "dist/emulator/index.d.ts",
      "dist/emulator/cli.js",
    ]) {
      expect({ file, shipped: entries.includes(file) }).toEqual({ file, shipped: true });
    }
    // The license is the Apache License 2.0 the manifest declares.
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
      license: string;
    };
    expect(manifest.license).toBe("Apache-2.0");
    expect(fs.readFileSync(path.join(repoRoot, "LICENSE"), "utf8")).toMatch(
      /Apache License\s+Version 2\.0, January 2004/,
    );
  });

  test("nothing outside dist/ but the package files; no sources, tests, scripts or harness", () => {
    const outside = entries.filter((e) => !e.startsWith("dist/"));
    expect(outside.sort()).toEqual(["LICENSE", "README.md", "package.json"]);
    const dirs = new Set(entries.map((e) => e.split("/").slice(0, 2).join("/")));
    expect([...dirs].filter((d) => d.startsWith("dist/")).sort()).toEqual(["dist/emulator", "dist/provider"]);
    // Compiled files only: no TypeScript sources (declarations aside), no tests.
    expect(entries.filter((e) => e.endsWith(".ts") && !e.endsWith(".d.ts"))).toEqual([]);
    expect(entries.filter((e) => /(^|\/)(tests?|__tests__)\/|\.test\.|\.spec\./.test(e))).toEqual([]);
  });

  test("no sources of secrets: no .env, npmrc, state or stack files, keys, tokens", async () => {
    const secretNames =
      /(^|\/)(\.env(\..*)?|\.npmrc|Pulumi\.[^/]+\.yaml|\.pulumi\/.*|.*\.(pem|key|p12|tgz)|.*state.*\.json)$/i;
    expect(entries.filter((e) => secretNames.test(e))).toEqual([]);
    const unpacked = path.join(packDir, "unpacked");
    fs.mkdirSync(unpacked);
    await run("tar", ["-xzf", tarball, "-C", unpacked]);
    const tokenLike = /glc_[A-Za-z0-9+/=_-]{20,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|eyJrIjoi[A-Za-z0-9]{10,}/;
    const found = entries.filter((e) =>
      tokenLike.test(fs.readFileSync(path.join(unpacked, "package", e), "utf8")),
    );
    expect(found).toEqual([]);
  });
});

/** Runs a command in `cwd`; fails with its output when it exits non-zero. */
function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${output}`)),
    );
  });
}

interface ExampleCase {
  example: string;
  /** The example's own config for this run (fully qualified keys). */
  config: Record<string, string>;
  /** The resources the example declares, by type name. */
  kinds: string[];
  /** The file a user edits, the text replaced, the property whose change preview --diff must show. */
  change: { file: string; from: string; to: string; property: RegExp };
}

const CASES: ExampleCase[] = [
  {
    example: "quickstart",
    config: { "grafana-cloud-quickstart:slug": "tarballqs" },
    kinds: [
      "AccessPolicy",
      "PluginInstallation",
      "Stack",
      "StackServiceAccount",
      "StackServiceAccountToken",
      "Token",
    ],
    change: {
      file: "program.ts",
      from: 'displayName: "Quickstart readers"',
      to: 'displayName: "Quickstart readers (renamed)"',
      property: /~ displayName\s*: "Quickstart readers" => "Quickstart readers \(renamed\)"/,
    },
  },
  {
    example: "multi-region",
    config: {},
    kinds: ["AccessPolicy", "Token"],
    change: {
      file: "program.ts",
      from: 'scopes: ["logs:write"]',
      to: 'scopes: ["logs:write", "logs:read"]',
      property: /~ scopes\s*: \[/,
    },
  },
  {
    example: "pipeline",
    config: {
      "grafana-cloud-pipeline:slug": "tarballpipe",
      "grafana-cloud-pipeline:deleteProtection": "false",
    },
    kinds: ["AccessPolicy", "Stack", "Token"],
    change: {
      file: "index.ts",
      from: 'displayName: "CI writers"',
      to: 'displayName: "CI writers (renamed)"',
      property: /~ displayName\s*: "CI writers" => "CI writers \(renamed\)"/,
    },
  },
];

describe.each(CASES)("examples/$example installed from the tarball", (c) => {
  let emulator: TestEmulator | undefined;
  let project: CliProject | undefined;
  afterAll(async () => {
    await project?.dispose();
    await emulator?.close();
  });

  test("npm install, then preview, up, a clean preview, refresh, preview --diff of a change, destroy", async () => {
    emulator = await startTestEmulator();
    project = await createCliProject({
      projectName: c.example,
      source: { copyFrom: path.join(repoRoot, "examples", c.example) },
      install: "none",
      config: { "grafana-cloud:url": emulator.url, ...c.config },
      secretsConfig: { "grafana-cloud:accessPolicyToken": emulator.token },
      env: BLANKED_ENV,
    });
    const dir = project.dir;
    expect(fs.existsSync(path.join(dir, "node_modules"))).toBe(false);

    const started = Date.now();
    await sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], dir);
    console.log(`examples/${c.example}: npm install of the tarball took ${(Date.now() - started) / 1000} s`);
    // A real install: the package's files, not a link to the repository.
    const installed = path.join(dir, "node_modules", "pulumi-grafana-cloud");
    expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(fs.existsSync(path.join(installed, "dist", "provider", "index.d.ts"))).toBe(true);
    expect(fs.existsSync(path.join(installed, "tests"))).toBe(false);

    const preview = await project.preview();
    expect(preview.changes["create"]).toBeGreaterThan(c.kinds.length);
    expect(preview.output).not.toMatch(/from \$PATH/);

    const up = await project.up({ skipPreview: false });
    expect(up.changes["create"]).toBe(preview.changes["create"]);
    const resources = declaredResources(await project.exportState());
    expect([...new Set(resources.map((r) => r.type.split(":").pop()))].sort()).toEqual(c.kinds);
    // The serialized providers in state require the installed package, not the repository.
    const stub = String(resources[0]?.inputs?.["__provider"]);
    expect(stub).toContain('require("pulumi-grafana-cloud/dynamic")');
    expect(stub).not.toContain(repoRoot);
    // Where each resource was declared: the example's own line, and no frame of the installed
    // package or of the SDK's run loop in the trace state keeps.
    for (const r of resources) {
      expect(String(r["sourcePosition"])).toMatch(/^project:\/\/\/[^/.][^#]*\.ts#\d+,\d+$/);
      const frames = (r["stackTrace"] as { sourcePosition?: string }[]).map((f) => f.sourcePosition ?? "");
      expect(frames[0]).toBe(r["sourcePosition"]);
      expect(frames.filter((f) => f.includes("node_modules"))).toEqual([]);
    }

    await project.preview({ expectNoChanges: true });
    const refresh = await project.refresh({ expectNoChanges: true });
    expect(Object.keys(refresh.changes)).toEqual(["same"]);

    const file = path.join(dir, c.change.file);
    const source = fs.readFileSync(file, "utf8");
    expect(source).toContain(c.change.from);
    fs.writeFileSync(file, source.replace(c.change.from, c.change.to));
    const diff = await project.preview({ diff: true });
    expect(diff.output).toMatch(c.change.property);
    expect(diff.changes["update"]).toBeGreaterThanOrEqual(1);
    expect(diff.changes["replace"]).toBeUndefined();

    const destroy = await project.destroy({ skipPreview: false });
    expect(destroy.changes["delete"]).toBe(preview.changes["create"]);
    const live = await emulator.live();
    expect(live).toEqual(Object.fromEntries(Object.keys(live).map((kind) => [kind, []])));
  });
});
