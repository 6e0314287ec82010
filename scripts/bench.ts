/**
 * `npm run bench`: measures the providers through the real `pulumi` CLI on project directories
 * against the local emulator (scripts/lib/bench/measure.ts), writes the raw numbers to
 * bench/results.json, and renders bench/results.md and bench/scale.svg from them
 * (scripts/lib/bench/report.ts).
 *
 * Sections (`--only`):
 *   compare  20 access policies + 100 tokens on this package and on a trivial dynamic provider:
 *            up, no-op preview, refresh, destroy, interleaved run by run; state size
 *   scale    the same fleet at growing sizes (time, calls, state), both providers
 *   calls    Cloud API calls per operation of each resource
 *   startup  what `require("pulumi-grafana-cloud")` loads in a program and in the provider host
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { EngineCommandError, findRepoRoot, PulumiCliMissingError } from "../harness/cli";
import {
  defaultParallel,
  log,
  measureCalls,
  measureCompare,
  measureScale,
  measureStartup,
} from "./lib/bench/measure";
import type { BenchResults } from "./lib/bench/results";
import { startBenchEmulator, machineInfo } from "./lib/bench/tools";
import { writeReport } from "./bench-report";
import { fleetProject } from "./lib/bench/projects";

const SECTIONS = ["compare", "scale", "calls", "startup"] as const;

const USAGE = `Usage: npm run bench -- [--runs N] [--checkpoint-runs N] [--sizes LIST] [--latency-ms N] [--only LIST] [--out DIR]

  --runs N             runs of each command of the comparison (default 5)
  --checkpoint-runs N  runs of the diagnostic up without checkpoints (default 3; 0: none)
  --sizes LIST         resource counts of the scale section (default 10,100,500,1000)
  --latency-ms N       the emulator's latency per call in compare and scale (default 100)
  --startup-runs N     fresh node processes per start-up measurement (default 5)
  --only LIST          comma-separated sections: ${SECTIONS.join(",")} (default all)
  --out DIR            where results.json, results.md and scale.svg go (default bench/)
  --help               this text`;

const round2 = (x: number) => Math.round(x * 100) / 100;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "5" },
      "checkpoint-runs": { type: "string", default: "3" },
      sizes: { type: "string", default: "10,100,500,1000" },
      "latency-ms": { type: "string", default: "100" },
      "startup-runs": { type: "string", default: "5" },
      only: { type: "string", default: SECTIONS.join(",") },
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
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`--${name} must be a whole number ${min}-${max}, got ${v}`);
    }
    return n;
  };
  const runs = int("runs", values.runs, 1, 50);
  const checkpointRuns = int("checkpoint-runs", values["checkpoint-runs"], 0, 50);
  const latencyMs = int("latency-ms", values["latency-ms"], 0, 10_000);
  const startupRuns = int("startup-runs", values["startup-runs"], 1, 50);
  const sizes = values.sizes.split(",").map((s) => int("sizes", s.trim(), 2, 10_000));
  const only = new Set(values.only.split(",").map((s) => s.trim()));
  for (const s of only) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section ${s}`);
  }
  const repoRoot = findRepoRoot();
  const outDir = path.resolve(values.out ?? path.join(repoRoot, "bench"));

  const started = performance.now();
  const loadSamples: number[] = [];
  const sampleLoad = () => loadSamples.push(round2(os.loadavg()[0]!));
  const sampler = setInterval(sampleLoad, 10_000);
  try {
    // The machine description needs the CLI; a throwaway project resolves it like every other run.
    const probeEm = await startBenchEmulator({});
    let machine;
    try {
      const probe = await fleetProject(
        repoRoot,
        "ours",
        probeEm.url,
        { policies: 1, tokens: 0 },
        "bench-probe",
      );
      try {
        machine = await machineInfo(probe, repoRoot);
      } finally {
        await probe.dispose();
      }
    } finally {
      await probeEm.close();
    }
    log(
      `Benchmark on ${machine.cpus} CPU threads (${machine.cpuModel}), load average ${machine.loadAverageAtStart}, ` +
        `Node.js ${machine.node}, Pulumi ${machine.pulumiCli}`,
    );

    const results: BenchResults = {
      machine,
      loadAverageAtEnd: 0,
      loadAverageSamples: loadSamples,
      settings: {
        runs,
        checkpointRuns,
        sizes,
        latencyMs,
        startupRuns,
        defaultParallel: defaultParallel(),
        sections: [...only],
      },
      totalSeconds: 0,
    };
    if (only.has("startup")) results.startup = await measureStartup(repoRoot, startupRuns);
    if (only.has("compare")) {
      results.compare = await measureCompare(repoRoot, {
        fleet: { policies: 20, tokens: 100 },
        latencyMs,
        runs,
        checkpointRuns,
      });
    }
    if (only.has("scale")) results.scale = await measureScale(repoRoot, { sizes, latencyMs });
    if (only.has("calls")) results.calls = await measureCalls(repoRoot);

    results.loadAverageAtEnd = round2(os.loadavg()[0]!);
    results.totalSeconds = Math.round((performance.now() - started) / 1000);
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    log(`\nWrote ${path.join(outDir, "results.json")}`);
    await writeReport(outDir);
    return 0;
  } finally {
    clearInterval(sampler);
  }
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
