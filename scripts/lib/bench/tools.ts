/**
 * Helpers of the benchmark's measuring side: an emulator with its control endpoints, readers of
 * its request log (counts, a readable summary, concurrency from timestamps), exact `pulumi stack
 * export` sizes, statistics, CPU time and a description of the machine.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startEmulator, type EmulatorOptions, type RequestLogEntry } from "../../../emulator";
import type { CliProject } from "../../../harness/cli";

export type { RequestLogEntry };

/** A running emulator plus the control endpoints the benchmark uses (no auth, never logged). */
export interface BenchEmulator {
  url: string;
  requests(): Promise<RequestLogEntry[]>;
  clearRequests(): Promise<void>;
  close(): Promise<void>;
}

export async function startBenchEmulator(options: EmulatorOptions): Promise<BenchEmulator> {
  const em = await startEmulator({ host: "127.0.0.1", ...options });
  const control = async (method: string, p: string): Promise<unknown> => {
    const res = await fetch(`${em.url}${p}`, { method });
    if (!res.ok) throw new Error(`${method} ${p} answered ${res.status}`);
    const text = await res.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    url: em.url,
    requests: async () => (await control("GET", "/_emulator/requests")) as RequestLogEntry[],
    clearRequests: async () => void (await control("DELETE", "/_emulator/requests")),
    close: () => em.close(),
  };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Segments that follow these collection names are ids, slugs or plugin names. */
const PLACEHOLDERS: Record<string, string> = {
  instances: "{stack}",
  stacks: "{stackId}",
  accesspolicies: "{policyId}",
  tokens: "{tokenId}",
  plugins: "{plugin}",
  keys: "{keyId}",
  grafana: "{slug}",
  serviceaccounts: "{serviceAccountId}",
};

/** Segments that name a route, not an object, where an id could follow. */
const ROUTE_WORDS = new Set(["search"]);

/** `/api/instances/123/plugins/grafana-clock-panel` -> `/api/instances/{stack}/plugins/{plugin}` */
export function normalizePath(p: string): string {
  const parts = p.split("/");
  for (let i = 1; i < parts.length; i++) {
    const placeholder = PLACEHOLDERS[parts[i - 1] ?? ""];
    if (placeholder !== undefined && parts[i] !== "" && !ROUTE_WORDS.has(parts[i]!)) parts[i] = placeholder;
  }
  return parts.join("/");
}

/** The calls of a log as `METHOD path` with a count, in order of first appearance. */
export function callSummary(log: readonly RequestLogEntry[]): { call: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of log) {
    const key = `${r.method} ${normalizePath(r.path)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([call, count]) => ({ call, count }));
}

/** `POST /api/instances, 4× GET /api/instances/{stack}/readiness` */
export function formatCalls(log: readonly RequestLogEntry[]): string {
  const s = callSummary(log);
  if (s.length === 0) return "none";
  return s.map(({ call, count }) => (count > 1 ? `${count}× ${call}` : call)).join(", ");
}

export const isRead = (r: RequestLogEntry): boolean => r.method === "GET" || r.method === "HEAD";

/** When a logged request arrived and when it was answered, in epoch milliseconds. */
function interval(r: RequestLogEntry): [number, number] {
  const start = Date.parse(r.time);
  return [start, start + r.durationMs];
}

/**
 * The largest number of requests the emulator was serving at once, from the log's arrival times
 * and durations (a sweep over start/end events; an end at the same instant as a start comes first).
 */
export function maxInFlight(log: readonly RequestLogEntry[]): number {
  const events: [number, number][] = [];
  for (const r of log) {
    const [start, end] = interval(r);
    events.push([start, 1], [end, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, delta] of events) {
    now += delta;
    max = Math.max(max, now);
  }
  return max;
}

/** Milliseconds from the first request's arrival to the last request's answer. */
export function apiWindowMs(log: readonly RequestLogEntry[]): number {
  if (log.length === 0) return 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of log) {
    const [start, end] = interval(r);
    first = Math.min(first, start);
    last = Math.max(last, end);
  }
  return last - first;
}

/** The exact bytes `pulumi stack export` prints for the project's stack (secrets encrypted). */
export async function stackExportBytes(project: CliProject): Promise<number> {
  // `pulumi` resolves to the pinned CLI: the project's PATH starts with <repo>/.tools/bin.
  const { stdout } = await promisify(execFile)(
    "pulumi",
    ["stack", "export", "--stack", project.stackName, "--non-interactive"],
    {
      cwd: project.dir,
      env: { ...process.env, ...project.env },
      maxBuffer: 256 * 1024 * 1024,
      encoding: "buffer",
    },
  );
  return stdout.length;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  platform: string;
  node: string;
  pulumiCli: string;
  pulumiSdk: string;
  date: string;
  /** 1-minute load average when the benchmark started; other work on the machine skews timings. */
  loadAverageAtStart: number;
}

export async function machineInfo(project: CliProject, repoRoot: string): Promise<MachineInfo> {
  const { stdout } = await promisify(execFile)("pulumi", ["version"], {
    env: { ...process.env, ...project.env },
  });
  const sdk = require(path.join(repoRoot, "node_modules", "@pulumi", "pulumi", "package.json")) as {
    version: string;
  };
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    pulumiCli: stdout.trim(),
    pulumiSdk: sdk.version,
    date: new Date().toISOString(),
    loadAverageAtStart: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

/** CPU time used so far by this process and by its waited-for children, in milliseconds. */
export interface CpuSnapshot {
  /** This process: the benchmark and the emulator it runs. */
  selfMs: number;
  /**
   * Finished children and their descendants: the pulumi CLI, the language host with the program,
   * and the dynamic provider host.
   */
  childrenMs: number;
}

/**
 * Reads /proc/self/stat (Linux): the children's CPU time (cutime + cstime) grows when a child that
 * was waited for exits, and includes its own waited-for descendants, so it covers the pulumi CLI
 * and the processes it starts. Undefined elsewhere.
 */
export function cpuSnapshot(): CpuSnapshot | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync("/proc/self/stat", "utf8");
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14-17 of proc(5): utime, stime, cutime, cstime, in clock ticks (USER_HZ, 100 on Linux).
  const ticks = (i: number) => Number(fields[i]) * 10;
  return { selfMs: ticks(11) + ticks(12), childrenMs: ticks(13) + ticks(14) };
}

export function cpuSince(before: CpuSnapshot | undefined): CpuSnapshot | undefined {
  const now = cpuSnapshot();
  if (!before || !now) return undefined;
  return { selfMs: now.selfMs - before.selfMs, childrenMs: now.childrenMs - before.childrenMs };
}

/**
 * Formats Markdown with the repository's prettier settings, so that `npm run check` accepts the
 * written results as they are; unchanged when prettier is not installed.
 */
export async function formatMarkdown(text: string, filePath: string): Promise<string> {
  try {
    const prettier = require("prettier") as {
      resolveConfig(file: string): Promise<Record<string, unknown> | null>;
      format(source: string, options: Record<string, unknown>): Promise<string>;
    };
    const config = (await prettier.resolveConfig(filePath)) ?? {};
    return await prettier.format(text, { ...config, filepath: filePath });
  } catch {
    return text;
  }
}
