/**
 * The benchmark's measuring side: every section runs the real `pulumi` CLI on project directories
 * (harness/cli.ts) against an in-process emulator, and returns raw numbers (results.ts). Nothing
 * here judges them; report.ts does.
 */
import { execFile } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  declaredResources,
  stateResources,
  type CliProject,
  type CommandOptions,
  type StateResource,
} from "../../../harness/cli";
import type { CallsSpec } from "../../../bench/programs/callsSpec";
import { callsProject, fleetProject } from "./projects";
import {
  FLEET_COMMANDS,
  type CallsSection,
  type CommandRun,
  type CompareSection,
  type FleetCommand,
  type FleetSize,
  type LoadMeasurement,
  type OperationRow,
  type Provider,
  type ScalePoint,
  type ScaleSection,
  type StartupSection,
  type StateSizes,
  type TypeSize,
} from "./results";
import {
  apiWindowMs,
  cpuSince,
  cpuSnapshot,
  formatCalls,
  isRead,
  maxInFlight,
  median,
  stackExportBytes,
  startBenchEmulator,
  type BenchEmulator,
  type RequestLogEntry,
} from "./tools";

const TYPE_PREFIX = "pulumi-nodejs:dynamic/";

export function log(text: string): void {
  console.log(text);
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The engine's default `--parallel`: 4 × the CPU threads it sees. */
export const defaultParallel = (): number => 4 * os.availableParallelism();

/** Runs `command` with a cleared request log; what it sent to the emulator and what it cost. */
async function counted(
  em: BenchEmulator,
  command: () => Promise<{ durationMs: number }>,
): Promise<{ run: CommandRun; log: RequestLogEntry[] }> {
  await em.clearRequests();
  const before = cpuSnapshot();
  const result = await command();
  const cpu = cpuSince(before);
  const l = await em.requests();
  return {
    log: l,
    run: {
      ms: Math.round(result.durationMs),
      calls: l.length,
      detail: formatCalls(l),
      apiWindowMs: Math.round(apiWindowMs(l)),
      maxInFlight: maxInFlight(l),
      cpuMs: cpu ? cpu.childrenMs : null,
    },
  };
}

/** One fleet command as the comparison runs it: no-op preview and refresh must find nothing to do. */
function fleetCommand(p: CliProject, command: FleetCommand, extra: CommandOptions = {}) {
  switch (command) {
    case "up":
      return p.up(extra);
    case "preview":
      return p.preview({ expectNoChanges: true, ...extra });
    case "refresh":
      return p.refresh({ expectNoChanges: true, ...extra });
    case "destroy":
      return p.destroy(extra);
  }
}

function providerBytes(r: StateResource): number {
  let n = 0;
  for (const bag of [r.inputs, r.outputs]) {
    const v = bag?.["__provider"];
    if (v !== undefined) n += Buffer.byteLength(typeof v === "string" ? v : JSON.stringify(v));
  }
  return n;
}

/** Sizes of the project's state: the whole export, and per resource type. */
export async function stateSizes(p: CliProject): Promise<StateSizes> {
  const exportBytes = await stackExportBytes(p);
  const declared = declaredResources(await p.exportState());
  const groups = new Map<string, StateResource[]>();
  for (const r of declared) groups.set(r.type, [...(groups.get(r.type) ?? []), r]);
  const byType: TypeSize[] = [...groups].map(([type, rs]) => ({
    type: type.replace(TYPE_PREFIX, ""),
    count: rs.length,
    bytesPerResource: Math.round(
      rs.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)), 0) / rs.length,
    ),
    providerBytesPerResource: Math.round(rs.reduce((n, r) => n + providerBytes(r), 0) / rs.length),
  }));
  return {
    exportBytes,
    resources: declared.length,
    bytesPerResource: Math.round(exportBytes / Math.max(1, declared.length)),
    byType,
  };
}

/** The fleet of `resources` resources: one policy for every five tokens, as 20 + 100. */
export function fleetOf(resources: number): FleetSize {
  const policies = Math.max(1, Math.round(resources / 6));
  return { policies, tokens: resources - policies };
}

// -------------------------------------------------------------------------------------------------
// 1. API calls per operation

const SLUG = "benchstack";

const PLUGINS = ["grafana-clock-panel", "grafana-piechart-panel", "grafana-worldmap-panel"];

const STACK_CREATE_WHY =
  "1 POST; with waitForReadiness (the default) also ≥1 readiness GET (polled with backoff 250 ms → 5 s " +
  "while the stack starts, 1.5 s here) and 1 GET of the stack URL's /api/health, then 1 GET of the stack " +
  "(status active, endpoints) and 1 GET of its connections (OTLP, Influx, OnCall URLs are not in the stack object)";
/**
 * A plan that writes checks the credential first: 1 GET /api/stack-regions per provider process
 * (each `pulumi up` here), so every create, update and replace row below counts it.
 */
const PROBE = 1;
const probed = (why: string) =>
  `${why}; plus the credential check a plan that writes makes once per provider process (GET /api/stack-regions)`;
/** Grafana 12.1+ (and the bench emulator) has no API keys: a key is a service account with one token. */
const KEY_CREATE_WHY =
  "the key route, tried once per stack and provider process (answered 404/410: no API keys), 1 GET of the " +
  "stack (tells a stack without API keys from a missing one), 1 POST of the backing service account and 1 " +
  "POST of its token (answers the secret)";
const KEY_TTL_WHY = `${KEY_CREATE_WHY}, then 1 GET of the account's tokens: the answer has no expiration, which the provider reads back so that refresh sees the same instant`;
const KEY_READ_WHY = "1 GET of the backing account and 1 GET of its tokens (there is no GET of one token)";
const KEY_REPLACE_WHY =
  "1 DELETE of the old backing account, then the create (4, as above): name and stack are kept, so delete first";
const KEY_DELETE_WHY = "1 DELETE of the backing account (Grafana deletes its token with it)";
const NOOP_WHY = "check and diff compare inputs with state; nothing to ask the API";
/** Service accounts and their tokens are reached through the Cloud API's proxy to the stack's Grafana. */
const SA_WHY = (what: string) =>
  `${what} through the Cloud API (/api/instances/{stack}/api/serviceaccounts…)`;
const BATCH_WHY =
  "a lone read is 1 GET; the reads of one kind and region (plugins: of one stack) in one run share one list";

export async function measureCalls(repoRoot: string): Promise<CallsSection> {
  log("\n[calls] API calls per operation");
  // A stack takes 1.5 s to become ready, as in the demo; no latency; no rate limit.
  const em = await startBenchEmulator({ readinessDelayMs: 1500, slugReuseWindowMs: 0, rateLimitPerHour: 0 });
  const spec: CallsSpec = {
    slug: SLUG,
    stack: false,
    stackDescription: "bench",
    policy: false,
    policyDisplayName: "Bench policy",
    token: false,
    tokenDisplayName: "Bench token",
    plugins: [],
    keys: [],
    serviceAccount: false,
    serviceAccountToken: false,
  };
  const p = await callsProject(repoRoot, em.url, spec);
  const rows: OperationRow[] = [];
  const add = (
    resource: string,
    operation: string,
    resources: number,
    measured: { run: CommandRun; log: RequestLogEntry[] },
    minimum: number,
    minimumWhy: string,
  ) => {
    const reads = measured.log.filter(isRead).length;
    const row: OperationRow = {
      resource,
      operation,
      resources,
      calls: measured.run.calls,
      reads,
      writes: measured.run.calls - reads,
      minimum,
      minimumWhy,
      detail: measured.run.detail,
      ms: measured.run.ms,
    };
    rows.push(row);
    log(
      `  ${resource.padEnd(18)} ${operation.padEnd(34)} ${String(row.calls).padStart(3)} calls: ${row.detail}`,
    );
  };
  const up = () => {
    p.writeFile("calls.json", JSON.stringify(spec, null, 2));
    return counted(em, () => p.up());
  };
  const refresh = (targets?: string[]) =>
    counted(em, () => p.refresh(targets ? { args: targets.flatMap((t) => ["--target", t]) } : {}));
  try {
    spec.stack = true;
    add("Stack", "create", 1, await up(), 5 + PROBE, probed(STACK_CREATE_WHY));
    spec.policy = true;
    add("AccessPolicy", "create", 1, await up(), 1 + PROBE, probed("one POST"));
    spec.token = true;
    add("Token", "create", 1, await up(), 1 + PROBE, probed("one POST (answers the secret)"));
    spec.plugins.push({ plugin: PLUGINS[0]!, version: "2.1.5" });
    add("PluginInstallation", "create", 1, await up(), 1 + PROBE, probed("one POST"));
    spec.keys.push({ name: "key-a", role: "Viewer" });
    add("StackApiKey", "create", 1, await up(), 4 + PROBE, probed(KEY_CREATE_WHY));
    spec.keys.push({ name: "key-b", role: "Viewer", secondsToLive: 86_400 });
    add("StackApiKey", "create (with secondsToLive)", 1, await up(), 5 + PROBE, probed(KEY_TTL_WHY));
    spec.serviceAccount = true;
    add("StackServiceAccount", "create", 1, await up(), 1 + PROBE, probed(SA_WHY("one POST")));
    spec.serviceAccountToken = true;
    add(
      "StackServiceAccountToken",
      "create",
      1,
      await up(),
      1 + PROBE,
      probed(SA_WHY("one POST (answers the secret)")),
    );
    spec.keys.push({ name: "key-c", role: "Editor" });
    spec.plugins.push({ plugin: PLUGINS[1]!, version: "latest" }, { plugin: PLUGINS[2]!, version: "latest" });
    await up();

    const state = await p.exportState();
    const urn = (name: string) => {
      const r = stateResources(state).find((x) => x.urn.endsWith(`::${name}`));
      if (!r) throw new Error(`no resource ${name} in state`);
      return r.urn;
    };
    const sizes = await stateSizes(p);
    const all = declaredResources(state).length;

    const preview = await counted(em, () => p.preview({ expectNoChanges: true }));
    add(`(all ${all})`, "no-op preview", all, preview, 0, NOOP_WHY);
    const noopUp = await counted(em, () => p.up({ expectNoChanges: true }));
    add(`(all ${all})`, "no-op up", all, noopUp, 0, NOOP_WHY);
    add(
      `(all ${all})`,
      "refresh",
      all,
      await refresh(),
      13,
      "1 GET each for stack, policy, token, service account and its token; 2 for the 3 plugins of one stack; " +
        "2 for each of the 3 keys (each has its own backing account)",
    );

    add("Stack", "read (refresh)", 1, await refresh([urn("stack")]), 1, "one GET");
    add("AccessPolicy", "read (refresh)", 1, await refresh([urn("policy")]), 1, "one GET");
    add("Token", "read (refresh)", 1, await refresh([urn("token")]), 1, "one GET");
    add("PluginInstallation", "read (refresh), 1 plugin", 1, await refresh([urn(PLUGINS[0]!)]), 1, "one GET");
    add(
      "PluginInstallation",
      "read (refresh), 3 plugins of 1 stack",
      3,
      await refresh(PLUGINS.map(urn)),
      2,
      BATCH_WHY,
    );
    add("StackApiKey", "read (refresh), 1 key", 1, await refresh([urn("key-a")]), 2, KEY_READ_WHY);
    add(
      "StackApiKey",
      "read (refresh), 3 keys of 1 stack",
      3,
      await refresh([urn("key-a"), urn("key-b"), urn("key-c")]),
      6,
      "2 per key: each has its own backing account",
    );

    add(
      "StackServiceAccount",
      "read (refresh)",
      1,
      await refresh([urn("service-account")]),
      1,
      SA_WHY("one GET"),
    );
    add(
      "StackServiceAccountToken",
      "read (refresh)",
      1,
      await refresh([urn("service-account-token")]),
      1,
      SA_WHY("one GET of the account's tokens (there is no GET of one token)"),
    );

    spec.stackDescription = "bench, updated";
    add("Stack", "update", 1, await up(), 1 + PROBE, probed("one POST"));
    spec.policyDisplayName = "Bench policy, updated";
    add("AccessPolicy", "update", 1, await up(), 1 + PROBE, probed("one POST"));
    spec.tokenDisplayName = "Bench token, updated";
    add("Token", "update", 1, await up(), 1 + PROBE, probed("one POST"));
    spec.plugins[0]!.version = "2.1.8";
    add("PluginInstallation", "update", 1, await up(), 1 + PROBE, probed("one POST"));
    spec.keys = spec.keys.map((k) => (k.name === "key-a" ? { ...k, role: "Editor" } : k));
    add("StackApiKey", "replace (no update in the API)", 1, await up(), 5 + PROBE, probed(KEY_REPLACE_WHY));

    spec.keys = spec.keys.filter((k) => k.name !== "key-b");
    add("StackApiKey", "delete, 1 key", 1, await up(), 1, KEY_DELETE_WHY);
    spec.keys = [];
    add("StackApiKey", "delete, 2 keys of 1 stack", 2, await up(), 2, "1 per key, as above");
    spec.serviceAccountToken = false;
    add("StackServiceAccountToken", "delete", 1, await up(), 1, SA_WHY("one DELETE"));
    spec.serviceAccount = false;
    add(
      "StackServiceAccount",
      "delete",
      1,
      await up(),
      1,
      SA_WHY("one DELETE (Grafana deletes its tokens with it)"),
    );
    spec.plugins = [];
    add("PluginInstallation", "delete, 3 plugins", 3, await up(), 3, "one DELETE each");
    spec.token = false;
    add("Token", "delete", 1, await up(), 1, "one DELETE");
    spec.policy = false;
    add("AccessPolicy", "delete", 1, await up(), 1, "one DELETE");
    spec.stack = false;
    add("Stack", "delete", 1, await up(), 1, "one DELETE");

    return { rows, state: sizes, noopPreviewCalls: preview.run.calls, noopUpCalls: noopUp.run.calls };
  } finally {
    await p.dispose().catch(() => undefined);
    await em.close();
  }
}

// -------------------------------------------------------------------------------------------------
// 2. The fleet on this package against the trivial provider

function describe(provider: Provider, command: string, run: CommandRun): string {
  return `${provider.padEnd(7)} ${command.padEnd(8)} ${secs(run.ms).padStart(8)}, ${String(run.calls).padStart(4)} calls`;
}

async function fleetPair(
  repoRoot: string,
  em: BenchEmulator,
  fleet: FleetSize,
  tag: string,
): Promise<Record<Provider, CliProject>> {
  const ours = await fleetProject(repoRoot, "ours", em.url, fleet, `bench-${tag}-ours`);
  try {
    return { ours, trivial: await fleetProject(repoRoot, "trivial", em.url, fleet, `bench-${tag}-trivial`) };
  } catch (e) {
    await ours.dispose();
    throw e;
  }
}

export async function measureCompare(
  repoRoot: string,
  opts: { fleet: FleetSize; latencyMs: number; runs: number; checkpointRuns: number },
): Promise<CompareSection> {
  const { fleet, latencyMs, runs } = opts;
  log(
    `\n[compare] ${fleet.policies} policies + ${fleet.tokens} tokens, this package vs the trivial provider, ` +
      `${latencyMs} ms latency, ${runs} interleaved runs`,
  );
  const em = await startBenchEmulator({ latencyMs, rateLimitPerHour: 0 });
  const projects = await fleetPair(repoRoot, em, fleet, "compare");
  try {
    const result: CompareSection = {
      fleet,
      latencyMs,
      parallel: defaultParallel(),
      runs: [],
      upWithoutCheckpoints: [],
      state: {} as Record<Provider, StateSizes>,
    };
    for (let run = 0; run < runs; run++) {
      // Each command runs for both providers back to back; who goes first alternates per run.
      const order: Provider[] = run % 2 === 0 ? ["ours", "trivial"] : ["trivial", "ours"];
      const record = {} as Record<FleetCommand, Record<Provider, CommandRun>>;
      for (const command of FLEET_COMMANDS) {
        record[command] = {} as Record<Provider, CommandRun>;
        if (command === "destroy" && run === 0) {
          for (const provider of order) result.state[provider] = await stateSizes(projects[provider]);
        }
        for (const provider of order) {
          const { run: r } = await counted(em, () => fleetCommand(projects[provider], command));
          record[command][provider] = r;
          log(`  run ${run + 1}: ${describe(provider, command, r)}`);
        }
      }
      result.runs.push(record);
    }
    // Diagnostic: how much of `up` is the engine's state write after every step.
    for (let run = 0; run < opts.checkpointRuns; run++) {
      const order: Provider[] = run % 2 === 0 ? ["ours", "trivial"] : ["trivial", "ours"];
      const record = {} as Record<Provider, CommandRun>;
      for (const provider of order) {
        const p = projects[provider];
        const { run: r } = await counted(em, () => p.up({ env: { PULUMI_SKIP_CHECKPOINTS: "true" } }));
        record[provider] = r;
        log(`  without checkpoints, run ${run + 1}: ${describe(provider, "up", r)}`);
        await p.destroy();
      }
      result.upWithoutCheckpoints.push(record);
    }
    return result;
  } finally {
    await projects.ours.dispose().catch(() => undefined);
    await projects.trivial.dispose().catch(() => undefined);
    await em.close();
  }
}

// -------------------------------------------------------------------------------------------------
// 3. Scale

export async function measureScale(
  repoRoot: string,
  opts: { sizes: number[]; latencyMs: number },
): Promise<ScaleSection> {
  log(`\n[scale] ${opts.sizes.join(", ")} resources, ${opts.latencyMs} ms latency, one run each`);
  const points: ScalePoint[] = [];
  for (const [i, resources] of opts.sizes.entries()) {
    const fleet = fleetOf(resources);
    const em = await startBenchEmulator({ latencyMs: opts.latencyMs, rateLimitPerHour: 0 });
    const projects = await fleetPair(repoRoot, em, fleet, `scale${resources}`);
    try {
      const order: Provider[] = i % 2 === 0 ? ["ours", "trivial"] : ["trivial", "ours"];
      const commands = {} as Record<FleetCommand, Record<Provider, CommandRun>>;
      const state = {} as Record<Provider, StateSizes>;
      for (const command of FLEET_COMMANDS) {
        commands[command] = {} as Record<Provider, CommandRun>;
        if (command === "destroy") {
          for (const provider of order) state[provider] = await stateSizes(projects[provider]);
        }
        for (const provider of order) {
          const { run } = await counted(em, () => fleetCommand(projects[provider], command));
          commands[command][provider] = run;
          log(`  ${String(resources).padStart(5)} resources: ${describe(provider, command, run)}`);
        }
      }
      points.push({ resources, fleet, commands, state });
    } finally {
      await projects.ours.dispose().catch(() => undefined);
      await projects.trivial.dispose().catch(() => undefined);
      await em.close();
    }
  }
  return { latencyMs: opts.latencyMs, parallel: defaultParallel(), points };
}

// -------------------------------------------------------------------------------------------------
// 4. Start-up: what loading the package costs a program and the provider host

/**
 * Run in a fresh `node` in a project directory: loads @pulumi/pulumi (what every program loads),
 * then `target`, and prints the time and the modules each added.
 */
const LOAD_SCRIPT = `
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
let t = process.hrtime.bigint();
require("@pulumi/pulumi");
const pulumiMs = ms(t);
const before = new Set(Object.keys(require.cache));
t = process.hrtime.bigint();
require(process.argv[1]);
const targetMs = ms(t);
const added = Object.keys(require.cache).filter((k) => !before.has(k));
console.log(JSON.stringify({ pulumiMs, pulumiModules: before.size, targetMs, added }));
`;

interface LoadRun {
  pulumiMs: number;
  pulumiModules: number;
  targetMs: number;
  added: string[];
}

function packageOf(file: string): string | undefined {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file.split(path.sep).join("/"));
  return m?.[1];
}

function loadMeasurement(what: string, after: string, runs: LoadRun[], repoRoot: string): LoadMeasurement {
  const last = runs[runs.length - 1]!;
  const packages: Record<string, number> = {};
  let ownFiles = 0;
  for (const file of last.added) {
    const pkg = packageOf(file);
    if (pkg) packages[pkg] = (packages[pkg] ?? 0) + 1;
    else if (file.startsWith(repoRoot)) ownFiles++;
  }
  return {
    what,
    after,
    ms: Math.round(median(runs.map((r) => r.targetMs))),
    modules: last.added.length,
    packages,
    ownFiles,
    runs: runs.map((r) => Math.round(r.targetMs)),
  };
}

export async function measureStartup(repoRoot: string, runs: number): Promise<StartupSection> {
  log(`\n[startup] loading the package in a fresh node process, ${runs} runs each`);
  const em = await startBenchEmulator({});
  // Any project of the package: its node_modules resolves both names as a user's project does.
  const p = await fleetProject(repoRoot, "ours", em.url, { policies: 1, tokens: 0 }, "bench-startup");
  try {
    const measure = async (target: string): Promise<LoadRun[]> => {
      const out: LoadRun[] = [];
      for (let i = 0; i < runs; i++) {
        const { stdout } = await promisify(execFile)(process.execPath, ["-e", LOAD_SCRIPT, target], {
          cwd: p.dir,
        });
        out.push(JSON.parse(stdout) as LoadRun);
      }
      return out;
    };
    const program = await measure("pulumi-grafana-cloud");
    const host = await measure("pulumi-grafana-cloud/dynamic");
    const both = [...program, ...host];
    const pulumi: LoadMeasurement = {
      what: 'require("@pulumi/pulumi")',
      after: "nothing",
      ms: Math.round(median(both.map((r) => r.pulumiMs))),
      modules: both[both.length - 1]!.pulumiModules,
      packages: {},
      ownFiles: 0,
      runs: both.map((r) => Math.round(r.pulumiMs)),
    };
    const result: StartupSection = {
      pulumi,
      program: loadMeasurement('require("pulumi-grafana-cloud")', "@pulumi/pulumi", program, repoRoot),
      providerHost: loadMeasurement(
        'require("pulumi-grafana-cloud/dynamic")',
        "@pulumi/pulumi",
        host,
        repoRoot,
      ),
    };
    for (const m of [result.pulumi, result.program, result.providerHost]) {
      log(`  ${m.what.padEnd(42)} ${String(m.ms).padStart(5)} ms, ${m.modules} modules`);
    }
    return result;
  } finally {
    await p.dispose().catch(() => undefined);
    await em.close();
  }
}
