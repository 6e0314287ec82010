/**
 * The benchmark's projects: directories the real `pulumi` CLI runs (harness/cli.ts), whose
 * programs are the files of bench/programs, type-checked on every run as a user's TypeScript
 * program is. This package's programs get the emulator through stack config only (the caller's
 * GRAFANA_CLOUD_* variables are blanked); the trivial provider's through BENCH_API_URL and
 * BENCH_API_TOKEN.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_ORG, DEFAULT_TOKEN } from "../../../emulator";
import { createCliProject, type CliProject } from "../../../harness/cli";
import type { FleetSize, Provider } from "./results";

/** The program files of bench/programs (read from the repository, not from dist/). */
function programFile(repoRoot: string, name: string): string {
  return fs.readFileSync(path.join(repoRoot, "bench", "programs", name), "utf8");
}

/** What each fleet's names start with: the same length, so both store names of the same size. */
const PREFIX: Record<Provider, string> = { ours: "ours", trivial: "triv" };

export function fleetJson(provider: Provider, fleet: FleetSize): string {
  return JSON.stringify({ prefix: PREFIX[provider], ...fleet, region: "us", orgId: String(DEFAULT_ORG.id) });
}

/** A project of the fleet (bench/programs/fleet.ts or trivial.ts) pointed at the emulator at `url`. */
export async function fleetProject(
  repoRoot: string,
  provider: Provider,
  url: string,
  fleet: FleetSize,
  name: string,
): Promise<CliProject> {
  const files = {
    "index.ts": programFile(repoRoot, provider === "ours" ? "fleet.ts" : "trivial.ts"),
    "shape.ts": programFile(repoRoot, "shape.ts"),
    "bench.json": fleetJson(provider, fleet),
  };
  return provider === "ours"
    ? ourProject(repoRoot, name, url, files)
    : createCliProject({
        projectName: name,
        repoRoot,
        source: { files },
        env: { BENCH_API_URL: url, BENCH_API_TOKEN: DEFAULT_TOKEN },
      });
}

/** A project of this package's program `files`, with credentials in stack config only. */
export function ourProject(
  repoRoot: string,
  name: string,
  url: string,
  files: Record<string, string>,
): Promise<CliProject> {
  return createCliProject({
    projectName: name,
    repoRoot,
    source: { files },
    config: { "grafana-cloud:url": url },
    secretsConfig: { "grafana-cloud:accessPolicyToken": DEFAULT_TOKEN },
    env: { GRAFANA_CLOUD_API_URL: "", GRAFANA_CLOUD_ACCESS_POLICY_TOKEN: "" },
  });
}

/** The per-operation program (bench/programs/calls.ts); its calls.json is written before each step. */
export function callsProject(repoRoot: string, url: string, spec: unknown): Promise<CliProject> {
  return ourProject(repoRoot, "bench-calls", url, {
    "index.ts": programFile(repoRoot, "calls.ts"),
    "callsSpec.ts": programFile(repoRoot, "callsSpec.ts"),
    "calls.json": JSON.stringify(spec, null, 2),
  });
}
