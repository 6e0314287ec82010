/**
 * What the engine and fault suites share: a project directory run by the real `pulumi` CLI
 * (harness/cli.ts) whose program is either the generic declared-resources program
 * (programs/declared.ts, with the declarations as JSON) or a copy of an example, pointed at an
 * emulator through Pulumi config only (the caller's GRAFANA_CLOUD_* are blanked), and readers for
 * the engine's step events.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import {
  type CliProject,
  createCliProject,
  EngineCommandError,
  findRepoRoot,
  type ProjectSource,
  type StateResource,
} from "../../harness/cli";
import { nameOf } from "./emulatorClient";
import { startTestEmulator, type TestEmulator } from "./emulator";
import type { EmulatorOptions } from "../../emulator";

export const repoRoot = findRepoRoot(__dirname);

// -------------------------------------------------------------------------------------------------
// Programs

export type Kind =
  | "Stack"
  | "AccessPolicy"
  | "Token"
  | "PluginInstallation"
  | "StackApiKey"
  | "StackServiceAccount"
  | "StackServiceAccountToken";

/** A resource of the declared program: `new <kind>(name, args)`. */
export interface Declared {
  kind: Kind;
  name: string;
  args: Record<string, unknown>;
}

/** The output of an earlier declared resource, as a program wires it (`string`: `.apply(String)`). */
export function ref(name: string, output: string, opts: { string?: boolean } = {}) {
  return { $ref: name, output, ...(opts.string ? { string: true } : {}) };
}

export const declare = (kind: Kind, name: string, args: Record<string, unknown>): Declared => ({
  kind,
  name,
  args,
});

const DECLARED_PROGRAM = fs.readFileSync(path.join(__dirname, "programs", "declared.ts"), "utf8");

function declaredJson(resources: Declared[], outputs?: Record<string, unknown>): string {
  return JSON.stringify({ resources, ...(outputs ? { outputs } : {}) }, null, 2);
}

/** The declared-resources program with these declarations. */
export function declaredProgram(resources: Declared[], outputs?: Record<string, unknown>): ProjectSource {
  return { files: { "index.ts": DECLARED_PROGRAM, "resources.json": declaredJson(resources, outputs) } };
}

/** Replaces the declarations of a project running the declared-resources program. */
export function setDeclared(
  project: CliProject,
  resources: Declared[],
  outputs?: Record<string, unknown>,
): void {
  project.writeFile("resources.json", declaredJson(resources, outputs));
}

/** A copy of an example project (examples/<name>), the repository's package linked in. */
export function exampleProgram(name: string): ProjectSource {
  return { copyFrom: path.join(repoRoot, "examples", name) };
}

/** The quickstart example's own config (its project is grafana-cloud-quickstart). */
export function quickstartConfig(slug: string, deleteProtection = false): Record<string, string> {
  return {
    "grafana-cloud-quickstart:slug": slug,
    "grafana-cloud-quickstart:deleteProtection": String(deleteProtection),
  };
}

// -------------------------------------------------------------------------------------------------
// Scenarios: an emulator and a project pointed at it

/** The environment variables the package would fall back to; blanked for every engine run. */
export const BLANKED_ENV = {
  GRAFANA_CLOUD_ACCESS_POLICY_TOKEN: "",
  GRAFANA_CLOUD_API_URL: "",
};

export interface ProjectAt {
  projectName: string;
  source: ProjectSource;
  /** The emulator the provider calls (its url and token go into stack config). */
  url: string;
  token: string;
  /** Plain project config beyond the credentials, fully qualified keys. */
  config?: Record<string, string>;
  env?: Record<string, string>;
  links?: Record<string, string>;
}

/**
 * A project whose credentials come from stack config only: `grafana-cloud:url` plain,
 * `grafana-cloud:accessPolicyToken` secret. The client's retries are short (the emulator answers
 * at once) unless `env` says otherwise.
 */
export function createProject(options: ProjectAt): Promise<CliProject> {
  return createCliProject({
    projectName: options.projectName,
    source: options.source,
    config: { "grafana-cloud:url": options.url, ...options.config },
    secretsConfig: { "grafana-cloud:accessPolicyToken": options.token },
    // The suites' programs are type-checked by `npm run check`; here they are only transpiled.
    typeCheck: false,
    env: {
      ...BLANKED_ENV,
      GRAFANA_CLOUD_RETRY_BASE_DELAY_MS: "20",
      GRAFANA_CLOUD_RETRY_BUDGET_SECONDS: "10",
      ...options.env,
    },
    ...(options.links ? { links: options.links } : {}),
  });
}

export interface Scenario {
  emulator: TestEmulator;
  project: CliProject;
  dispose(): Promise<void>;
}

/** An emulator of its own and a project pointed at it. */
export async function startScenario(options: {
  projectName: string;
  source: ProjectSource;
  emulator?: EmulatorOptions;
  config?: Record<string, string>;
  env?: Record<string, string>;
  links?: Record<string, string>;
}): Promise<Scenario> {
  const emulator = await startTestEmulator(options.emulator);
  let project: CliProject;
  try {
    project = await createProject({
      projectName: options.projectName,
      source: options.source,
      url: emulator.url,
      token: emulator.token,
      ...(options.config ? { config: options.config } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.links ? { links: options.links } : {}),
    });
  } catch (err) {
    await emulator.close();
    throw err;
  }
  return {
    emulator,
    project,
    async dispose() {
      try {
        await project.dispose();
      } finally {
        await emulator.close();
      }
    },
  };
}

// -------------------------------------------------------------------------------------------------
// Reading what the engine did

/** Runs `fn`; returns the EngineCommandError it threw, or undefined when it succeeded. */
export async function failureOf(fn: () => Promise<unknown>): Promise<EngineCommandError | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    if (err instanceof EngineCommandError) return err;
    throw err;
  }
}

/** The EngineCommandError a command fails with; fails the test if it succeeds. */
export async function failure(run: Promise<unknown>): Promise<EngineCommandError> {
  const outcome = await run.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof EngineCommandError)) {
    throw new Error(
      `expected the command to fail, got ${outcome === undefined ? "success" : String(outcome)}`,
    );
  }
  return outcome;
}

/** The lines of the engine's output that carry an error. */
export function errorLines(output: string): string[] {
  return output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /error:/i.test(l));
}

/** The steps the engine announced (resource pre-events), per logical resource name, in order. */
export function stepsByName(events: EngineEvent[]): Record<string, OpType[]> {
  const steps: Record<string, OpType[]> = {};
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m || m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) continue;
    (steps[nameOf(m.urn)] ??= []).push(m.op);
  }
  return steps;
}

/** Logical names of the resources whose steps include `op`. */
export function namesWithOp(events: EngineEvent[], op: OpType): string[] {
  return Object.entries(stepsByName(events))
    .filter(([, ops]) => ops.includes(op))
    .map(([name]) => name)
    .sort();
}

/** Keys that forced replacement of `name`, as the engine reported them. */
export function replaceKeys(events: EngineEvent[], name: string): string[] {
  const keys = new Set<string>();
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (m && nameOf(m.urn) === name) for (const k of m.keys ?? []) keys.add(k);
  }
  return [...keys].sort();
}

/** The declared resource of that logical name in exported state. */
export function resourceNamed(resources: StateResource[], name: string): StateResource {
  const found = resources.find((r) => nameOf(r.urn) === name);
  if (!found)
    throw new Error(`no resource named ${name} in state: ${resources.map((r) => r.urn).join(", ")}`);
  return found;
}

/** `pulumi-nodejs:dynamic/grafana-cloud:Token` -> `Token`. */
export function typeOf(r: StateResource): string {
  return r.type.slice(r.type.lastIndexOf(":") + 1);
}

export {
  type CliProject,
  declaredResources,
  EngineCommandError,
  stateResources,
  type StateResource,
} from "../../harness/cli";
export { startTestEmulator, type LiveObjects, type TestEmulator } from "./emulator";
export {
  controlOf,
  nameOf,
  TEMP_KEY_PREFIX,
  writesIn,
  type EmulatorControl,
  type EmulatorState,
  type RequestLogEntry,
} from "./emulatorClient";
