// Where the repository and its toolchain are: shared by the CLI harness (tests, demo, benchmark,
// pipeline script).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The repository root: the nearest directory upwards holding this package's package.json. */
export function findRepoRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: unknown };
      if (pkg.name === "pulumi-grafana-cloud") {
        return dir;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find the pulumi-grafana-cloud repository above ${start}`);
    }
    dir = parent;
  }
}

/** `<repo>/.tools/bin`, where scripts/ensure-pulumi.sh puts the CLI and its plugins. */
export function toolsBin(repoRoot: string = findRepoRoot()): string {
  return path.join(repoRoot, ".tools", "bin");
}

/** Raised when the pinned CLI has not been built or installed yet. */
export class PulumiCliMissingError extends Error {
  override readonly name = "PulumiCliMissingError";
  constructor(readonly expectedPath: string) {
    super(
      `The Pulumi CLI is missing: ${expectedPath} does not exist. ` +
        "Run `bash scripts/ensure-pulumi.sh` (it uses a pulumi v3.248.0 on PATH or builds one from Go modules, " +
        "with the Node.js language host), or install the CLI with the official installer " +
        "(https://www.pulumi.com/docs/install/).",
    );
  }
}

/** The pinned CLI in `.tools/bin`; throws PulumiCliMissingError when it is not there. */
export function pulumiBinary(repoRoot: string = findRepoRoot()): string {
  const binary = path.join(toolsBin(repoRoot), "pulumi");
  if (!fs.existsSync(binary)) {
    throw new PulumiCliMissingError(binary);
  }
  return binary;
}

/** The Node.js language host the CLI in .tools/bin runs: the one next to the (resolved) binary. */
export interface LanguageHost {
  path: string;
  /** e.g. `v3.68.0`; undefined when it cannot be told. */
  version: string | undefined;
}

export function languageHost(repoRoot: string = findRepoRoot()): LanguageHost {
  const cli = fs.realpathSync(pulumiBinary(repoRoot));
  const host = path.join(path.dirname(cli), "pulumi-language-nodejs");
  // Hosts of recent releases print their version with -version; the one built from sdk/v3
  // v3.68.0 has no such flag, but Go records the module it was built from in the binary.
  const result = spawnSync(host, ["-version"], { encoding: "utf8" });
  if (result.status === 0 && /^v?\d+\.\d+\.\d+/.test(result.stdout.trim())) {
    return { path: host, version: result.stdout.trim() };
  }
  const built = /github\.com\/pulumi\/pulumi\/sdk\/v3\t(v\d+\.\d+\.\d+)/.exec(
    fs.readFileSync(host, "latin1"),
  );
  return { path: host, version: built?.[1] };
}
