/**
 * `npm run demo`: the quickstart example against the local emulator, as a user runs it: a copy of
 * examples/quickstart (a Pulumi project: Pulumi.yaml, package.json, TypeScript program) with this
 * package in its node_modules, and the real `pulumi` CLI. Starts the emulator on a free port, makes
 * a throwaway local backend and stack, runs `pulumi up`, prints what was created, shows that a
 * second `pulumi preview` has no changes, then destroys everything and stops the emulator. `--keep`
 * leaves both running for exploration.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_TOKEN, startEmulator } from "../emulator";
import { createCliProject, findRepoRoot, PulumiCliMissingError, type CliProject } from "../harness/cli";

const USAGE = `Usage: npm run demo -- [--keep] [--slug SLUG] [--readiness-delay-ms N]

  --keep                 leave the emulator and the Pulumi stack running (Ctrl-C to stop and clean up)
  --slug SLUG            stack slug to create (default: pulumiquickstart)
  --readiness-delay-ms   how long the emulated stack takes to start (default: 1500)
  --help                 this text`;

function step(text: string): void {
  console.log(`\n▶ ${text}`);
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

  let project: CliProject | undefined;
  const cleanup = async () => {
    if (project) await project.dispose().catch(() => undefined);
    await emulator.close().catch(() => undefined);
  };

  try {
    step("Copying examples/quickstart into a throwaway project, with a local Pulumi backend and stack");
    project = await createCliProject({
      projectName: "grafana-cloud-quickstart",
      source: { copyFrom: path.join(findRepoRoot(__dirname), "examples", "quickstart") },
      stackName: "demo",
      config: { "grafana-cloud:url": emulator.url, "grafana-cloud-quickstart:slug": slug },
      secretsConfig: { "grafana-cloud:accessPolicyToken": DEFAULT_TOKEN },
      // The program's credentials come from the stack config above, not the caller's shell.
      env: { GRAFANA_CLOUD_API_URL: "", GRAFANA_CLOUD_ACCESS_POLICY_TOKEN: "" },
    });
    console.log(`  project: ${project.dir}`);
    console.log(`  backend: file://${project.stateDir}`);

    step("pulumi up --yes");
    const up = await project.up({ echo: true, skipPreview: false });
    console.log(`  done in ${(up.durationMs / 1000).toFixed(1)} s: ${JSON.stringify(up.changes)}`);

    step("What was created (pulumi stack output)");
    const o = await project.outputs();
    const value = (k: string) => String(o[k]?.value ?? "(none)");
    console.log(`  stack URL      ${value("stackUrl")}  (id ${value("stackId")})`);
    console.log(`  access policy  ${value("policyId")}`);
    console.log(`  token id       ${value("tokenId")}  (the token itself is a secret: [secret] in state)`);
    console.log(`  plugin         grafana-clock-panel ${value("pluginVersion")}`);
    console.log(
      `  service account id ${value("serviceAccountId")}, its token expires ${value("ciTokenExpiration")} ` +
        `(the token itself is a secret)`,
    );

    step("pulumi preview --expect-no-changes (the CLI fails if there is anything to do)");
    const preview = await project.preview({ expectNoChanges: true });
    console.log(`  no changes (${preview.changes["same"] ?? 0} resources unchanged)`);

    if (values.keep) {
      step("Keeping everything running (--keep)");
      console.log(`  Point your own program or curl at the emulator:`);
      console.log(`    export GRAFANA_CLOUD_API_URL=${emulator.url}`);
      console.log(`    export GRAFANA_CLOUD_ACCESS_POLICY_TOKEN=${DEFAULT_TOKEN}`);
      console.log(
        `    curl -H "Authorization: Bearer ${DEFAULT_TOKEN}" ${emulator.url}/api/instances/${slug}`,
      );
      console.log(`  The project: cd ${project.dir}, with these variables for the pulumi CLI:`);
      for (const name of ["PATH", "PULUMI_BACKEND_URL", "PULUMI_HOME", "PULUMI_CONFIG_PASSPHRASE"]) {
        console.log(`    export ${name}=${JSON.stringify(project.env[name] ?? "")}`);
      }
      console.log(`  Press Ctrl-C to destroy everything and stop.`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
    }

    step("pulumi destroy --yes");
    await project.destroy({ echo: true, skipPreview: false });
    console.log("  all resources destroyed");
    return 0;
  } catch (e) {
    if (e instanceof PulumiCliMissingError) {
      console.error(`\n✗ ${e.message}`);
      return 1;
    }
    console.error(
      `\n✗ demo failed: ${e instanceof Error ? e.message.split("\n").slice(0, 40).join("\n") : String(e)}`,
    );
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
