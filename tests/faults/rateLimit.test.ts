// The fault-injection suite, through the real CLI: a 429 that asks to wait an hour (the window of
// the access-policy write limit) must not make `pulumi up` sleep through it. With the
// client's default retry budget, `up` fails at once, and its message names the rate limit and the
// wait, and says what to do.
import {
  type CliProject,
  createProject,
  declare,
  declaredProgram,
  errorLines,
  failureOf,
  startTestEmulator,
  type TestEmulator,
} from "./helpers";

function policyProgram(name: string) {
  return declaredProgram([
    declare("AccessPolicy", "policy", {
      region: "us",
      name,
      scopes: ["metrics:read"],
      realms: [{ type: "org", identifier: "1" }],
    }),
  ]);
}

describe("a 429 asking for 3600 s", () => {
  let emulator: TestEmulator | undefined;
  let project: CliProject | undefined;
  afterEach(async () => {
    try {
      await project?.dispose();
    } finally {
      await emulator?.close();
    }
  });

  test("fails the up fast, naming the rate limit and the wait, after one request", async () => {
    emulator = await startTestEmulator();
    project = await createProject({
      projectName: "faults-rate-limit",
      url: emulator.url,
      source: policyProgram("rate-limited"),
      // The client's own defaults (budget 120 s, base delay 250 ms), as a user gets them.
      env: { GRAFANA_CLOUD_RETRY_BUDGET_SECONDS: "", GRAFANA_CLOUD_RETRY_BASE_DELAY_MS: "" },
    });
    await emulator.addFaults([
      {
        path: "^/api/v1/accesspolicies",
        kind: "status",
        status: 429,
        retryAfter: 3600,
        code: "TooManyRequests",
        message: "rate limit of 600 requests per hour exceeded, retry after 3600s",
      },
    ]);

    const started = Date.now();
    const failure = await failureOf(() => project!.up());
    const seconds = (Date.now() - started) / 1000;
    console.log(`the up failed after ${seconds} s:\n${errorLines(failure?.output ?? "").join("\n")}`);
    expect(failure).toBeDefined();
    // The whole command, engine start-up included: well under a minute, nowhere near an hour.
    expect(seconds).toBeLessThan(60);

    const errors = errorLines(failure?.output ?? "").filter((l) => /creating access policy/.test(l));
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors) {
      expect(line).toContain('creating access policy "rate-limited" in region us');
      expect(line).toMatch(/POST \/api\/v1\/accesspolicies\?region=us failed: 429 Too Many Requests/);
      expect(line).toMatch(/rate limit/i);
      expect(line).toMatch(/wait 3600 s/);
      expect(line).toMatch(/retry budget of 120 s/);
      expect(line).toMatch(/Run again after the wait/);
    }

    // One request: the refused wait is not spent on retries, and nothing was created.
    const log = await emulator.requests();
    expect(log.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(["POST /api/v1/accesspolicies 429"]);
    expect((await emulator.state()).accessPolicies).toEqual([]);
  });

  test("fails a refresh fast too, naming the read, the rate limit and the wait", async () => {
    emulator = await startTestEmulator();
    project = await createProject({
      projectName: "faults-rate-limit-read",
      url: emulator.url,
      source: policyProgram("rate-limited-read"),
      env: { GRAFANA_CLOUD_RETRY_BUDGET_SECONDS: "", GRAFANA_CLOUD_RETRY_BASE_DELAY_MS: "" },
    });
    await project.up();
    const [policy] = (await emulator.state()).accessPolicies;
    await emulator.clearRequests();
    await emulator.addFaults([
      { method: "GET", path: "^/api/v1/accesspolicies/", kind: "status", status: 429, retryAfter: 3600 },
    ]);

    const started = Date.now();
    const failure = await failureOf(() => project!.refresh());
    const seconds = (Date.now() - started) / 1000;
    expect(failure).toBeDefined();
    expect(seconds).toBeLessThan(60);
    const errors = errorLines(failure?.output ?? "").filter((l) => /reading access policy/.test(l));
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors) {
      expect(line).toContain(`reading access policy ${policy?.id}`);
      expect(line).toMatch(/GET \/api\/v1\/accesspolicies\/\S+ failed: 429 Too Many Requests/);
      expect(line).toMatch(/rate limit/i);
      expect(line).toMatch(/wait 3600 s/);
    }
    // One request, not retried; the policy is still in state, untouched.
    expect((await emulator.requests()).map((r) => `${r.method} ${r.status}`)).toEqual(["GET 429"]);
    expect((await emulator.state()).accessPolicies.map((p) => p.id)).toEqual([policy?.id]);
  });
});
