// Where the repository and its toolchain are: shared by the CLI harness (tests, demo, pipeline
// script) and the inline-program harness (benchmark).
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
