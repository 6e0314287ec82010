/**
 * What the benchmark's measuring side writes to bench/results.json and its reporting side reads:
 * raw measurements only (times, counts, sizes); goals, ratios and prose are the report's.
 */
import type { MachineInfo } from "./tools";

export type Provider = "ours" | "trivial";
export const PROVIDERS: readonly Provider[] = ["ours", "trivial"];
export type FleetCommand = "up" | "preview" | "refresh" | "destroy";
export const FLEET_COMMANDS: readonly FleetCommand[] = ["up", "preview", "refresh", "destroy"];

/** One `pulumi` command: wall time, what reached the emulator, and the CPU it cost. */
export interface CommandRun {
  ms: number;
  /** Requests the emulator logged during the command. */
  calls: number;
  /** `2× GET /api/v1/tokens, …`: the calls by method and path pattern. */
  detail: string;
  /** From the first request's arrival to the last answer. */
  apiWindowMs: number;
  /** The most requests the emulator was serving at once. */
  maxInFlight: number;
  /** CPU of the CLI's process tree (CLI, language host and program, provider host); null off Linux. */
  cpuMs: number | null;
}

export interface TypeSize {
  type: string;
  count: number;
  /** Mean bytes of one resource's entry in the export (compact JSON). */
  bytesPerResource: number;
  /** Mean bytes of `__provider`, inputs and outputs together. */
  providerBytesPerResource: number;
}

export interface StateSizes {
  /** Bytes `pulumi stack export` prints. */
  exportBytes: number;
  /** Declared resources (the stack and provider resources not counted). */
  resources: number;
  bytesPerResource: number;
  byType: TypeSize[];
}

export interface FleetSize {
  policies: number;
  tokens: number;
}

// -------------------------------------------------------------------------------------------------
// Sections

/** API calls per operation of each resource, from the request log. */
export interface OperationRow {
  resource: string;
  operation: string;
  /** Resources the measured command touched. */
  resources: number;
  calls: number;
  reads: number;
  writes: number;
  /** The fewest calls this operation can make, as argued in `minimumWhy`. */
  minimum: number;
  minimumWhy: string;
  detail: string;
  ms: number;
}

export interface CallsSection {
  rows: OperationRow[];
  /** State of the calls program, which has one resource of every kind. */
  state: StateSizes;
  noopPreviewCalls: number;
  noopUpCalls: number;
}

/** The fleet on this package and on the trivial provider, commands interleaved run by run. */
export interface CompareSection {
  fleet: FleetSize;
  latencyMs: number;
  /** The engine's default `--parallel` on this machine. */
  parallel: number;
  /** runs[i][command][provider]: run i of each command, the two providers back to back. */
  runs: Record<FleetCommand, Record<Provider, CommandRun>>[];
  /** Diagnostic: `up` with PULUMI_SKIP_CHECKPOINTS=true (the engine writes state once, at the end). */
  upWithoutCheckpoints: Record<Provider, CommandRun>[];
  state: Record<Provider, StateSizes>;
}

/** The fleet at growing sizes, one run of each command per size and provider. */
export interface ScalePoint {
  resources: number;
  fleet: FleetSize;
  commands: Record<FleetCommand, Record<Provider, CommandRun>>;
  state: Record<Provider, StateSizes>;
}
export interface ScaleSection {
  latencyMs: number;
  parallel: number;
  points: ScalePoint[];
}

/** One module-loading measurement in a fresh `node` process, medians of `runs`. */
export interface LoadMeasurement {
  what: string;
  /** What was already loaded before (`@pulumi/pulumi`), not counted. */
  after: string;
  ms: number;
  modules: number;
  /** Packages (under node_modules) among the modules, with how many modules each. */
  packages: Record<string, number>;
  /** Files of this package among the modules. */
  ownFiles: number;
  runs: number[];
}

export interface StartupSection {
  /** `require("@pulumi/pulumi")` alone, what every program pays. */
  pulumi: LoadMeasurement;
  /** `require("pulumi-grafana-cloud")` in a program, after @pulumi/pulumi. */
  program: LoadMeasurement;
  /** `require("pulumi-grafana-cloud/dynamic")` in the provider host, after @pulumi/pulumi. */
  providerHost: LoadMeasurement;
}

export interface BenchResults {
  machine: MachineInfo;
  loadAverageAtEnd: number;
  /** 1-minute load average sampled every 10 s while the benchmark ran. */
  loadAverageSamples: number[];
  settings: Record<string, unknown>;
  totalSeconds: number;
  calls?: CallsSection;
  compare?: CompareSection;
  scale?: ScaleSection;
  startup?: StartupSection;
}
