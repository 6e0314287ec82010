// The fault-injection suite, through the real CLI: the emulator command (`grafana-cloud-emulator --state FILE`, the
// built dist/emulator/cli.js) is killed with SIGKILL in the middle of `pulumi up` of the fleet,
// once its stacks exist and the policies, tokens, plugins and keys are on their way. It comes back
// on the same port with the same state file, either while that `up` still runs (down about a
// second; the client's retries ride it out or the `up` fails) or after that `up` has failed. The
// next `up` converges to exactly the declared objects, or, where the kill cut off the answer to a
// create the emulator had saved, meets that object, says so and how to resolve it, and once every
// such object is resolved as told the `up` converges.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { repoRoot } from "../support/engine";
import {
  DECLARED,
  expectClearFailure,
  expectExactlyDeclared,
  type FailedCreate,
  failedCreates,
  failedResources,
  LEFT_BY_INTERRUPTED_RUN,
  program,
  resolveAsTold,
  unsettledCreates,
} from "./fleet";
import { type CliProject, controlOf, createProject, errorLines, failureOf } from "./helpers";
import { modeFlags } from "../support/emulatorMode";

const CLI = path.join(repoRoot, "dist", "emulator", "cli.js");

interface RunningCli {
  child: ChildProcess;
  url: string;
  port: number;
  exited: Promise<void>;
}

/** Starts the emulator command and waits for its `listening on http://HOST:PORT` line. */
function startCli(args: string[]): Promise<RunningCli> {
  if (!fs.existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run \`npm run build\` first (npm run test:faults does)`);
  }
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`emulator did not start within 20 s: ${out}${err}`)),
      20_000,
    );
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))\n/.exec(out);
      if (m?.[1] !== undefined && m[2] !== undefined) {
        clearTimeout(timer);
        resolve({ child, url: m[1], port: Number(m[2]), exited });
      }
    });
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`emulator exited before listening: ${out}${err}`));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const STACK_TYPE = "pulumi-nodejs:dynamic/grafana-cloud:Stack";

describe.each([
  ["while the interrupted up still runs", "during"],
  ["after the interrupted up has failed", "after"],
] as const)("the emulator killed mid-up and restarted %s", (_title, when) => {
  let stateDir: string;
  let running: RunningCli | undefined;
  let project: CliProject | undefined;

  beforeAll(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-restart-"));
  });
  afterAll(async () => {
    try {
      await project?.dispose();
    } finally {
      if (running && running.child.exitCode === null && running.child.signalCode === null) {
        running.child.kill("SIGTERM");
        await running.exited;
      }
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  test("the next up converges to exactly the declared objects, once what the interrupted up could not settle is resolved as told", async () => {
    const stateFile = path.join(stateDir, "emulator-state.json");
    const flags = [
      "--state",
      stateFile,
      "--readiness-delay-ms",
      "100",
      "--plugin-busy-ms",
      "0",
      "--slug-reuse-window-ms",
      "0",
      "--rate-limit-per-hour",
      "0",
      ...modeFlags(),
    ];
    running = await startCli(["--port", "0", ...flags]);
    const { url, port } = running;
    project = await createProject({
      projectName: `faults-restart-${when}`,
      url,
      source: program(),
      // Retries of a call span about 3 to 6 s, longer than the restart's second of downtime.
      env: { GRAFANA_CLOUD_RETRY_BASE_DELAY_MS: "200" },
    });

    if (when === "after") {
      // The race the kill can lose (see below), made certain once: the first policy create is
      // applied and its answer lost, and every look-up for it fails until the emulator dies.
      await controlOf(url).addFaults([
        { method: "POST", path: "^/api/v1/accesspolicies$", kind: "lost-response", count: 1 },
        { method: "GET", path: "^/api/v1/accesspolicies$", kind: "reset" },
      ]);
    }

    // Killed when the last of the five stacks is recorded: the policies scoped to stacks, the
    // tokens, plugins and keys are then starting or in flight.
    let stacksCreated = 0;
    let killed: Promise<void> | undefined;
    const onEvent = (e: EngineEvent) => {
      const m = e.resOutputsEvent?.metadata;
      if (m?.type === STACK_TYPE && m.op === "create" && ++stacksCreated === DECLARED.stacks.length) {
        const victim = running!;
        victim.child.kill("SIGKILL");
        killed = victim.exited;
      }
    };
    const interrupted = failureOf(() => project!.up({ parallel: 16, onEvent }));

    let failure;
    if (when === "during") {
      // Down for about a second, then back on the same port with the same state.
      await (async () => {
        for (let i = 0; i < 600 && killed === undefined; i++) await sleep(100);
      })();
      expect(killed).toBeDefined();
      await killed;
      await sleep(1000);
      running = await startCli(["--port", String(port), ...flags]);
      failure = await interrupted;
    } else {
      failure = await interrupted;
      expect(killed).toBeDefined();
      await killed;
      // Nothing answered for the rest of that up: it must have failed.
      expect(failure).toBeDefined();
      running = await startCli(["--port", String(port), ...flags]);
    }
    expect(running.url).toBe(url);
    const live = controlOf(url);
    const before = await live.state();
    console.log(
      `restart ${when}: the interrupted up ${failure ? "failed" : "completed"}; the restarted emulator holds ` +
        `${before.stacks.length} stacks, ${before.accessPolicies.length} policies, ${before.tokens.length} tokens, ` +
        `${before.plugins.length} plugins, ${before.stackApiKeys.length} stack API keys` +
        (failure ? `; errors:\n${[...new Set(errorLines(failure.output))].slice(0, 6).join("\n")}` : ""),
    );
    // The stacks made before the kill survived it, from the state file.
    expect(before.stacks.map((s) => s.slug).sort()).toEqual([...DECLARED.stacks].sort());

    // The kill can land after the emulator saved a create and before it answered. With nothing
    // answering for the rest of that up, the provider could not find out what the request did,
    // and said the object may exist on the server. A later up then meets such an object, says
    // that it exists (perhaps made by an interrupted run) and how to resolve that; nothing else
    // fails. The engine starts nothing new after a failure, so one up may meet only some of
    // them: each is resolved as told and the up run again, until it converges.
    const unsettled = failure ? unsettledCreates(failure.output) : [];
    const met: FailedCreate[] = [];
    for (let round = 1; ; round++) {
      const next = await failureOf(() => project!.up({ parallel: 16 }));
      if (when === "after" && round === 1) {
        expect(unsettled.length).toBeGreaterThan(0);
        expect(next).toBeDefined();
      }
      if (!next) break;
      const conflicts = failedCreates(next.output);
      console.log(
        `restart ${when}: unsettled creates ${JSON.stringify(unsettled)}; up ${round} after the restart met ` +
          JSON.stringify(conflicts.map((c) => c.name)),
      );
      expect(conflicts.length).toBeGreaterThan(0);
      // Nothing but those creates failed.
      expect(failedResources(next.output)).toEqual(conflicts.map((c) => c.name).sort());
      for (const c of conflicts) {
        // Each is a create left unsettled, met once: every failing up makes progress.
        expect(unsettled).toContain(c.name);
        expect(met.map((m) => m.name)).not.toContain(c.name);
        expect(c.message).toMatch(LEFT_BY_INTERRUPTED_RUN);
      }
      expectClearFailure(next.output);
      await resolveAsTold(url, project, conflicts, met);
      met.push(...conflicts);
    }
    await expectExactlyDeclared(live, project);
  });
});
