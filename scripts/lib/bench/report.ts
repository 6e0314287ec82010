/**
 * The benchmark's reporting side: from the raw numbers of results.json to the goals (met or not),
 * bench/results.md and the scale chart bench/scale.svg. It measures nothing, so a report can be
 * rendered again from a results.json (`npm run bench:report`).
 *
 * The chart is a Vega-Lite specification rendered to SVG by Vega's own headless renderer (no
 * browser, no canvas): a declarative, well-kept library instead of plotting code of our own.
 */
import type { TopLevelSpec } from "vega-lite" with { "resolution-mode": "import" };
import { PROVIDERS, type BenchResults, type CommandRun, type FleetCommand, type Provider } from "./results";

/** The goals of the performance issue; each is a row of the targets table. */
export const GOALS = {
  /** State per resource of the 20 policies + 100 tokens program. */
  stateBytes: 3 * 1024,
  /** up, no-op preview, destroy: this package / the trivial provider. */
  ratio: 1.05,
  /** `pulumi refresh` of 20 policies + 100 tokens. */
  refreshCalls: 6,
};

/** Packages only the provider host needs; a program that loads the package must load none of them. */
export const HOST_ONLY_PACKAGES = ["axios", "zod", "form-data", "follow-redirects", "https-proxy-agent"];

export interface TargetRow {
  target: string;
  goal: string;
  measured: string;
  met: boolean;
}

export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pct = (x: number) => `${Math.round(x * 100)}%`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const esc = (s: string) => s.replace(/\|/g, "\\|");
const cpu = (ms: number | null) => (ms === null ? "n/a" : secs(ms));

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A command of the comparison, summarised over its runs. */
export interface CommandSummary {
  command: FleetCommand;
  ms: Record<Provider, number>;
  calls: Record<Provider, number>;
  cpuMs: Record<Provider, number | null>;
  /** median(ours) / median(trivial). */
  ratioOfMedians: number;
  /** The median of the per-run ratios (each run's two commands ran back to back): the goal's figure. */
  pairedRatio: number;
  runs: Record<Provider, number[]>;
}

function providerMedian(
  runs: Record<Provider, CommandRun>[],
  provider: Provider,
  f: (r: CommandRun) => number | null,
) {
  const xs = runs.map((r) => f(r[provider])).filter((x): x is number => x !== null);
  return xs.length > 0 ? median(xs) : null;
}

export function summarize(r: BenchResults, command: FleetCommand): CommandSummary | undefined {
  const c = r.compare;
  if (!c || c.runs.length === 0) return undefined;
  const runs = c.runs.map((x) => x[command]);
  const by = (f: (r: CommandRun) => number | null) =>
    Object.fromEntries(PROVIDERS.map((p) => [p, providerMedian(runs, p, f)])) as Record<
      Provider,
      number | null
    >;
  const ms = by((x) => x.ms) as Record<Provider, number>;
  return {
    command,
    ms,
    calls: by((x) => x.calls) as Record<Provider, number>,
    cpuMs: by((x) => x.cpuMs),
    ratioOfMedians: ms.ours / ms.trivial,
    pairedRatio: median(runs.map((x) => x.ours.ms / x.trivial.ms)),
    runs: Object.fromEntries(PROVIDERS.map((p) => [p, runs.map((x) => x[p].ms)])) as Record<
      Provider,
      number[]
    >,
  };
}

export function targetsOf(r: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const c = r.compare;
  if (c) {
    const shape = `${c.fleet.policies} policies + ${c.fleet.tokens} tokens`;
    rows.push({
      target: `state per resource, ${shape}`,
      goal: `≤ ${kb(GOALS.stateBytes)}`,
      measured: `${kb(c.state.ours.bytesPerResource)} (trivial provider: ${kb(c.state.trivial.bytesPerResource)})`,
      met: c.state.ours.bytesPerResource <= GOALS.stateBytes,
    });
    for (const command of ["up", "preview", "destroy"] as const) {
      const s = summarize(r, command)!;
      const name = command === "preview" ? "no-op `pulumi preview`" : `\`pulumi ${command}\``;
      rows.push({
        target: `${name}, ${shape}, vs the trivial provider`,
        goal: `≤ ${GOALS.ratio.toFixed(2)}×`,
        measured:
          `${s.pairedRatio.toFixed(2)}× (median of ${c.runs.length} paired runs; medians ${secs(s.ms.ours)} / ` +
          `${secs(s.ms.trivial)})`,
        met: s.pairedRatio <= GOALS.ratio,
      });
    }
    const refresh = summarize(r, "refresh")!;
    rows.push({
      target: `\`pulumi refresh\`, ${shape}`,
      goal: `≤ ${GOALS.refreshCalls} Cloud API calls`,
      measured: `${refresh.calls.ours} calls (trivial provider: ${refresh.calls.trivial})`,
      met: refresh.calls.ours <= GOALS.refreshCalls,
    });
    // How much of `up`'s API window is waiting on the engine rather than on the API: the ideal
    // (calls × latency / parallelism) over the window. The engine's own pace bounds it, so the
    // goal is the trivial provider's efficiency, not an absolute figure.
    const efficiency = (p: Provider) => {
      const up = c.runs.map((x) => x.up);
      const window = providerMedian(up, p, (x) => x.apiWindowMs)!;
      const ideal = (providerMedian(up, p, (x) => x.calls)! * c.latencyMs) / c.parallel;
      return { ideal, window, ratio: ideal / window };
    };
    const e = { ours: efficiency("ours"), trivial: efficiency("trivial") };
    rows.push({
      target: `\`pulumi up\`, ${shape}, ${c.latencyMs} ms per call, parallel ${c.parallel} (default)`,
      goal: "efficiency (ideal / API window) ≥ 0.95 × the trivial provider's",
      measured:
        `${pct(e.ours.ratio)} (ideal ${secs(e.ours.ideal)} / API window ${secs(e.ours.window)}); ` +
        `trivial provider ${pct(e.trivial.ratio)}`,
      met: e.ours.ratio >= 0.95 * e.trivial.ratio,
    });
  }
  if (r.calls) {
    rows.push(
      {
        target: "no-op `pulumi preview`",
        goal: "0 Cloud API calls",
        measured: `${r.calls.noopPreviewCalls} calls`,
        met: r.calls.noopPreviewCalls === 0,
      },
      {
        target: "no-op `pulumi up`",
        goal: "0 Cloud API calls",
        measured: `${r.calls.noopUpCalls} calls`,
        met: r.calls.noopUpCalls === 0,
      },
    );
  }
  if (r.startup) {
    const loaded = HOST_ONLY_PACKAGES.filter((p) => r.startup!.program.packages[p] !== undefined);
    rows.push({
      target: '`require("pulumi-grafana-cloud")` in a program',
      goal: `loads none of ${HOST_ONLY_PACKAGES.join(", ")} (the provider host's)`,
      measured:
        (loaded.length === 0 ? "none of them" : `loads ${loaded.join(", ")}`) +
        `; ${r.startup.program.modules} modules, ${r.startup.program.ms} ms after @pulumi/pulumi`,
      met: loaded.length === 0,
    });
  }
  return rows;
}

// -------------------------------------------------------------------------------------------------
// Markdown

function machineLine(r: BenchResults): string {
  const m = r.machine;
  const peak = r.loadAverageSamples.length > 0 ? Math.max(...r.loadAverageSamples) : undefined;
  return (
    `Measured ${m.date.slice(0, 10)} on ${m.cpus} CPU threads (${m.cpuModel}), ${m.memoryGiB} GiB memory, ` +
    `${m.platform}; Node.js ${m.node}, Pulumi CLI ${m.pulumiCli}, @pulumi/pulumi ${m.pulumiSdk}. ` +
    `Load average ${m.loadAverageAtStart} at the start, ${r.loadAverageAtEnd} at the end` +
    (peak === undefined ? "" : `, at most ${peak} while it ran`) +
    ` (above 0: other work on the machine competing with the engine). Against the local emulator ` +
    `(127.0.0.1), through the real \`pulumi\` CLI on project directories (TypeScript programs, type-checked ` +
    `as by default); the whole run took ${Math.round(r.totalSeconds)} s.`
  );
}

const COMMAND_NAMES: Record<FleetCommand, string> = {
  up: "`pulumi up`",
  preview: "no-op `pulumi preview`",
  refresh: "`pulumi refresh`",
  destroy: "`pulumi destroy`",
};

/** The headline table: the comparison's medians (also what the README shows). */
export function headlineTable(r: BenchResults): string[] {
  const c = r.compare;
  if (!c) return [];
  const out = [
    "| | pulumi-grafana-cloud | trivial dynamic provider | ratio (paired median) | Cloud API calls (ours / trivial) |",
    "|---|---:|---:|---:|---:|",
  ];
  for (const command of ["up", "preview", "refresh", "destroy"] as const) {
    const s = summarize(r, command)!;
    out.push(
      `| ${COMMAND_NAMES[command]} | ${secs(s.ms.ours)} | ${secs(s.ms.trivial)} | ${s.pairedRatio.toFixed(2)} | ` +
        `${s.calls.ours} / ${s.calls.trivial} |`,
    );
  }
  out.push(
    `| state per resource | ${kb(c.state.ours.bytesPerResource)} | ${kb(c.state.trivial.bytesPerResource)} | ` +
      `${(c.state.ours.bytesPerResource / c.state.trivial.bytesPerResource).toFixed(2)} | |`,
  );
  return out;
}

export function markdown(r: BenchResults, targets: TargetRow[]): string {
  const out: string[] = ["# Benchmark results", "", machineLine(r), ""];
  out.push(
    "Reproduce: `npm run bench` (writes bench/results.json, bench/results.md and bench/scale.svg; " +
      "`npm run bench -- --help` for options; `npm run bench:report` renders the report again from " +
      "results.json).",
    "",
    "## Goals",
    "",
    "| Target | Goal | Measured | Met |",
    "|---|---|---|---|",
  );
  for (const t of targets) {
    out.push(`| ${esc(t.target)} | ${esc(t.goal)} | ${esc(t.measured)} | ${t.met ? "yes" : "**no**"} |`);
  }

  const c = r.compare;
  if (c) {
    out.push(
      "",
      `## 1. ${c.fleet.policies} access policies + ${c.fleet.tokens} tokens: this package vs a trivial dynamic provider`,
      "",
      `The same fleet twice in one emulator with ${c.latencyMs} ms per call, parallel ${c.parallel} (the ` +
        "engine's default): on this package, and on the most trivial dynamic provider a user could write " +
        "(bench/programs/trivial.ts: Pulumi serializes its provider object into state; create and delete make " +
        "one HTTP call each, read one GET; no validation, no retries). Each command runs for both back to back, " +
        `who goes first alternating per run; medians of ${c.runs.length} runs. The ratio is the median of the ` +
        "per-run ratios. CPU = the CLI's process tree (CLI, language host with the program, provider host).",
      "",
      ...headlineTable(r),
      "",
      "| Command | Provider | Median | CPU | Calls | Runs |",
      "|---|---|---:|---:|---:|---|",
    );
    for (const command of ["up", "preview", "refresh", "destroy"] as const) {
      const s = summarize(r, command)!;
      for (const p of PROVIDERS) {
        out.push(
          `| ${COMMAND_NAMES[command]} | ${p} | ${secs(s.ms[p])} | ${cpu(s.cpuMs[p])} | ${s.calls[p]} | ` +
            `${s.runs[p].map(secs).join(", ")} |`,
        );
      }
    }
    if (c.upWithoutCheckpoints.length > 0) {
      const ms = (p: Provider) => median(c.upWithoutCheckpoints.map((x) => x[p].ms));
      const withCp = summarize(r, "up")!;
      out.push(
        "",
        `Diagnostic: \`pulumi up\` with PULUMI_SKIP_CHECKPOINTS=true (the engine writes the state once at the ` +
          `end instead of after every step), medians of ${c.upWithoutCheckpoints.length}: this package ` +
          `${secs(ms("ours"))} (with checkpoints ${secs(withCp.ms.ours)}), trivial provider ${secs(ms("trivial"))} ` +
          `(with ${secs(withCp.ms.trivial)}). The checkpoints cost this package ` +
          `${secs(withCp.ms.ours - ms("ours"))} and the trivial provider ${secs(withCp.ms.trivial - ms("trivial"))}.`,
      );
    }
    out.push(
      "",
      "State per resource type (mean bytes of one entry as compact JSON, and of its `__provider`, inputs and outputs together):",
      "",
    );
    out.push(
      "| Provider | Export | Per resource | Type | Count | Entry | `__provider` |",
      "|---|---:|---:|---|---:|---:|---:|",
    );
    for (const p of PROVIDERS) {
      c.state[p].byType.forEach((t, i) => {
        const head =
          i === 0 ? `| ${p} | ${kb(c.state[p].exportBytes)} | ${kb(c.state[p].bytesPerResource)} ` : "| | | ";
        out.push(
          `${head}| ${t.type} | ${t.count} | ${t.bytesPerResource} B | ${t.providerBytesPerResource} B |`,
        );
      });
    }
  }

  const s = r.scale;
  if (s) {
    out.push(
      "",
      "## 2. Scale",
      "",
      `The same fleet (one policy per five tokens) at growing sizes, ${s.latencyMs} ms per call, parallel ` +
        `${s.parallel}, one run of each command per size (a fresh emulator per size). Chart: bench/scale.svg.`,
      "",
      "![up, preview, refresh and state against the number of resources](scale.svg)",
      "",
      "| Resources | Provider | `up` | no-op `preview` | `refresh` | `destroy` | Calls: up / preview / refresh / destroy | State per resource |",
      "|---:|---|---:|---:|---:|---:|---|---:|",
    );
    for (const pt of s.points) {
      for (const p of PROVIDERS) {
        const cmd = (k: FleetCommand) => pt.commands[k][p];
        out.push(
          `| ${pt.resources} | ${p} | ${secs(cmd("up").ms)} | ${secs(cmd("preview").ms)} | ${secs(cmd("refresh").ms)} | ` +
            `${secs(cmd("destroy").ms)} | ${cmd("up").calls} / ${cmd("preview").calls} / ${cmd("refresh").calls} / ` +
            `${cmd("destroy").calls} | ${kb(pt.state[p].bytesPerResource)} |`,
        );
      }
    }
    out.push(
      "",
      "Cloud API calls of `pulumi refresh` (the access-policy and token endpoints allow about 600 calls per hour " +
        "per token):",
      "",
      "| Resources | Policies + tokens | This package | Calls made | Trivial provider |",
      "|---:|---|---:|---|---:|",
    );
    for (const pt of s.points) {
      const ours = pt.commands.refresh.ours;
      out.push(
        `| ${pt.resources} | ${pt.fleet.policies} + ${pt.fleet.tokens} | ${ours.calls} | ${esc(ours.detail)} | ` +
          `${pt.commands.refresh.trivial.calls} |`,
      );
    }
  }

  if (r.calls) {
    out.push(
      "",
      "## 3. Cloud API calls per operation",
      "",
      "Counted from the emulator's request log, cleared before each command (bench/programs/calls.ts). Reads of " +
        "single resources are a targeted `pulumi refresh`; deletes remove the resource from the program. A stack " +
        "takes 1.5 s to become ready. Calls above the minimum are in bold.",
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
    out.push(
      "",
      `State of this program: ${kb(r.calls.state.exportBytes)} for ${r.calls.state.resources} resources ` +
        `(${kb(r.calls.state.bytesPerResource)} each); per type: ` +
        r.calls.state.byType
          .map((t) => `${t.type} ${t.bytesPerResource} B (\`__provider\` ${t.providerBytesPerResource} B)`)
          .join(", ") +
        ".",
    );
  }

  const st = r.startup;
  if (st) {
    const packages = (m: typeof st.program) =>
      Object.keys(m.packages).length === 0
        ? "none"
        : Object.entries(m.packages)
            .sort((a, b) => b[1] - a[1])
            .map(([name, n]) => `${name} (${n})`)
            .join(", ");
    out.push(
      "",
      "## 4. Start-up: what loading the package costs",
      "",
      `In a fresh \`node\` in a project directory, medians of ${st.program.runs.length} runs: every program ` +
        "loads @pulumi/pulumi; then a program loads the package, and the dynamic provider host loads " +
        "`pulumi-grafana-cloud/dynamic` when the first resource's provider runs.",
      "",
      "| Load | Median | Modules | Of this package | Other packages (modules) |",
      "|---|---:|---:|---:|---|",
      `| ${st.pulumi.what} | ${st.pulumi.ms} ms | ${st.pulumi.modules} | | |`,
      `| ${st.program.what}, after @pulumi/pulumi | ${st.program.ms} ms | ${st.program.modules} | ${st.program.ownFiles} | ${esc(packages(st.program))} |`,
      `| ${st.providerHost.what}, after @pulumi/pulumi | ${st.providerHost.ms} ms | ${st.providerHost.modules} | ${st.providerHost.ownFiles} | ${esc(packages(st.providerHost))} |`,
    );
  }
  out.push("");
  return out.join("\n");
}

// -------------------------------------------------------------------------------------------------
// Chart

/** The Vega-Lite specification of the scale chart: one panel per measure, resources on x. */
export function scaleChartSpec(r: BenchResults): TopLevelSpec | undefined {
  const s = r.scale;
  if (!s || s.points.length === 0) return undefined;
  const values: { resources: number; provider: string; measure: string; value: number }[] = [];
  const name: Record<Provider, string> = {
    ours: "pulumi-grafana-cloud",
    trivial: "trivial dynamic provider",
  };
  for (const pt of s.points) {
    for (const p of PROVIDERS) {
      const add = (measure: string, value: number) =>
        values.push({ resources: pt.resources, provider: name[p], measure, value });
      add("pulumi up (s)", pt.commands.up[p].ms / 1000);
      add("no-op pulumi preview (s)", pt.commands.preview[p].ms / 1000);
      add("pulumi refresh (s)", pt.commands.refresh[p].ms / 1000);
      add("pulumi refresh: Cloud API calls", pt.commands.refresh[p].calls);
      add("state per resource (KB)", pt.state[p].bytesPerResource / 1024);
      add("pulumi up: Cloud API calls", pt.commands.up[p].calls);
    }
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Growth with the number of resources (${s.latencyMs} ms per call, parallel ${s.parallel})`,
    data: { values },
    facet: { field: "measure", type: "nominal", title: null, sort: null },
    columns: 3,
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 220,
      height: 150,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "resources", type: "quantitative", title: "resources" },
        y: { field: "value", type: "quantitative", title: null },
        color: { field: "provider", type: "nominal", title: null, legend: { orient: "bottom" } },
      },
    },
    config: { font: "sans-serif" },
  };
}

/** Renders a Vega-Lite specification to SVG text (Vega's headless renderer; no canvas needed). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Both are ES modules; this file is CommonJS, so they come in through import().
  const vegaLite = await import("vega-lite");
  const vega = await import("vega");
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
