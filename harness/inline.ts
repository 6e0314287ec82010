// A harness that drives the real Pulumi engine through Automation API *inline programs*: the
// program runs in this process, and the `pulumi` CLI in .tools/bin runs the engine. The benchmark
// uses it (it measures the providers, so its programs are functions it builds per run). Everything
// users run goes through the CLI harness (cli.ts) instead: a project directory, the Node.js
// language host and `pulumi preview` / `up` as commands.
//
// Resources still go through the real dynamic-provider host (pulumi-resource-pulumi-nodejs).
//
// Every project gets its own temporary directory:
//   <tmp>/work           the workspace (Pulumi.yaml); the dynamic-provider host runs here, so its
//                        `require(...)` calls resolve through <tmp>/work/node_modules, which links
//                        `pulumi-grafana-cloud` to this repository and `@pulumi` to its node_modules,
//                        just like a user's project that installed the package
//   <tmp>/state          the file backend (PULUMI_BACKEND_URL=file://...)
//   <tmp>/home           PULUMI_HOME, so no run sees or changes ~/.pulumi
// Nothing is downloaded: automatic plugin acquisition and update checks are off.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  type ConfigMap,
  type Deployment,
  type DestroyOptions,
  type DestroyResult,
  type EngineEvent,
  LocalWorkspace,
  type PreviewOptions,
  type PreviewResult,
  PulumiCommand,
  type PulumiFn,
  type RefreshOptions,
  type RefreshResult,
  type Stack,
  type UpOptions,
  type UpResult,
} from "@pulumi/pulumi/automation";
import { findRepoRoot, PulumiCliMissingError, toolsBin } from "./repo";

/** The passphrase of every throwaway stack; the stacks live only in a temporary directory. */
export const ENGINE_TEST_PASSPHRASE = "pulumi-grafana-cloud-engine-tests";

export { findRepoRoot, PulumiCliMissingError };

/** Raised when a pulumi command fails; carries everything the command printed. */
export class EngineCommandError extends Error {
  override readonly name = "EngineCommandError";
  constructor(
    readonly command: EngineCommand,
    /** stdout and stderr of the command, interleaved in arrival order. */
    readonly output: string,
    /** The engine events seen before the failure. */
    readonly events: EngineEvent[],
    options: { cause: unknown },
  ) {
    super(`pulumi ${command} failed:\n${output.trim() || String(options.cause)}`, options);
  }
}

export type EngineCommand = "up" | "preview" | "refresh" | "destroy";

/** What every engine command returns: the Automation API result and what the CLI printed. */
export interface EngineRun<R> {
  result: R;
  /** stdout and stderr of the command, interleaved in arrival order. */
  output: string;
  /** Structured engine events (resource pre/outputs, diagnostics, summary). */
  events: EngineEvent[];
  /** Wall-clock time of the command, in milliseconds. */
  durationMs: number;
}

export interface EngineProjectOptions {
  /** The Pulumi project name (also scopes stacks in the file backend). */
  projectName: string;
  /** The inline program; can be replaced later with `setProgram` or per command. */
  program: PulumiFn;
  /** Stack name; default `test`. */
  stackName?: string;
  /** Plain stack config, fully qualified keys (e.g. `grafana-cloud:url`). */
  config?: Record<string, string>;
  /** Secret stack config, fully qualified keys (e.g. `grafana-cloud:accessPolicyToken`). */
  secretsConfig?: Record<string, string>;
  /**
   * Extra environment for the CLI and the plugins it starts (the dynamic-provider host inherits
   * it). The CLI otherwise inherits this process's environment, so set a variable to override
   * what the caller's shell has (e.g. `GRAFANA_CLOUD_API_URL`).
   */
  env?: Record<string, string>;
  /**
   * Extra or replacing entries of `<workDir>/node_modules`: package name -> directory the link
   * points at. By default `pulumi-grafana-cloud` -> the repository and `@pulumi` -> its
   * node_modules/@pulumi.
   */
  links?: Record<string, string>;
  /** Skip the Automation API's CLI version check. */
  skipVersionCheck?: boolean;
  /** The repository whose package and CLI are used; default: found above this file. */
  repoRoot?: string;
  /** Keep the temporary directory on `dispose()` (for debugging). */
  keepTempDir?: boolean;
}

/** Options every command takes beyond the Automation API's own. */
interface CommandExtras {
  /** Also echo the CLI's output to this process's stdout while it runs. */
  echo?: boolean | undefined;
  /** Called with each engine event as it arrives (progress output). */
  onEvent?: ((event: EngineEvent) => void) | undefined;
}

export type EngineUpOptions = Omit<UpOptions, "onOutput" | "onError" | "onEvent"> & CommandExtras;
export type EnginePreviewOptions = Omit<PreviewOptions, "onOutput" | "onError" | "onEvent"> & CommandExtras;
export type EngineRefreshOptions = Omit<RefreshOptions, "onOutput" | "onError" | "onEvent"> & CommandExtras;
export type EngineDestroyOptions = Omit<DestroyOptions, "onOutput" | "onError" | "onEvent"> & CommandExtras;

export interface EngineProject {
  readonly stack: Stack;
  readonly stackName: string;
  /** The temporary root (work, state, home below it). */
  readonly tempDir: string;
  /** The workspace directory; the dynamic-provider host runs with this cwd. */
  readonly workDir: string;
  /** The file backend directory. */
  readonly stateDir: string;
  /** The environment given to the CLI (without this process's own environment). */
  readonly env: Readonly<Record<string, string>>;
  up(opts?: EngineUpOptions): Promise<EngineRun<UpResult>>;
  preview(opts?: EnginePreviewOptions): Promise<EngineRun<PreviewResult>>;
  refresh(opts?: EngineRefreshOptions): Promise<EngineRun<RefreshResult>>;
  destroy(opts?: EngineDestroyOptions): Promise<EngineRun<DestroyResult>>;
  /**
   * `pulumi stack export`: secrets stay encrypted (`ciphertext`), as in the state file, unless
   * `showSecrets` (the Automation API's own `exportStack` always decrypts them).
   */
  exportState(opts?: { showSecrets?: boolean }): Promise<Deployment>;
  /** The stack's checkpoint file in the file backend, as the CLI wrote it. */
  readonly stateFile: string;
  /** Replace the inline program used by later commands. */
  setProgram(program: PulumiFn): void;
  /** Set plain and secret config (fully qualified keys). */
  setConfig(plain?: Record<string, string>, secret?: Record<string, string>): Promise<void>;
  /** Point `<workDir>/node_modules/<name>` at `target` (e.g. a changed copy of the package). */
  link(name: string, target: string): void;
  /** Remove the stack (forcefully, resources or not) and the temporary directory. */
  dispose(): Promise<void>;
}

/** A resource as stored in exported state (`deployment.resources[]`), the fields tests read. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The resources of an exported state. */
export function stateResources(state: Deployment): StateResource[] {
  const deployment = state.deployment as { resources?: StateResource[] } | undefined;
  return deployment?.resources ?? [];
}

/** The resources the program declared: without the stack itself and the provider resources. */
export function declaredResources(state: Deployment): StateResource[] {
  return stateResources(state).filter(
    (r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"),
  );
}

/** Locates the pinned CLI under `<repo>/.tools` and fails clearly when it is not there. */
export async function getPulumiCommand(
  repoRoot: string = findRepoRoot(),
  skipVersionCheck = false,
): Promise<PulumiCommand> {
  const toolsRoot = path.join(repoRoot, ".tools");
  const binary = path.join(toolsRoot, "bin", "pulumi");
  if (!fs.existsSync(binary)) {
    throw new PulumiCliMissingError(binary);
  }
  return PulumiCommand.get({ root: toolsRoot, skipVersionCheck });
}

function linkInto(workDir: string, name: string, target: string): void {
  const linkPath = path.join(workDir, "node_modules", ...name.split("/"));
  fs.mkdirSync(path.dirname(linkPath), { recursive: true });
  fs.rmSync(linkPath, { recursive: true, force: true });
  fs.symlinkSync(target, linkPath, "dir");
}

function configMap(plain: Record<string, string> = {}, secret: Record<string, string> = {}): ConfigMap {
  const map: ConfigMap = {};
  for (const [key, value] of Object.entries(plain)) {
    map[key] = { value, secret: false };
  }
  for (const [key, value] of Object.entries(secret)) {
    map[key] = { value, secret: true };
  }
  return map;
}

/** Creates a throwaway project and stack on a local file backend. */
export async function createEngineProject(options: EngineProjectOptions): Promise<EngineProject> {
  const repoRoot = options.repoRoot ?? findRepoRoot();
  const pulumiCommand = await getPulumiCommand(repoRoot, options.skipVersionCheck ?? false);
  const stackName = options.stackName ?? "test";

  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), `pulumi-engine-${options.projectName}-`));
  const workDir = path.join(tempDir, "work");
  const stateDir = path.join(tempDir, "state");
  const homeDir = path.join(tempDir, "home");
  for (const dir of [workDir, stateDir, homeDir]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  const links: Record<string, string> = {
    "pulumi-grafana-cloud": repoRoot,
    "@pulumi": path.join(repoRoot, "node_modules", "@pulumi"),
    ...options.links,
  };
  for (const [name, target] of Object.entries(links)) {
    linkInto(workDir, name, target);
  }

  const env: Record<string, string> = {
    // The CLI, the language host and the dynamic-provider plugin, as scripts/ensure-pulumi.sh
    // lays them out.
    PATH: [toolsBin(repoRoot), process.env["PATH"] ?? ""].join(path.delimiter),
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_HOME: homeDir,
    PULUMI_CONFIG_PASSPHRASE: ENGINE_TEST_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    ...(options.skipVersionCheck ? { PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true" } : {}),
    ...options.env,
  };

  let stack: Stack;
  try {
    stack = await LocalWorkspace.createOrSelectStack(
      { stackName, projectName: options.projectName, program: options.program },
      {
        workDir,
        pulumiHome: homeDir,
        pulumiCommand,
        envVars: env,
        secretsProvider: "passphrase",
        projectSettings: {
          name: options.projectName,
          runtime: "nodejs",
          backend: { url: `file://${stateDir}` },
        },
      },
    );
    await stack.setAllConfig(configMap(options.config, options.secretsConfig));
  } catch (err) {
    fs.rmSync(tempDir, { recursive: true, force: true });
    throw err;
  }

  async function run<R>(
    command: EngineCommand,
    extras: CommandExtras,
    invoke: (handlers: {
      onOutput: (out: string) => void;
      onError: (err: string) => void;
      onEvent: (event: EngineEvent) => void;
    }) => Promise<R>,
  ): Promise<EngineRun<R>> {
    let output = "";
    const events: EngineEvent[] = [];
    const capture = (text: string) => {
      output += text;
      if (extras.echo) {
        process.stdout.write(text);
      }
    };
    const started = performance.now();
    try {
      const onEvent = (e: EngineEvent) => {
        events.push(e);
        extras.onEvent?.(e);
      };
      const result = await invoke({ onOutput: capture, onError: capture, onEvent });
      return { result, output, events, durationMs: performance.now() - started };
    } catch (cause) {
      throw new EngineCommandError(command, output, events, { cause });
    }
  }

  return {
    stack,
    stackName,
    tempDir,
    workDir,
    stateDir,
    env,
    up: ({ echo, onEvent, ...opts } = {}) =>
      run("up", { echo, onEvent }, (h) => stack.up({ color: "never", ...opts, ...h })),
    preview: ({ echo, onEvent, ...opts } = {}) =>
      run("preview", { echo, onEvent }, (h) => stack.preview({ color: "never", ...opts, ...h })),
    refresh: ({ echo, onEvent, ...opts } = {}) =>
      run("refresh", { echo, onEvent }, (h) => stack.refresh({ color: "never", ...opts, ...h })),
    destroy: ({ echo, onEvent, ...opts } = {}) =>
      run("destroy", { echo, onEvent }, (h) => stack.destroy({ color: "never", ...opts, ...h })),
    stateFile: path.join(stateDir, ".pulumi", "stacks", options.projectName, `${stackName}.json`),
    async exportState({ showSecrets = false } = {}) {
      const args = ["stack", "export", "--stack", stackName, "--non-interactive"];
      if (showSecrets) {
        args.push("--show-secrets");
      }
      const { stdout } = await promisify(execFile)(pulumiCommand.command, args, {
        cwd: workDir,
        env: { ...process.env, ...env },
        maxBuffer: 256 * 1024 * 1024,
      });
      return JSON.parse(stdout) as Deployment;
    },
    setProgram(program) {
      stack.workspace.program = program;
    },
    setConfig: (plain, secret) => stack.setAllConfig(configMap(plain, secret)),
    link: (name, target) => linkInto(workDir, name, target),
    async dispose() {
      try {
        await stack.workspace.removeStack(stackName, { force: true });
      } finally {
        if (!options.keepTempDir) {
          fs.rmSync(tempDir, { recursive: true, force: true });
        }
      }
    },
  };
}
