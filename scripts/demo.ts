/**
 * `npm run demo`: the quickstart against the local emulator, through the real Pulumi engine.
 * Starts the emulator on a free port, makes a throwaway local backend and stack, runs `pulumi up`,
 * prints what was created, shows that a second `pulumi preview` has no changes, then destroys
 * everything and stops the emulator. `--keep` leaves both running for exploration.
 */
import { parseArgs } from "node:util";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { DEFAULT_TOKEN, startEmulator } from "../emulator";
import { quickstart } from "../examples/quickstart/program";
import { createEngineProject, PulumiCliMissingError, type EngineProject } from "./lib/engine";

const USAGE = `Usage: npm run demo -- [--keep] [--slug SLUG] [--readiness-delay-ms N]

  --keep                 leave the emulator and the Pulumi stack running (Ctrl-C to stop and clean up)
  --slug SLUG            stack slug to create (default: pulumiquickstart)
  --readiness-delay-ms   how long the emulated stack takes to start (default: 1500)
  --help                 this text`;

function step(text: string): void {
  console.log(`\n▶ ${text}`);
}

/** One line per finished resource operation, from the engine's event stream. */
function progress(verb: string): (e: EngineEvent) => void {
  const started = new Map<string, number>();
  return (e) => {
    const pre = e.resourcePreEvent?.metadata;
    if (pre && pre.op !== "same") started.set(pre.urn, Date.now());
    const out = e.resOutputsEvent?.metadata;
    if (out && out.op !== "same" && !out.type.startsWith("pulumi:pulumi:")) {
      const name = out.urn.split("::").pop();
      const type = out.type.replace("pulumi-nodejs:dynamic/grafana-cloud:", "");
      const took = started.has(out.urn)
        ? ` (${((Date.now() - started.get(out.urn)!) / 1000).toFixed(1)} s)`
        : "";
      console.log(`  ✓ ${verb} ${out.op.padEnd(7)} ${type.padEnd(18)} ${name}${took}`);
    }
    const diag = e.diagnosticEvent;
    if (diag && (diag.severity === "error" || diag.severity === "warning")) {
      console.log(`  ! ${diag.severity}: ${diag.message.trim()}`);
    }
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      keep: { type: "boolean", default: false },
      slug: { type: "string", default: "pulumiquickstart" },
      "readiness-delay-ms": { type: "string", default: "1500" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const slug = values.slug;
  const readinessDelayMs = Number(values["readiness-delay-ms"]);
  if (!Number.isFinite(readinessDelayMs) || readinessDelayMs < 0) {
    console.error(
      `--readiness-delay-ms must be a number of milliseconds >= 0, got ${values["readiness-delay-ms"]}`,
    );
    return 2;
  }

  step("Starting the local Grafana Cloud emulator");
  const emulator = await startEmulator({ readinessDelayMs });
  console.log(`  emulator listening on ${emulator.url} (token: ${DEFAULT_TOKEN})`);

  let project: EngineProject | undefined;
  const cleanup = async () => {
    if (project) await project.dispose().catch(() => undefined);
    await emulator.close().catch(() => undefined);
  };

  try {
    step("Creating a throwaway local Pulumi backend and stack");
    project = await createEngineProject({
      projectName: "grafana-cloud-quickstart",
      stackName: "demo",
      program: async () => quickstart({ slug }),
      config: { "grafana-cloud:url": emulator.url },
      secretsConfig: { "grafana-cloud:accessPolicyToken": DEFAULT_TOKEN },
      // The program's credentials come from the stack config above, not the caller's shell.
      env: { GRAFANA_CLOUD_API_URL: "", GRAFANA_CLOUD_ACCESS_POLICY_TOKEN: "" },
    });
    console.log(`  backend: file://${project.stateDir}`);

    step("pulumi up (examples/quickstart)");
    const up = await project.up({ onEvent: progress("") });
    const o = up.result.outputs;
    const changes = up.result.summary.resourceChanges ?? {};
    console.log(`  done in ${(up.durationMs / 1000).toFixed(1)} s: ${JSON.stringify(changes)}`);

    step("What was created");
    const value = (k: string) => String(o[k]?.value ?? "(none)");
    console.log(`  stack URL      ${value("stackUrl")}  (id ${value("stackId")})`);
    console.log(`  access policy  ${value("policyId")}`);
    console.log(`  token id       ${value("tokenId")}  (the token itself is a secret: [secret] in state)`);
    console.log(`  plugin         grafana-clock-panel ${value("pluginVersion")}`);
    console.log(`  stack API key  id ${value("keyId")}`);

    step("pulumi preview again: expecting no changes");
    const preview = await project.preview({ expectNoChanges: true });
    const counts = preview.result.changeSummary;
    const changed = Object.entries(counts).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
    if (changed.length > 0) throw new Error(`the second preview wants changes: ${JSON.stringify(counts)}`);
    console.log(`  no changes (${counts["same"] ?? 0} resources unchanged)`);

    if (values.keep) {
      step("Keeping everything running (--keep)");
      console.log(`  Point your own program or curl at the emulator:`);
      console.log(`    export GRAFANA_CLOUD_API_URL=${emulator.url}`);
      console.log(`    export GRAFANA_CLOUD_ACCESS_POLICY_TOKEN=${DEFAULT_TOKEN}`);
      console.log(
        `    curl -H "Authorization: Bearer ${DEFAULT_TOKEN}" ${emulator.url}/api/instances/${slug}`,
      );
      console.log(`  Pulumi workspace: ${project.workDir}`);
      console.log(`  Press Ctrl-C to destroy everything and stop.`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
    }

    step("pulumi destroy");
    await project.destroy({ onEvent: progress("") });
    console.log("  all resources destroyed");
    return 0;
  } catch (e) {
    if (e instanceof PulumiCliMissingError) {
      console.error(`\n✗ ${e.message}`);
      return 1;
    }
    const output = (e as { output?: string }).output;
    console.error(`\n✗ demo failed: ${(e as Error).message}`);
    if (output) console.error(output.split("\n").slice(-30).join("\n"));
    return 1;
  } finally {
    step("Stopping the emulator");
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
