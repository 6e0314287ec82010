/**
 * scripts/pipeline.sh runs the deployment pipeline of examples/pipeline (its ci.sh: preview, up,
 * drift) against an emulator: the drift check passes after `up`, fails once an object was changed
 * behind Pulumi's back through the API, and passes again after the next `up` put it back.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../support/engine";
import { startTestEmulator, type TestEmulator } from "../support/emulator";

interface Run {
  code: number | null;
  output: string;
}

/** `bash scripts/pipeline.sh --workdir DIR --api-url URL STEP...`, in the repository. */
function pipeline(workdir: string, url: string, ...steps: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "bash",
      [path.join(repoRoot, "scripts", "pipeline.sh"), "--workdir", workdir, "--api-url", url, ...steps],
      {
        cwd: repoRoot,
        // The pipeline gets its credentials and backend from the script, not from this shell.
        env: { ...process.env, GRAFANA_CLOUD_ACCESS_POLICY_TOKEN: "", GRAFANA_CLOUD_API_URL: "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("the deployment pipeline, locally", () => {
  let emulator: TestEmulator | undefined;
  let workdir: string | undefined;
  afterAll(async () => {
    await emulator?.close();
    if (workdir) fs.rmSync(workdir, { recursive: true, force: true });
  });

  test("preview writes the plan, up applies it, drift fails after a change behind Pulumi's back and passes after up", async () => {
    emulator = await startTestEmulator();
    workdir = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-test-"));

    const first = await pipeline(workdir, emulator.url, "preview", "up", "drift");
    expect({ code: first.code, tail: first.output.slice(-2000) }).toEqual({
      code: 0,
      tail: expect.any(String),
    });
    // The plan artifact: readable text naming what up would create.
    const plan = fs.readFileSync(path.join(workdir, "plan.txt"), "utf8");
    expect(plan).toMatch(/\+ pulumi-nodejs:dynamic\/grafana-cloud:Stack: \(create\)/);
    expect(plan).toMatch(/AccessPolicy: \(create\)/);
    expect(plan).toMatch(/4 to create/);
    const live = await emulator.live();
    expect(live.stacks.map((s) => s.slug)).toEqual(["pipelinedemo"]);
    const [policy] = live.accessPolicies;
    expect(policy).toMatchObject({ name: "pipelinedemo-ci-writers", displayName: "CI writers" });
    expect(live.tokens.map((t) => t.name)).toEqual(["pipelinedemo-ci-token"]);

    // Someone changes the policy in the Grafana Cloud UI.
    await emulator.api("POST", `/api/v1/accesspolicies/${policy.id}?region=us`, {
      displayName: "Changed by hand",
      scopes: ["metrics:write", "logs:write", "traces:write"],
    });
    const drifted = await pipeline(workdir, emulator.url, "drift");
    expect(drifted.code).not.toBe(0);
    // The refresh preview names the resource and the properties that changed, and fails.
    expect(drifted.output).toMatch(/AccessPolicy ci-writers update \[diff: ~displayName,scopes\]/);
    expect(drifted.output).toMatch(/error: no changes were expected for refresh but changes were proposed/);

    // The next up (refreshing first) puts the declaration back; the drift check passes again.
    const repaired = await pipeline(workdir, emulator.url, "up", "drift");
    expect({ code: repaired.code, tail: repaired.output.slice(-2000) }).toEqual({
      code: 0,
      tail: expect.any(String),
    });
    expect((await emulator.live()).accessPolicies).toEqual([
      expect.objectContaining({
        id: policy.id,
        displayName: "CI writers",
        scopes: ["metrics:write", "logs:write"],
      }),
    ]);
  });
});
