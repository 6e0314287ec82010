// Runs the real `pulumi` CLI on a project directory, as a user does: a Pulumi.yaml, a package.json,
// a TypeScript program and a node_modules, `pulumi preview` / `up` / `refresh` / `destroy` as
// commands. The Node.js language host (pulumi-language-nodejs) runs the program, the
// dynamic-provider host runs the resources; both come from .tools/bin (scripts/ensure-pulumi.sh).
// Used by the engine and fault suites, the examples and pipeline tests, and `npm run demo`.
//
// Every project gets its own temporary directory:
//   <tmp>/project   the project: its files, and node_modules linking `pulumi-grafana-cloud` to this
//                   repository and `@pulumi` to its node_modules (or a real install, see `install`)
//   <tmp>/state     the file backend (PULUMI_BACKEND_URL=file://...)
//   <tmp>/home      PULUMI_HOME, so no run sees or changes ~/.pulumi
//   <tmp>/events    one engine event log per command (`--event-log`, the same JSON events the
//                   Automation API reads), so tests can see each step the engine took
// Nothing is downloaded: automatic plugin acquisition and update checks are off, and the secrets
// provider is a passphrase, so no Pulumi Cloud account is involved.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Deployment, EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { findRepoRoot, pulumiBinary, toolsBin } from "./repo";

export { findRepoRoot, languageHost, PulumiCliMissingError, pulumiBinary, toolsBin } from "./repo";

/** The passphrase of every throwaway stack; the stacks live only in a temporary directory. */
export const TEST_PASSPHRASE = "pulumi-grafana-cloud-engine-tests";

export type EngineCommand = "up" | "preview" | "refresh" | "destroy";

/** Raised when a pulumi command fails; carries everything it printed and the events it logged. */
export class EngineCommandError extends Error {
  override readonly name = "EngineCommandError";
  constructor(
    readonly command: string,
    /** stdout and stderr of the command, interleaved in arrival order. */
    readonly output: string,
    /** The engine events logged before the failure. */
    readonly events: EngineEvent[],
    readonly exitCode: number | null,
  ) {
    super(`pulumi ${command} failed (exit ${exitCode}):\n${output.trim()}`);
  }
}

/** The counts of the engine's summary event: operation -> number of resources. */
export type ChangeSummary = Partial<Record<OpType, number>>;

/** What every engine command returns. */
export interface EngineRun {
  /** stdout and stderr of the command, interleaved in arrival order. */
  output: string;
  /** The engine events of the command (`--event-log`). */
  events: EngineEvent[];
  /** The summary event's counts (for preview: what the plan would do; otherwise what was done). */
  changes: ChangeSummary;
  /** Wall-clock time of the command, in milliseconds. */
  durationMs: number;
}

export interface CommandOptions {
  /** Extra arguments after the ones the harness passes. */
  args?: string[];
  /** `--expect-no-changes` (preview, up, refresh): the CLI fails if there is anything to do. */
  expectNoChanges?: boolean;
  /** `--parallel N`. */
  parallel?: number;
  /** `--diff` (preview, up): the property-level diff in the output. */
  diff?: boolean;
  /** Verbose engine and plugin logs on stderr: `--logtostderr --logflow -v=N`. */
  logVerbosity?: number;
  /** Also echo the CLI's output to this process's stdout while it runs. */
  echo?: boolean;
  /** Called with each engine event as the CLI logs it, while the command runs. */
  onEvent?: (event: EngineEvent) => void;
  /** Extra environment for this command only. */
  env?: Record<string, string>;
  /**
   * up, refresh, destroy: `--skip-preview` (default true: the suites look at the plan with their
   * own `preview`; without it the CLI previews first, as a plain `pulumi up --yes` does).
   */
  skipPreview?: boolean;
}

export interface RawResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in arrival order. */
  output: string;
}

export type ProjectSource =
  /** Files written into the project, relative path -> content. */
  | { files: Record<string, string> }
  /** A directory copied into the project (node_modules, state and stack files are not copied). */
  | { copyFrom: string; files?: Record<string, string> }
  /**
   * An existing project directory used where it is (e.g. the repository root): nothing is written
   * or linked there, except the stack's settings file `Pulumi.<stack>.yaml`, which `dispose`
   * removes. The backend and PULUMI_HOME are still temporary.
   */
  | { existing: string };

export interface CliProjectOptions {
  /**
   * The project name of the Pulumi.yaml the harness writes when the source has none (a copied
   * example keeps its own name; `CliProject.projectName` is the one in effect).
   */
  projectName: string;
  /**
   * The program. Without a Pulumi.yaml, package.json or tsconfig.json among its files the harness
   * writes a minimal one (runtime nodejs, `main: index.ts`).
   */
  source: ProjectSource;
  /** Stack name; default `test`. */
  stackName?: string;
  /** Plain stack config, fully qualified keys (e.g. `grafana-cloud:url`). */
  config?: Record<string, string>;
  /** Secret stack config, fully qualified keys (e.g. `grafana-cloud:accessPolicyToken`). */
  secretsConfig?: Record<string, string>;
  /**
   * Extra environment for the CLI and everything it starts (language host, program, provider
   * host). The CLI otherwise inherits this process's environment; set a variable to "" to blank
   * one the caller's shell has.
   */
  env?: Record<string, string>;
  /**
   * How the project gets its packages. "link" (default): node_modules links `pulumi-grafana-cloud`
   * to this repository and `@pulumi` to its node_modules, plus `links`. "none": the caller installs
   * (e.g. `npm install` of a tarball) before running commands.
   */
  install?: "link" | "none";
  /** Extra or replacing links in node_modules: package name -> directory. */
  links?: Record<string, string>;
  /**
   * Type-check the TypeScript program on every run, as ts-node does by default (true), or only
   * transpile it (false, PULUMI_NODEJS_TRANSPILE_ONLY=true: the suites' programs are type-checked
   * by `npm run check`, and checking them again in every command costs seconds each).
   */
  typeCheck?: boolean;
  /** The repository whose package and CLI are used; default: found above this file. */
  repoRoot?: string;
  /** Keep the temporary directory on `dispose()` (for debugging). */
  keepTempDir?: boolean;
}

export interface CliProject {
  readonly projectName: string;
  readonly stackName: string;
  /** The temporary root (project, state, home below it). */
  readonly tempDir: string;
  /** The project directory: `pulumi` runs here. */
  readonly dir: string;
  /** The file backend directory. */
  readonly stateDir: string;
  /** The stack's checkpoint file in the file backend. */
  readonly stateFile: string;
  /** The environment given to the CLI, on top of this process's own. */
  readonly env: Readonly<Record<string, string>>;
  /** Runs `pulumi <args>` in the project directory; never throws on a non-zero exit. */
  pulumi(args: string[], opts?: { env?: Record<string, string>; echo?: boolean }): Promise<RawResult>;
  preview(opts?: CommandOptions): Promise<EngineRun>;
  up(opts?: CommandOptions): Promise<EngineRun>;
  refresh(opts?: CommandOptions): Promise<EngineRun>;
  destroy(opts?: CommandOptions): Promise<EngineRun>;
  /** `pulumi stack export`: secrets stay encrypted (`ciphertext`) unless `showSecrets`. */
  exportState(opts?: { showSecrets?: boolean }): Promise<Deployment>;
  /** The stack outputs: value (secrets decrypted) and whether each is a secret. */
  outputs(): Promise<Record<string, { value: unknown; secret: boolean }>>;
  /** Set plain and secret config (fully qualified keys). */
  setConfig(plain?: Record<string, string>, secret?: Record<string, string>): Promise<void>;
  /** Writes a file into the project (e.g. the JSON a parameterized program reads). */
  writeFile(relativePath: string, content: string): void;
  /** Point `node_modules/<name>` at `target` (e.g. a changed copy of the package). */
  link(name: string, target: string): void;
  /** Remove the temporary directory (state included). */
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

const DEFAULT_TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: "ES2022",
    module: "commonjs",
    moduleResolution: "node",
    esModuleInterop: true,
    skipLibCheck: true,
    types: ["node"],
  },
};

/** Directories and files a copied example must not bring along (installs, stacks, state). */
const NOT_COPIED = new Set(["node_modules", ".pulumi", "bin"]);

function copyProject(from: string, to: string): void {
  fs.cpSync(from, to, {
    recursive: true,
    filter: (src) => {
      const base = path.basename(src);
      return !NOT_COPIED.has(base) && !/^Pulumi\..+\.yaml$/.test(base);
    },
  });
}

function linkInto(dir: string, name: string, target: string): void {
  const linkPath = path.join(dir, "node_modules", ...name.split("/"));
  fs.mkdirSync(path.dirname(linkPath), { recursive: true });
  fs.rmSync(linkPath, { recursive: true, force: true });
  fs.symlinkSync(target, linkPath, "dir");
}

/** Reads the complete lines of an event log from `offset`; returns the events and the new offset. */
function readEvents(file: string, offset: number): { events: EngineEvent[]; offset: number } {
  let text: string;
  try {
    const fd = fs.openSync(file, "r");
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= offset) return { events: [], offset };
      const buffer = Buffer.alloc(size - offset);
      fs.readSync(fd, buffer, 0, buffer.length, offset);
      text = buffer.toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return { events: [], offset };
  }
  const end = text.lastIndexOf("\n");
  if (end < 0) return { events: [], offset };
  const events = text
    .slice(0, end)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as EngineEvent);
  return { events, offset: offset + Buffer.byteLength(text.slice(0, end + 1)) };
}

/** Creates a throwaway project directory and stack on a local file backend. */
export async function createCliProject(options: CliProjectOptions): Promise<CliProject> {
  const repoRoot = options.repoRoot ?? findRepoRoot();
  const binary = pulumiBinary(repoRoot);
  const stackName = options.stackName ?? "test";

  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), `pulumi-cli-${options.projectName}-`));
  const source = options.source;
  const inPlace = "existing" in source;
  const dir = inPlace ? source.existing : path.join(tempDir, "project");
  const stateDir = path.join(tempDir, "state");
  const homeDir = path.join(tempDir, "home");
  const eventsDir = path.join(tempDir, "events");
  for (const d of [dir, stateDir, homeDir, eventsDir]) fs.mkdirSync(d, { recursive: true });

  if ("copyFrom" in source) copyProject(source.copyFrom, dir);
  for (const [file, content] of Object.entries("existing" in source ? {} : (source.files ?? {}))) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  const write = (file: string, content: string) => {
    if (!inPlace && !fs.existsSync(path.join(dir, file))) fs.writeFileSync(path.join(dir, file), content);
  };
  write(
    "Pulumi.yaml",
    `name: ${options.projectName}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`,
  );
  write(
    "package.json",
    JSON.stringify({ name: options.projectName, private: true, main: "index.ts" }, null, 2) + "\n",
  );
  write("tsconfig.json", JSON.stringify(DEFAULT_TSCONFIG, null, 2) + "\n");
  // A copied example keeps its own project name (its config keys are namespaced by it).
  const projectName =
    /^name:\s*(\S+)\s*$/m.exec(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"))?.[1] ??
    options.projectName;

  if (!inPlace && (options.install ?? "link") === "link") {
    const links: Record<string, string> = {
      "pulumi-grafana-cloud": repoRoot,
      "@pulumi": path.join(repoRoot, "node_modules", "@pulumi"),
      "@types": path.join(repoRoot, "node_modules", "@types"),
      typescript: path.join(repoRoot, "node_modules", "typescript"),
      ...options.links,
    };
    for (const [name, target] of Object.entries(links)) linkInto(dir, name, target);
  }

  const env: Record<string, string> = {
    // The CLI, the language host and the dynamic-provider plugin, laid out as an official install.
    PATH: [toolsBin(repoRoot), process.env["PATH"] ?? ""].join(path.delimiter),
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_HOME: homeDir,
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // Makes the CLI offer `--event-log` (as the Automation API does when it runs the same CLI).
    PULUMI_DEBUG_COMMANDS: "true",
    ...(options.typeCheck === false ? { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } : {}),
    ...options.env,
  };

  let commandCount = 0;

  /** The temporary directory, and the stack settings file a project used in place got. */
  function removeTemporaries(): void {
    if (options.keepTempDir) return;
    fs.rmSync(tempDir, { recursive: true, force: true });
    if (inPlace) fs.rmSync(path.join(dir, `Pulumi.${stackName}.yaml`), { force: true });
  }

  function pulumi(
    args: string[],
    opts: { env?: Record<string, string>; echo?: boolean; onStdoutLine?: () => void } = {},
  ): Promise<RawResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(binary, args, {
        cwd: dir,
        env: { ...process.env, ...env, ...opts.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      let output = "";
      child.stdout.on("data", (d: Buffer) => {
        const text = d.toString();
        stdout += text;
        output += text;
        if (opts.echo) process.stdout.write(text);
      });
      child.stderr.on("data", (d: Buffer) => {
        const text = d.toString();
        stderr += text;
        output += text;
        if (opts.echo) process.stderr.write(text);
      });
      child.on("error", reject);
      child.on("close", (exitCode) => resolve({ exitCode, stdout, stderr, output }));
    });
  }

  async function mustRun(args: string[]): Promise<RawResult> {
    const result = await pulumi(args);
    if (result.exitCode !== 0) {
      throw new EngineCommandError(args.join(" "), result.output, [], result.exitCode);
    }
    return result;
  }

  async function setConfig(plain: Record<string, string> = {}, secret: Record<string, string> = {}) {
    const args = ["config", "set-all", "--stack", stackName];
    for (const [k, v] of Object.entries(plain)) args.push("--plaintext", `${k}=${v}`);
    for (const [k, v] of Object.entries(secret)) args.push("--secret", `${k}=${v}`);
    if (args.length > 4) await mustRun(args);
  }

  async function engine(command: EngineCommand, opts: CommandOptions = {}): Promise<EngineRun> {
    const eventLog = path.join(eventsDir, `${++commandCount}-${command}.json`);
    const args: string[] = [command, "--stack", stackName, "--non-interactive", "--color", "never"];
    args.push("--event-log", eventLog);
    if (command !== "preview") args.push("--yes");
    if (command !== "preview" && opts.skipPreview !== false) args.push("--skip-preview");
    if (opts.expectNoChanges) args.push("--expect-no-changes");
    if (opts.parallel !== undefined) args.push("--parallel", String(opts.parallel));
    if (opts.diff) args.push("--diff");
    if (opts.logVerbosity !== undefined) {
      args.push("--logtostderr", "--logflow", `-v=${opts.logVerbosity}`);
    }
    args.push(...(opts.args ?? []));

    let offset = 0;
    const events: EngineEvent[] = [];
    const drain = () => {
      const read = readEvents(eventLog, offset);
      offset = read.offset;
      for (const e of read.events) {
        events.push(e);
        opts.onEvent?.(e);
      }
    };
    const poll = opts.onEvent ? setInterval(drain, 50) : undefined;
    const started = performance.now();
    let result: RawResult;
    try {
      result = await pulumi(args, { ...(opts.env ? { env: opts.env } : {}), echo: opts.echo ?? false });
    } finally {
      if (poll) clearInterval(poll);
    }
    drain();
    const durationMs = performance.now() - started;
    if (result.exitCode !== 0) {
      throw new EngineCommandError(command, result.output, events, result.exitCode);
    }
    const summary = events.find((e) => e.summaryEvent)?.summaryEvent;
    const changes = (summary?.resourceChanges ?? {}) as ChangeSummary;
    return { output: result.output, events, changes, durationMs };
  }

  try {
    await mustRun(["stack", "init", stackName, "--non-interactive"]);
    await setConfig(options.config, options.secretsConfig);
  } catch (err) {
    removeTemporaries();
    throw err;
  }

  return {
    projectName,
    stackName,
    tempDir,
    dir,
    stateDir,
    stateFile: path.join(stateDir, ".pulumi", "stacks", projectName, `${stackName}.json`),
    env,
    pulumi: (args, opts) => pulumi(args, opts),
    preview: (opts) => engine("preview", opts),
    up: (opts) => engine("up", opts),
    refresh: (opts) => engine("refresh", opts),
    destroy: (opts) => engine("destroy", opts),
    async exportState({ showSecrets = false } = {}) {
      const args = ["stack", "export", "--stack", stackName];
      if (showSecrets) args.push("--show-secrets");
      return JSON.parse((await mustRun(args)).stdout) as Deployment;
    },
    async outputs() {
      const base = ["stack", "output", "--stack", stackName, "--json"];
      const shown = JSON.parse((await mustRun([...base, "--show-secrets"])).stdout) as Record<
        string,
        unknown
      >;
      const masked = JSON.parse((await mustRun(base)).stdout) as Record<string, unknown>;
      return Object.fromEntries(
        Object.entries(shown).map(([k, value]) => [
          k,
          { value, secret: masked[k] === "[secret]" && value !== "[secret]" },
        ]),
      );
    },
    setConfig,
    writeFile(relativePath, content) {
      const file = path.join(dir, relativePath);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    },
    link: (name, target) => linkInto(dir, name, target),
    async dispose() {
      removeTemporaries();
    },
  };
}
