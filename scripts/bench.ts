/**
 * `npm run bench`: measures the providers through the real Pulumi engine against the local
 * emulator, and writes bench/results.json and bench/results.md (issue 7, "Benchmark").
 *
 * 1. Cloud API calls per operation of each resource, per no-op preview, refresh and no-op up,
 *    counted from the emulator's request log (cleared before each measured command), next to the
 *    minimum the API allows.
 * 2. `pulumi up` of 20 access policies + 100 tokens with 100 ms emulator latency, against the ideal
 *    `calls × latency / parallelism`, at the engine's default parallelism and a higher one; the
 *    largest number of requests in flight at once, from the log's timestamps.
 * 3. Provider overhead: a no-op `pulumi preview` of 100 access policies against the same program
 *    on a trivial in-memory dynamic provider.
 * 4. State size per resource and the size of `__provider`.
 *
 * Timings are medians of several runs; ratios compare runs of the same invocation.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { DEFAULT_ORG, DEFAULT_TOKEN } from "../emulator";
import { AccessPolicy, PluginInstallation, Stack, StackApiKey, Token } from "../provider";
import {
  createEngineProject,
  declaredResources,
  EngineCommandError,
  findRepoRoot,
  PulumiCliMissingError,
  stateResources,
  type EngineProject,
  type StateResource,
} from "../harness/inline";
import {
  apiWindowMs,
  cpuSince,
  cpuSnapshot,
  formatCalls,
  formatMarkdown,
  isRead,
  machineInfo,
  maxInFlight,
  median,
  memoizeProviderStubs,
  startBenchEmulator,
  stackExportBytes,
  type BenchEmulator,
  type CpuSnapshot,
  type MachineInfo,
  type RequestLogEntry,
} from "./lib/bench";

const USAGE = `Usage: npm run bench -- [--runs N] [--preview-runs N] [--high-parallel N] [--only LIST] [--out DIR]

  --runs N            runs of each timed up/destroy in section 2 (default 3)
  --preview-runs N    runs of each no-op preview in section 3 (default 5)
  --high-parallel N   the higher --parallel of section 2 (default 32)
  --only LIST         comma-separated sections to run: calls,throughput,overhead (default all;
                      state sizes come from whichever ran)
  --out DIR           where results.json and results.md go (default bench/)
  --help              this text`;

const LATENCY_MS = 100;
const POLICIES = 20;
const TOKENS = 100;
const OVERHEAD_RESOURCES = 100;
const EFFICIENCY_TARGET = 0.7;
const OVERHEAD_TARGET = 1.15;
const STATE_TARGET_BYTES = 8 * 1024;
const TYPE_PREFIX = "pulumi-nodejs:dynamic/grafana-cloud:";

function log(text: string): void {
  console.log(text);
}

/** Credentials come from stack config only; the caller's shell must not leak in. */
async function project(
  name: string,
  em: BenchEmulator,
  program: PulumiFn,
  env: Record<string, string> = {},
): Promise<EngineProject> {
  return createEngineProject({
    projectName: name,
    program,
    config: { "grafana-cloud:url": em.url },
    secretsConfig: { "grafana-cloud:accessPolicyToken": DEFAULT_TOKEN },
    env: { GRAFANA_CLOUD_API_URL: "", GRAFANA_CLOUD_ACCESS_POLICY_TOKEN: "", ...env },
  });
}

/** Runs `command` with a cleared request log and returns what it sent to the emulator. */
async function counted<R>(
  em: BenchEmulator,
  command: () => Promise<R>,
): Promise<{ result: R; log: RequestLogEntry[]; cpu: CpuSnapshot | undefined }> {
  await em.clearRequests();
  const before = cpuSnapshot();
  const result = await command();
  const cpu = cpuSince(before);
  return { result, log: await em.requests(), cpu };
}

// ---------------------------------------------------------------------------------------------
// 1. API calls per operation

interface KeySpec {
  name: string;
  role: "Viewer" | "Editor" | "Admin";
  secondsToLive?: number;
}

/** What the counting program declares; changed between steps. */
interface CountsSpec {
  stack: boolean;
  stackDescription: string;
  policy: boolean;
  policyDisplayName: string;
  token: boolean;
  tokenDisplayName: string;
  plugin: boolean;
  pluginVersion: string;
  keys: KeySpec[];
}

const SLUG = "benchstack";

function countsProgram(spec: CountsSpec): PulumiFn {
  return async () => {
    if (!spec.stack) return;
    const stack = new Stack("stack", {
      slug: SLUG,
      description: spec.stackDescription,
      deleteProtection: false,
      readinessTimeoutSeconds: 120,
    });
    if (spec.policy) {
      const policy = new AccessPolicy("policy", {
        region: "us",
        name: "bench-policy",
        displayName: spec.policyDisplayName,
        scopes: ["metrics:read", "logs:read"],
        realms: [{ type: "stack", identifier: stack.stackId.apply(String) }],
      });
      if (spec.token) {
        new Token("token", {
          region: "us",
          accessPolicyId: policy.policyId,
          name: "bench-token",
          displayName: spec.tokenDisplayName,
        });
      }
    }
    if (spec.plugin) {
      new PluginInstallation("plugin", {
        stackSlug: stack.slug,
        plugin: "grafana-clock-panel",
        version: spec.pluginVersion,
      });
    }
    for (const k of spec.keys) {
      new StackApiKey(k.name, {
        stackSlug: stack.slug,
        name: k.name,
        role: k.role,
        ...(k.secondsToLive !== undefined ? { secondsToLive: k.secondsToLive } : {}),
      });
    }
  };
}

interface OperationRow {
  resource: string;
  operation: string;
  /** Resources the measured command touched (per-resource figures divide by it). */
  resources: number;
  calls: number;
  reads: number;
  writes: number;
  /** The fewest calls this operation can make, as argued in `minimumWhy`. */
  minimum: number;
  minimumWhy: string;
  detail: string;
  durationMs: number;
}

interface CountsResult {
  rows: OperationRow[];
  state: StateSizes;
  targets: { noopPreviewCalls: number; noopUpCalls: number; refresh: RefreshCheck };
}

interface RefreshCheck {
  /** Resources other than stack API keys, and the GETs made for them. */
  plainResources: number;
  plainCalls: number;
  plainGets: number;
  keys: number;
  stacksWithKeys: number;
  keyCalls: number;
  met: boolean;
}

/** Which resource a request served, from its path; `key` covers the stack-URL API. */
function resourceOf(r: RequestLogEntry): "stack" | "policy" | "token" | "plugin" | "key" {
  if (r.path.startsWith("/api/v1/accesspolicies")) return "policy";
  if (r.path.startsWith("/api/v1/tokens")) return "token";
  if (/^\/api\/instances\/[^/]+\/plugins/.test(r.path)) return "plugin";
  if (/\/api\/auth\/keys/.test(r.path)) return "key";
  // The key provider looks its stack up by slug; the stack provider uses the numeric id.
  if (new RegExp(`^/api/instances/${SLUG}$`).test(r.path)) return "key";
  return "stack";
}

async function measureCalls(): Promise<CountsResult> {
  // A stack takes 1.5 s to become ready, as in the demo; no latency; no rate limit.
  const em = await startBenchEmulator({ readinessDelayMs: 1500, slugReuseWindowMs: 0, rateLimitPerHour: 0 });
  const spec: CountsSpec = {
    stack: false,
    stackDescription: "bench",
    policy: false,
    policyDisplayName: "Bench policy",
    token: false,
    tokenDisplayName: "Bench token",
    plugin: false,
    pluginVersion: "2.1.5",
    keys: [],
  };
  const p = await project("bench-calls", em, countsProgram(spec));
  const rows: OperationRow[] = [];
  const add = (
    resource: string,
    operation: string,
    resources: number,
    run: { log: RequestLogEntry[]; durationMs: number },
    minimum: number,
    minimumWhy: string,
  ) => {
    const reads = run.log.filter(isRead).length;
    const row: OperationRow = {
      resource,
      operation,
      resources,
      calls: run.log.length,
      reads,
      writes: run.log.length - reads,
      minimum,
      minimumWhy,
      detail: formatCalls(run.log),
      durationMs: Math.round(run.durationMs),
    };
    rows.push(row);
    log(
      `  ${resource.padEnd(18)} ${operation.padEnd(28)} ${String(row.calls).padStart(3)} calls: ${row.detail}`,
    );
  };
  const up = async () => {
    const { result, log: l } = await counted(em, () => p.up());
    return { log: l, durationMs: result.durationMs };
  };
  const refresh = async (target?: string[]) => {
    const { result, log: l } = await counted(em, () => p.refresh(target ? { target } : {}));
    return { log: l, durationMs: result.durationMs };
  };
  try {
    log("\n[1/4] API calls per operation");
    spec.stack = true;
    add("Stack", "create", 1, await up(), 5, STACK_CREATE_WHY);
    spec.policy = true;
    add("AccessPolicy", "create", 1, await up(), 1, "one POST");
    spec.token = true;
    add("Token", "create", 1, await up(), 1, "one POST (answers the secret)");
    spec.plugin = true;
    add("PluginInstallation", "create", 1, await up(), 1, "one POST");
    spec.keys.push({ name: "key-a", role: "Viewer" });
    add("StackApiKey", "create", 1, await up(), 1, "one POST to the Cloud API (answers the secret)");
    spec.keys.push({ name: "key-b", role: "Viewer", secondsToLive: 86_400 });
    add("StackApiKey", "create (with secondsToLive)", 1, await up(), 1, KEY_TTL_WHY);
    spec.keys.push({ name: "key-c", role: "Editor" });
    await up();

    const state = await p.exportState();
    const urn = (name: string) => {
      const r = stateResources(state).find((x) => x.urn.endsWith(`::${name}`));
      if (!r) throw new Error(`no resource ${name} in state`);
      return r.urn;
    };
    const sizes = await stateSizes(p, "calls program (1 stack, 1 policy, 1 token, 1 plugin, 3 keys)");

    const preview = await counted(em, () => p.preview({ expectNoChanges: true }));
    add(
      "(all 7)",
      "no-op preview",
      7,
      { log: preview.log, durationMs: preview.result.durationMs },
      0,
      NOOP_WHY,
    );
    const noopUp = await counted(em, () => p.up({ expectNoChanges: true }));
    add("(all 7)", "no-op up", 7, { log: noopUp.log, durationMs: noopUp.result.durationMs }, 0, NOOP_WHY);
    const fullRefresh = await refresh();
    add(
      "(all 7)",
      "refresh",
      7,
      fullRefresh,
      7,
      "1 GET each for stack, policy, token, plugin; 3 for the 3 keys",
    );

    add("Stack", "read (refresh)", 1, await refresh([urn("stack")]), 1, "one GET");
    add("AccessPolicy", "read (refresh)", 1, await refresh([urn("policy")]), 1, "one GET");
    add("Token", "read (refresh)", 1, await refresh([urn("token")]), 1, "one GET");
    add("PluginInstallation", "read (refresh)", 1, await refresh([urn("plugin")]), 1, "one GET");
    add("StackApiKey", "read (refresh), 1 key", 1, await refresh([urn("key-a")]), 3, KEY_READ_WHY);
    add(
      "StackApiKey",
      "read (refresh), 3 keys of 1 stack",
      3,
      await refresh([urn("key-a"), urn("key-b"), urn("key-c")]),
      3,
      "3 per stack, shared by its keys",
    );

    spec.stackDescription = "bench, updated";
    add("Stack", "update", 1, await up(), 1, "one POST");
    spec.policyDisplayName = "Bench policy, updated";
    add("AccessPolicy", "update", 1, await up(), 1, "one POST");
    spec.tokenDisplayName = "Bench token, updated";
    add("Token", "update", 1, await up(), 1, "one POST");
    spec.pluginVersion = "2.1.8";
    add("PluginInstallation", "update", 1, await up(), 1, "one POST");
    spec.keys = spec.keys.map((k) => (k.name === "key-a" ? { ...k, role: "Editor" } : k));
    add("StackApiKey", "replace (no update in the API)", 1, await up(), 4, KEY_REPLACE_WHY);

    spec.keys = spec.keys.filter((k) => k.name !== "key-b");
    add("StackApiKey", "delete, 1 key", 1, await up(), 3, KEY_DELETE_WHY);
    spec.keys = [];
    add(
      "StackApiKey",
      "delete, 2 keys of 1 stack",
      2,
      await up(),
      4,
      "3 for the first key, 1 per further key",
    );
    spec.plugin = false;
    add("PluginInstallation", "delete", 1, await up(), 1, "one DELETE");
    spec.token = false;
    add("Token", "delete", 1, await up(), 1, "one DELETE");
    spec.policy = false;
    add("AccessPolicy", "delete", 1, await up(), 1, "one DELETE");
    spec.stack = false;
    add("Stack", "delete", 1, await up(), 1, "one DELETE");

    return {
      rows,
      state: sizes,
      targets: {
        noopPreviewCalls: preview.log.length,
        noopUpCalls: noopUp.log.length,
        refresh: refreshCheck(fullRefresh.log, { plain: 4, keys: 3, stacksWithKeys: 1 }),
      },
    };
  } finally {
    await p.dispose().catch(() => undefined);
    await em.close();
  }
}

const STACK_CREATE_WHY =
  "1 POST; with waitForReadiness (the default) also ≥1 readiness GET (polled with backoff 250 ms → 5 s " +
  "while the stack starts, 1.5 s here) and 1 GET of the stack URL's /api/health, then 1 GET of the stack " +
  "(status active, endpoints) and 1 GET of its connections (OTLP, Influx, OnCall URLs are not in the stack object)";
const KEY_TTL_WHY =
  "1 POST; the answer has no expiration, which the provider reads back (3 calls through the stack URL, as a read) " +
  "so that refresh sees the same instant";
const KEY_READ_WHY =
  "GET the stack (its URL is not kept in the key's state), POST a temporary Admin key (the Cloud API cannot " +
  "list keys; the stack URL needs an Admin key), GET the stack's keys";
const KEY_REPLACE_WHY = "delete (3, as below) then create (1): name and stack are kept, so delete first";
const KEY_DELETE_WHY = "GET the stack, POST a temporary Admin key, DELETE through the stack URL";
const NOOP_WHY = "check and diff compare inputs with state; nothing to ask the API";

function refreshCheck(
  l: RequestLogEntry[],
  expected: { plain: number; keys: number; stacksWithKeys: number },
): RefreshCheck {
  const plain = l.filter((r) => resourceOf(r) !== "key");
  const keyCalls = l.filter((r) => resourceOf(r) === "key").length;
  const plainGets = plain.filter(isRead).length;
  return {
    plainResources: expected.plain,
    plainCalls: plain.length,
    plainGets,
    keys: expected.keys,
    stacksWithKeys: expected.stacksWithKeys,
    keyCalls,
    met:
      plain.length === expected.plain &&
      plainGets === expected.plain &&
      keyCalls <= 3 * expected.stacksWithKeys &&
      (expected.keys <= expected.stacksWithKeys || keyCalls < 3 * expected.keys),
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Throughput: 20 policies + 100 tokens

function throughputProgram(): PulumiFn {
  return async () => {
    const policies: AccessPolicy[] = [];
    for (let i = 0; i < POLICIES; i++) {
      policies.push(
        new AccessPolicy(`policy-${i}`, {
          region: "us",
          name: `bench-policy-${i}`,
          scopes: ["metrics:read"],
          realms: [{ type: "org", identifier: String(DEFAULT_ORG.id) }],
        }),
      );
    }
    for (let i = 0; i < TOKENS; i++) {
      new Token(`token-${i}`, {
        region: "us",
        accessPolicyId: policies[i % POLICIES]!.policyId,
        name: `bench-token-${i}`,
      });
    }
  };
}

interface TimedRun {
  durationMs: number;
  calls: number;
  apiWindowMs: number;
  maxInFlight: number;
  /** CPU of this process (program, Automation API, emulator); null where /proc is missing. */
  cpuProgramMs: number | null;
  /** CPU of the pulumi CLI and the provider host. */
  cpuEngineMs: number | null;
}

/** One way of running the up; the first two are the measured targets, the rest explain them. */
interface ThroughputVariant {
  id: string;
  label: string;
  /** `--parallel`; undefined: the engine's default. */
  parallel?: number;
  latencyMs: number;
  /** Diagnostic: one provider stub object per kind (see memoizeProviderStubs). */
  memoizeStubs?: boolean;
  /** Diagnostic: PULUMI_SKIP_CHECKPOINTS=true, the engine writes state once at the end. */
  skipCheckpoints?: boolean;
  /** Counts towards the efficiency target. */
  target: boolean;
}

interface ThroughputSummary {
  id: string;
  label: string;
  parallel: number;
  /** `8 (default)` or `32`. */
  parallelLabel: string;
  latencyMs: number;
  target: boolean;
  calls: number;
  /** calls × latency / parallelism. */
  idealMs: number;
  /** The whole `pulumi up`, engine start-up included. */
  upMs: number;
  /** From the first request's arrival to the last answer. */
  apiWindowMs: number;
  /** ideal / API window: how well the calls overlap while they are being made. */
  efficiency: number;
  /** ideal / whole up. */
  wallEfficiency: number;
  maxInFlight: number;
  /** Median CPU of the up: this process (program, emulator) and the pulumi CLI + provider host. */
  cpuProgramMs: number | null;
  cpuEngineMs: number | null;
  destroy: { calls: number; destroyMs: number; apiWindowMs: number; efficiency: number; maxInFlight: number };
  runs: { up: TimedRun[]; destroy: TimedRun[] };
}

interface ThroughputResult {
  defaultParallel: number;
  summary: ThroughputSummary[];
  state: StateSizes;
}

function timed(durationMs: number, l: RequestLogEntry[], cpu: CpuSnapshot | undefined): TimedRun {
  return {
    durationMs: Math.round(durationMs),
    calls: l.length,
    apiWindowMs: Math.round(apiWindowMs(l)),
    maxInFlight: maxInFlight(l),
    cpuProgramMs: cpu ? cpu.selfMs : null,
    cpuEngineMs: cpu ? cpu.childrenMs : null,
  };
}

/** The median of the values that are there; null when none is. */
function medianOrNull(xs: (number | null)[]): number | null {
  const known = xs.filter((x): x is number => x !== null);
  return known.length > 0 ? median(known) : null;
}

async function measureThroughput(runs: number, highParallel: number): Promise<ThroughputResult> {
  log(`\n[2/4] up of ${POLICIES} policies + ${TOKENS} tokens, ${LATENCY_MS} ms latency (${runs} runs each)`);
  // The engine's default --parallel is 4 × the CPU threads it sees.
  const defaultParallel = 4 * os.availableParallelism();
  const variants: ThroughputVariant[] = [
    { id: "default", label: "as shipped", latencyMs: LATENCY_MS, target: true },
    { id: "high", label: "as shipped", parallel: highParallel, latencyMs: LATENCY_MS, target: true },
    { id: "default-no-latency", label: "as shipped, no latency", latencyMs: 0, target: false },
    {
      id: "default-memoized-stubs",
      label: "one provider stub per kind (diagnostic)",
      latencyMs: LATENCY_MS,
      memoizeStubs: true,
      target: false,
    },
    {
      id: "default-skip-checkpoints",
      label: "PULUMI_SKIP_CHECKPOINTS=true (diagnostic)",
      latencyMs: LATENCY_MS,
      skipCheckpoints: true,
      target: false,
    },
  ];
  const slow = await startBenchEmulator({ latencyMs: LATENCY_MS, rateLimitPerHour: 0 });
  const fast = await startBenchEmulator({ latencyMs: 0, rateLimitPerHour: 0 });
  const projects: EngineProject[] = [];
  try {
    const make = async (name: string, em: BenchEmulator, env: Record<string, string> = {}) => {
      const p = await project(name, em, throughputProgram(), env);
      projects.push(p);
      return p;
    };
    const slowProject = await make("bench-throughput", slow);
    const fastProject = await make("bench-throughput-nolatency", fast);
    const noCheckpoints = await make("bench-throughput-nocheckpoints", slow, {
      PULUMI_SKIP_CHECKPOINTS: "true",
    });
    const where = (v: ThroughputVariant) =>
      v.latencyMs === 0
        ? { em: fast, p: fastProject }
        : { em: slow, p: v.skipCheckpoints ? noCheckpoints : slowProject };

    const results = new Map(variants.map((v) => [v.id, { up: [] as TimedRun[], destroy: [] as TimedRun[] }]));
    let state: StateSizes | undefined;
    // Interleaved, so that drift of the machine spreads over every variant alike.
    for (let run = 1; run <= runs; run++) {
      for (const v of variants) {
        const { em, p } = where(v);
        const r = results.get(v.id)!;
        const opts = v.parallel === undefined ? {} : { parallel: v.parallel };
        memoizeProviderStubs(v.memoizeStubs === true);
        try {
          const up = await counted(em, () => p.up(opts));
          r.up.push(timed(up.result.durationMs, up.log, up.cpu));
          if (state === undefined) state = await stateSizes(p, `${POLICIES} policies + ${TOKENS} tokens`);
          const destroy = await counted(em, () => p.destroy(opts));
          r.destroy.push(timed(destroy.result.durationMs, destroy.log, destroy.cpu));
        } finally {
          memoizeProviderStubs(false);
        }
        const u = r.up[r.up.length - 1]!;
        const d = r.destroy[r.destroy.length - 1]!;
        log(
          `  run ${run} ${v.label}, parallel ${v.parallel ?? defaultParallel}, ${v.latencyMs} ms: up ${secs(u.durationMs)} (${u.calls} calls in ` +
            `${secs(u.apiWindowMs)}, max ${u.maxInFlight} in flight), destroy ${secs(d.durationMs)} ` +
            `(${d.calls} calls in ${secs(d.apiWindowMs)}, max ${d.maxInFlight} in flight)`,
        );
      }
    }
    const summary = variants.map((v): ThroughputSummary => {
      const r = results.get(v.id)!;
      const P = v.parallel ?? defaultParallel;
      const calls = median(r.up.map((x) => x.calls));
      const idealMs = (calls * v.latencyMs) / P;
      const upMs = median(r.up.map((x) => x.durationMs));
      const window = median(r.up.map((x) => x.apiWindowMs));
      const dCalls = median(r.destroy.map((x) => x.calls));
      const dWindow = median(r.destroy.map((x) => x.apiWindowMs));
      return {
        id: v.id,
        label: v.label,
        parallel: P,
        parallelLabel: v.parallel === undefined ? `${P} (default)` : String(P),
        latencyMs: v.latencyMs,
        target: v.target,
        calls,
        idealMs: Math.round(idealMs),
        upMs,
        apiWindowMs: window,
        efficiency: idealMs / window,
        wallEfficiency: idealMs / upMs,
        maxInFlight: Math.max(...r.up.map((x) => x.maxInFlight)),
        cpuProgramMs: medianOrNull(r.up.map((x) => x.cpuProgramMs)),
        cpuEngineMs: medianOrNull(r.up.map((x) => x.cpuEngineMs)),
        destroy: {
          calls: dCalls,
          destroyMs: median(r.destroy.map((x) => x.durationMs)),
          apiWindowMs: dWindow,
          efficiency: (dCalls * v.latencyMs) / P / dWindow,
          maxInFlight: Math.max(...r.destroy.map((x) => x.maxInFlight)),
        },
        runs: r,
      };
    });
    return { defaultParallel, summary, state: state! };
  } finally {
    memoizeProviderStubs(false);
    for (const p of projects) await p.dispose().catch(() => undefined);
    await slow.close();
    await fast.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Provider overhead: no-op preview, real provider vs a trivial one

/**
 * A dynamic provider that does nothing: check hands the inputs back, diff reports no change,
 * create echoes. Its methods reference nothing outside themselves, so it serializes small.
 */
const trivialProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return { inputs: news };
  },
  async diff() {
    return { changes: false };
  },
  async create(inputs) {
    return { id: String(inputs["name"]), outs: { ...inputs, policyId: String(inputs["name"]), orgId: "1" } };
  },
  async read(id, props) {
    return { id, props };
  },
  async delete() {
    return;
  },
};

class TrivialPolicy extends pulumi.dynamic.Resource {
  constructor(name: string, args: Record<string, unknown>) {
    super(
      trivialProvider,
      name,
      { ...args, policyId: undefined, orgId: undefined },
      {},
      "bench",
      "TrivialPolicy",
    );
  }
}

/** The same inputs for both programs of the comparison. */
function policyArgs(i: number) {
  return {
    region: "us",
    name: `bench-overhead-${i}`,
    displayName: `Bench overhead ${i}`,
    scopes: ["metrics:read", "logs:read"],
    realms: [{ type: "org" as const, identifier: String(DEFAULT_ORG.id) }],
  };
}

interface OverheadResult {
  resources: number;
  realMs: number[];
  memoizedMs: number[];
  trivialMs: number[];
  realMedianMs: number;
  memoizedMedianMs: number;
  trivialMedianMs: number;
  /** median(real) / median(trivial): the target. */
  ratio: number;
  /** The median of the per-run ratios (each run's previews back to back). */
  runRatioMedian: number;
  /** Diagnostic: median(real, one stub per kind) / median(trivial). */
  memoizedRatio: number;
  /** Median CPU of one preview per variant: this process (program) and pulumi + provider host. */
  cpu: Record<"real" | "memoized" | "trivial", { programMs: number | null; engineMs: number | null }>;
  previewCalls: number;
  state: StateSizes;
  trivialState: StateSizes;
}

function cpuMedians(xs: CpuSnapshot[]): { programMs: number | null; engineMs: number | null } {
  return {
    programMs: medianOrNull(xs.map((x) => x.selfMs)),
    engineMs: medianOrNull(xs.map((x) => x.childrenMs)),
  };
}

async function measureOverhead(runs: number): Promise<OverheadResult> {
  log(
    `\n[3/4] no-op preview of ${OVERHEAD_RESOURCES} access policies, real vs trivial provider (${runs} runs)`,
  );
  const em = await startBenchEmulator({ rateLimitPerHour: 0 });
  let real: EngineProject | undefined;
  let trivial: EngineProject | undefined;
  try {
    real = await project("bench-overhead-real", em, async () => {
      for (let i = 0; i < OVERHEAD_RESOURCES; i++) new AccessPolicy(`policy-${i}`, policyArgs(i));
    });
    trivial = await project("bench-overhead-trivial", em, async () => {
      for (let i = 0; i < OVERHEAD_RESOURCES; i++) new TrivialPolicy(`policy-${i}`, policyArgs(i));
    });
    await real.up();
    await trivial.up();
    type Variant = "real" | "memoized" | "trivial";
    const projectOf: Record<Variant, EngineProject> = { real, memoized: real, trivial };
    const times: Record<Variant, number[]> = { real: [], memoized: [], trivial: [] };
    const cpus: Record<Variant, CpuSnapshot[]> = { real: [], memoized: [], trivial: [] };
    const runRatios: number[] = [];
    let previewCalls = 0;
    const variants: Variant[] = ["real", "trivial", "memoized"];
    for (let run = 1; run <= runs; run++) {
      // Rotate the order, so that no variant always runs first or last.
      const order = variants.map((_, i) => variants[(i + run - 1) % variants.length]!);
      const now: Partial<Record<Variant, number>> = {};
      for (const v of order) {
        memoizeProviderStubs(v === "memoized");
        try {
          const r = await counted(em, () => projectOf[v].preview({ expectNoChanges: true }));
          now[v] = r.result.durationMs;
          times[v].push(Math.round(r.result.durationMs));
          if (r.cpu) cpus[v].push(r.cpu);
          if (v !== "trivial") previewCalls = Math.max(previewCalls, r.log.length);
        } finally {
          memoizeProviderStubs(false);
        }
      }
      runRatios.push(now.real! / now.trivial!);
      log(
        `  run ${run}: real ${secs(now.real!)}, trivial ${secs(now.trivial!)}, ` +
          `real with one stub per kind ${secs(now.memoized!)}`,
      );
    }
    return {
      resources: OVERHEAD_RESOURCES,
      realMs: times.real,
      memoizedMs: times.memoized,
      trivialMs: times.trivial,
      realMedianMs: median(times.real),
      memoizedMedianMs: median(times.memoized),
      trivialMedianMs: median(times.trivial),
      ratio: median(times.real) / median(times.trivial),
      runRatioMedian: median(runRatios),
      memoizedRatio: median(times.memoized) / median(times.trivial),
      cpu: {
        real: cpuMedians(cpus.real),
        memoized: cpuMedians(cpus.memoized),
        trivial: cpuMedians(cpus.trivial),
      },
      previewCalls,
      state: await stateSizes(real, `${OVERHEAD_RESOURCES} access policies`),
      trivialState: await stateSizes(trivial, `${OVERHEAD_RESOURCES} trivial resources (in-memory provider)`),
    };
  } finally {
    memoizeProviderStubs(false);
    await real?.dispose().catch(() => undefined);
    await trivial?.dispose().catch(() => undefined);
    await em.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 4. State size

interface TypeSize {
  type: string;
  count: number;
  /** Mean bytes of one resource's entry in the export (compact JSON). */
  bytesPerResource: number;
  /** Mean bytes of `__provider`, inputs and outputs together. */
  providerBytesPerResource: number;
}

interface StateSizes {
  program: string;
  /** Bytes `pulumi stack export` prints. */
  exportBytes: number;
  /** Declared resources (the stack and provider resources not counted). */
  resources: number;
  bytesPerResource: number;
  byType: TypeSize[];
}

function providerBytes(r: StateResource): number {
  let n = 0;
  for (const bag of [r.inputs, r.outputs]) {
    const v = bag?.["__provider"];
    if (v !== undefined) n += Buffer.byteLength(typeof v === "string" ? v : JSON.stringify(v));
  }
  return n;
}

async function stateSizes(p: EngineProject, program: string): Promise<StateSizes> {
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
    program,
    exportBytes,
    resources: declared.length,
    bytesPerResource: Math.round(exportBytes / Math.max(1, declared.length)),
    byType,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

interface Results {
  machine: MachineInfo;
  loadAverageAtEnd: number;
  settings: Record<string, unknown>;
  totalSeconds: number;
  calls?: CountsResult;
  throughput?: ThroughputResult;
  overhead?: OverheadResult;
  targets: TargetRow[];
}

interface TargetRow {
  target: string;
  goal: string;
  measured: string;
  met: boolean;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const cpuCell = (ms: number | null) => (ms === null ? "n/a" : secs(ms));
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const esc = (s: string) => s.replace(/\|/g, "\\|");

function targetsOf(r: Omit<Results, "targets" | "totalSeconds" | "loadAverageAtEnd">): TargetRow[] {
  const rows: TargetRow[] = [];
  if (r.calls) {
    const t = r.calls.targets;
    rows.push(
      {
        target: "no-op `pulumi preview`",
        goal: "0 Cloud API calls",
        measured: `${t.noopPreviewCalls} calls`,
        met: t.noopPreviewCalls === 0,
      },
      {
        target: "no-op `pulumi up`",
        goal: "0 Cloud API calls",
        measured: `${t.noopUpCalls} calls`,
        met: t.noopUpCalls === 0,
      },
      {
        target: "`pulumi refresh`",
        goal: "1 GET per resource; a stack API key ≤ 3, fewer per key with several on one stack",
        measured:
          `${t.refresh.plainGets} GETs (${t.refresh.plainCalls} calls) for ${t.refresh.plainResources} resources; ` +
          `${t.refresh.keyCalls} calls for ${t.refresh.keys} keys of ${t.refresh.stacksWithKeys} stack`,
        met: t.refresh.met,
      },
    );
  }
  if (r.throughput) {
    const targeted = r.throughput.summary.filter((s) => s.target);
    for (const s of targeted) {
      rows.push({
        target: `up of ${POLICIES} policies + ${TOKENS} tokens, ${LATENCY_MS} ms latency, parallel ${s.parallelLabel}`,
        goal: `efficiency ≥ ${pct(EFFICIENCY_TARGET)}`,
        measured: `${pct(s.efficiency)} (ideal ${secs(s.idealMs)} / API window ${secs(s.apiWindowMs)})`,
        met: s.efficiency >= EFFICIENCY_TARGET,
      });
    }
    const base = targeted[0];
    if (base) {
      rows.push({
        target: "the dynamic provider host does not serialize requests",
        goal: "more than 1 request in flight; as many as the default parallelism",
        measured: targeted.map((s) => `${s.maxInFlight} in flight at parallel ${s.parallel}`).join("; "),
        met: base.maxInFlight >= base.parallel,
      });
    }
  }
  if (r.overhead) {
    rows.push({
      target: `no-op preview of ${OVERHEAD_RESOURCES} resources vs a trivial provider`,
      goal: `ratio ≤ ${OVERHEAD_TARGET}`,
      measured: `${r.overhead.ratio.toFixed(2)} (${secs(r.overhead.realMedianMs)} / ${secs(r.overhead.trivialMedianMs)})`,
      met: r.overhead.ratio <= OVERHEAD_TARGET,
    });
  }
  for (const s of allStates(r)) {
    rows.push({
      target: `state per resource: ${s.program}`,
      goal: `≤ ${kb(STATE_TARGET_BYTES)}`,
      measured: kb(s.bytesPerResource),
      met: s.bytesPerResource <= STATE_TARGET_BYTES,
    });
  }
  return rows;
}

function allStates(r: Pick<Results, "calls" | "throughput" | "overhead">): StateSizes[] {
  return [r.calls?.state, r.throughput?.state, r.overhead?.state].filter(
    (s): s is StateSizes => s !== undefined,
  );
}

/** The overhead ratios by CPU time, which other work on the machine disturbs less than wall time. */
function cpuRatios(o: OverheadResult): string {
  const total = (c: { programMs: number | null; engineMs: number | null }) =>
    c.programMs === null || c.engineMs === null ? null : c.programMs + c.engineMs;
  const real = total(o.cpu.real);
  const memo = total(o.cpu.memoized);
  const trivial = total(o.cpu.trivial);
  if (real === null || memo === null || trivial === null || trivial === 0) return "";
  return (
    `By CPU time (all processes) the ratios are ${(real / trivial).toFixed(2)} as shipped and ` +
    `${(memo / trivial).toFixed(2)} with one stub per kind. `
  );
}

function markdown(r: Results): string {
  const m = r.machine;
  const out: string[] = [];
  out.push("# Benchmark results", "");
  out.push(
    `Measured ${m.date.slice(0, 10)} on ${m.cpus} CPU threads (${m.cpuModel}), ${m.memoryGiB} GiB memory, ` +
      `${m.platform}; Node.js ${m.node}, Pulumi CLI ${m.pulumiCli}, @pulumi/pulumi ${m.pulumiSdk}. ` +
      `Load average ${m.loadAverageAtStart} at the start, ${r.loadAverageAtEnd} at the end (anything above 0 ` +
      `is other work on the machine competing with the engine). Against the local emulator (127.0.0.1), ` +
      `through the real engine; the whole run took ${Math.round(r.totalSeconds)} s.`,
    "",
    "Reproduce: `npm run bench` (writes bench/results.json and bench/results.md; `npm run bench -- --help` for options).",
    "",
    "## Targets",
    "",
    "| Target | Goal | Measured | Met |",
    "|---|---|---|---|",
  );
  for (const t of r.targets) {
    out.push(`| ${esc(t.target)} | ${esc(t.goal)} | ${esc(t.measured)} | ${t.met ? "yes" : "**no**"} |`);
  }

  if (r.calls) {
    out.push(
      "",
      "## 1. Cloud API calls per operation",
      "",
      "Counted from the emulator's request log, cleared before each command. Reads of one resource are a " +
        "targeted `pulumi refresh`; deletes remove the resource from the program. A stack takes 1.5 s to " +
        "become ready. Calls above the minimum are in bold.",
      "",
      "| Resource | Operation | Calls | Minimum | Calls made | Why the minimum |",
      "|---|---|---:|---:|---|---|",
    );
    for (const row of r.calls.rows) {
      const calls = row.calls > row.minimum ? `**${row.calls}**` : String(row.calls);
      out.push(
        `| ${row.resource} | ${esc(row.operation)} | ${calls} | ${row.minimum} | ${esc(row.detail)} | ${esc(row.minimumWhy)} |`,
      );
    }
  }

  if (r.throughput) {
    const t = r.throughput;
    out.push(
      "",
      `## 2. \`pulumi up\` of ${POLICIES} access policies + ${TOKENS} tokens, ${LATENCY_MS} ms per API call`,
      "",
      `Medians of ${t.summary[0]?.runs.up.length ?? 0} runs; the variants run interleaved. ` +
        `Ideal = calls × latency / parallelism. API window = from the first request's arrival to the last ` +
        "answer (the engine's start-up and final state write are outside it). Efficiency = ideal / API window. " +
        "Max in flight = the most requests the emulator was serving at once, from the request log's arrival " +
        "times and durations. CPU: program = this process (the inline program, the Automation API and the " +
        "emulator); pulumi + provider host = the CLI's process tree. Rows marked diagnostic are not targets: " +
        "they show where the time goes.",
      "",
      "| Variant | Latency | Parallel | Calls | Ideal | API window | Efficiency | Whole up | Ideal / whole up | Max in flight | CPU: program | CPU: pulumi + provider host | destroy: API window, efficiency, max in flight |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    );
    for (const s of t.summary) {
      const eff = (x: number) => (s.latencyMs === 0 ? "n/a" : pct(x));
      out.push(
        `| ${esc(s.label)} | ${s.latencyMs} ms | ${s.parallelLabel} | ${s.calls} | ${secs(s.idealMs)} | ` +
          `${secs(s.apiWindowMs)} | ${eff(s.efficiency)} | ${secs(s.upMs)} | ${eff(s.wallEfficiency)} | ` +
          `${s.maxInFlight} | ${cpuCell(s.cpuProgramMs)} | ${cpuCell(s.cpuEngineMs)} | ${secs(s.destroy.apiWindowMs)}, ${eff(s.destroy.efficiency)}, ${s.destroy.maxInFlight} |`,
      );
    }
    const byId = (id: string) => t.summary.find((s) => s.id === id);
    const base = byId("default");
    const still = byId("default-no-latency");
    const memo = byId("default-memoized-stubs");
    const skip = byId("default-skip-checkpoints");
    if (base && still && memo && skip) {
      out.push(
        "",
        `Without any latency the same ${still.calls} calls take ${secs(still.apiWindowMs)} with at most ` +
          `${still.maxInFlight} in flight, so latency is not what sets the pace: an up of these ` +
          `${POLICIES + TOKENS} resources costs ${cpuCell(base.cpuProgramMs)} of CPU in the program's process and ` +
          `${cpuCell(base.cpuEngineMs)} in pulumi + the provider host, on ${r.machine.cpus} CPU threads. ` +
          `With one provider stub object per kind (the program serializes the provider once per kind instead ` +
          `of once per resource) the program's CPU is ${cpuCell(memo.cpuProgramMs)} and the window ` +
          `${secs(memo.apiWindowMs)} (${pct(memo.efficiency)}). Without the engine's state write after every ` +
          `step (PULUMI_SKIP_CHECKPOINTS) pulumi + the provider host use ${cpuCell(skip.cpuEngineMs)} and the ` +
          `window is ${secs(skip.apiWindowMs)} (${pct(skip.efficiency)}).`,
      );
    }
  }

  if (r.overhead) {
    const o = r.overhead;
    out.push(
      "",
      `## 3. Provider overhead: no-op \`pulumi preview\` of ${o.resources} access policies`,
      "",
      "The same program (same inputs) on this package's AccessPolicy and on a trivial in-memory dynamic provider " +
        "whose check and diff do nothing (one provider object shared by all resources). The diagnostic row runs " +
        "this package's AccessPolicy with one provider stub object per kind instead of one per resource. " +
        "The order rotates every run.",
      "",
      "| Provider | Median | Ratio to trivial | CPU: program | CPU: pulumi + provider host | Runs |",
      "|---|---:|---:|---:|---:|---|",
      `| pulumi-grafana-cloud AccessPolicy | ${secs(o.realMedianMs)} | ${o.ratio.toFixed(2)} | ${cpuCell(o.cpu.real.programMs)} | ${cpuCell(o.cpu.real.engineMs)} | ${o.realMs.map(secs).join(", ")} |`,
      `| same, one provider stub per kind (diagnostic) | ${secs(o.memoizedMedianMs)} | ${o.memoizedRatio.toFixed(2)} | ${cpuCell(o.cpu.memoized.programMs)} | ${cpuCell(o.cpu.memoized.engineMs)} | ${o.memoizedMs.map(secs).join(", ")} |`,
      `| trivial in-memory provider | ${secs(o.trivialMedianMs)} | 1.00 | ${cpuCell(o.cpu.trivial.programMs)} | ${cpuCell(o.cpu.trivial.engineMs)} | ${o.trivialMs.map(secs).join(", ")} |`,
      "",
      `Median of the per-run ratios (real / trivial): ${o.runRatioMedian.toFixed(2)}. ` +
        `With one stub object per kind the ratio is ${o.memoizedRatio.toFixed(2)}: serializing a fresh provider ` +
        `stub for every resource (in the program) is ` +
        `${pct((o.realMedianMs - o.memoizedMedianMs) / (o.realMedianMs - o.trivialMedianMs))} of the overhead. ` +
        cpuRatios(o) +
        `Cloud API calls during the previews: ${o.previewCalls}.`,
    );
  }

  const states = [...allStates(r), ...(r.overhead ? [r.overhead.trivialState] : [])];
  if (states.length > 0) {
    out.push(
      "",
      "## 4. State size",
      "",
      "Per resource = bytes of `pulumi stack export` / declared resources (the stack and default provider " +
        "resources are in the bytes, not in the count). Per type: the mean size of one resource's entry as " +
        "compact JSON, and of its `__provider` (inputs and outputs each hold a copy).",
      "",
      "| Program | Export | Per resource | Type | Count | Entry | `__provider` |",
      "|---|---:|---:|---|---:|---:|---:|",
    );
    for (const s of states) {
      s.byType.forEach((t, i) => {
        const head =
          i === 0 ? `| ${esc(s.program)} | ${kb(s.exportBytes)} | ${kb(s.bytesPerResource)} ` : "| | | ";
        out.push(
          `${head}| ${t.type} | ${t.count} | ${t.bytesPerResource} B | ${t.providerBytesPerResource} B |`,
        );
      });
    }
  }
  out.push("");
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "3" },
      "preview-runs": { type: "string", default: "5" },
      "high-parallel": { type: "string", default: "32" },
      only: { type: "string", default: "calls,throughput,overhead" },
      out: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const int = (name: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be a whole number ${min}-${max}, got ${v}`);
    return n;
  };
  const runs = int("runs", values.runs, 1, 20);
  const previewRuns = int("preview-runs", values["preview-runs"], 1, 20);
  const highParallel = int("high-parallel", values["high-parallel"], 1, 256);
  const only = new Set(values.only.split(",").map((s) => s.trim()));
  const repoRoot = findRepoRoot();
  const outDir = path.resolve(values.out ?? path.join(repoRoot, "bench"));

  const started = performance.now();
  // The machine description needs the CLI; a throwaway project resolves it like every other run.
  const probeEm = await startBenchEmulator({});
  let machine: MachineInfo;
  try {
    const probe = await project("bench-probe", probeEm, async () => undefined);
    try {
      machine = await machineInfo(probe, repoRoot);
    } finally {
      await probe.dispose();
    }
  } finally {
    await probeEm.close();
  }
  log(
    `Benchmark on ${machine.cpus} CPU threads, ${machine.memoryGiB} GiB, Node.js ${machine.node}, ` +
      `Pulumi ${machine.pulumiCli}`,
  );

  const partial: Omit<Results, "targets" | "totalSeconds" | "loadAverageAtEnd"> = {
    machine,
    settings: {
      runs,
      previewRuns,
      highParallel,
      defaultParallel: 4 * os.availableParallelism(),
      latencyMs: LATENCY_MS,
      sections: [...only],
    },
  };
  if (only.has("calls")) partial.calls = await measureCalls();
  if (only.has("throughput")) partial.throughput = await measureThroughput(runs, highParallel);
  if (only.has("overhead")) partial.overhead = await measureOverhead(previewRuns);
  log("\n[4/4] state sizes: from the programs above");

  const results: Results = {
    ...partial,
    targets: targetsOf(partial),
    loadAverageAtEnd: Math.round(os.loadavg()[0]! * 100) / 100,
    totalSeconds: Math.round((performance.now() - started) / 1000),
  };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const mdPath = path.join(outDir, "results.md");
  const md = await formatMarkdown(markdown(results), mdPath);
  fs.writeFileSync(mdPath, md);
  log(`\n${md}`);
  log(`Wrote ${path.join(outDir, "results.json")} and ${path.join(outDir, "results.md")}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof PulumiCliMissingError) {
      console.error(`\n✗ ${e.message}`);
    } else if (e instanceof EngineCommandError) {
      console.error(`\n✗ benchmark failed: pulumi ${e.command} failed`);
      console.error(e.output.split("\n").slice(-40).join("\n"));
    } else {
      console.error(e);
    }
    process.exit(1);
  },
);
