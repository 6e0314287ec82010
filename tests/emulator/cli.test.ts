import { ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import * as ts from "typescript";
import { Api, POLICY } from "./helpers";

/**
 * The `grafana-cloud-emulator` command, run as a real process. The emulator sources are
 * transpiled into a temp directory first, so the test runs the current code without touching
 * dist/ (which other builds write concurrently).
 */

const ROOT = join(__dirname, "..", "..");
let outDir: string;
let cli: string;

function transpileEmulator(): void {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
    );
  for (const file of walk(join(ROOT, "emulator"))) {
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
      fileName: file,
    });
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  cli = join(outDir, "emulator", "cli.js");
}

interface Running {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

function run(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, NODE_PATH: join(ROOT, "node_modules") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (m?.[1] !== undefined) resolve({ child, url: m[1], exited });
    });
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    void exited.then((code) => reject(new Error(`emulator exited with ${code}: ${out}${err}`)));
  });
}

function runToExit(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, NODE_PATH: join(ROOT, "node_modules") },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out, err })));
}

describe("grafana-cloud-emulator command", () => {
  let stateDir: string;

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), "emulator-cli-"));
    stateDir = mkdtempSync(join(tmpdir(), "emulator-state-"));
    transpileEmulator();
  });
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("prints exactly 'listening on http://HOST:PORT' and exits cleanly on SIGTERM and SIGINT", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const emu = await run(["--port", "0", "--host", "127.0.0.1"]);
      const res = await new Api(emu.url).get("/api/stack-regions");
      expect(res.status).toBe(200);
      emu.child.kill(signal);
      expect(await emu.exited).toBe(0);
    }
  });

  it("keeps everything across a restart with --state", async () => {
    const stateFile = join(stateDir, "nested", "state.json");
    const flags = [
      ...["--port", "0", "--state", stateFile, "--readiness-delay-ms", "0", "--token", "cli-token"],
      ...["--stack-api-keys", "legacy"],
    ];

    const first = await run(flags);
    const api = new Api(first.url, "cli-token");
    const stack = (await api.post("/api/instances", { name: "kept", slug: "kept", deleteProtection: false }))
      .body;
    const policy = (
      await api.post("/api/v1/accesspolicies?region=us", { ...POLICY, scopes: ["stacks:read"] })
    ).body;
    const token = (await api.post("/api/v1/tokens?region=us", { accessPolicyId: policy.id, name: "kept" }))
      .body;
    const key = (await api.post("/api/instances/kept/api/auth/keys", { name: "admin", role: "Admin" })).body;
    expect((await api.post("/api/instances/kept/plugins", { plugin: "grafana-clock-panel" })).status).toBe(
      200,
    );
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);

    const saved = readFileSync(stateFile, "utf8");
    expect(JSON.parse(saved)).toMatchObject({ version: 1 });
    expect(saved).not.toContain(token.token);
    expect(saved).not.toContain(key.key);
    expect(readdirSync(dirname(stateFile))).toEqual(["state.json"]);

    const second = await run(flags);
    const again = new Api(second.url, "cli-token");
    const got = await again.get(`/api/instances/${stack.id}`);
    expect(got.body).toMatchObject({
      id: stack.id,
      slug: "kept",
      status: "active",
      url: `${second.url}/grafana/kept`,
    });
    expect((await again.get(`/api/v1/accesspolicies/${policy.id}?region=us`)).body.name).toBe(
      "stack-readers",
    );
    expect((await again.get(`/api/v1/tokens/${token.id}?region=us`)).body.name).toBe("kept");
    expect((await again.get("/api/instances/kept/plugins/grafana-clock-panel")).body.version).toBe("2.1.8");
    // Secrets issued before the restart still work: their hashes are in the state file.
    expect((await new Api(second.url, token.token).get("/api/instances")).status).toBe(200);
    expect((await new Api(`${second.url}/grafana/kept`, key.key).get("/api/auth/keys")).status).toBe(200);
    // A slug stays taken across the restart.
    expect((await again.post("/api/instances", { name: "kept", slug: "kept" })).status).toBe(409);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });

  it("--stack-api-keys: keys made with legacy survive a restart without API keys as service-account tokens", async () => {
    const stateFile = join(stateDir, "keys.json");
    const flags = ["--port", "0", "--state", stateFile, "--readiness-delay-ms", "0"];
    const legacy = await run([...flags, "--stack-api-keys", "legacy"]);
    const api = new Api(legacy.url);
    await api.post("/api/instances", { name: "up", slug: "up", deleteProtection: false });
    const key = (await api.post("/api/instances/up/api/auth/keys", { name: "ci", role: "Admin" })).body;
    expect((await new Api(`${legacy.url}/grafana/up`, key.key).get("/api/auth/keys")).status).toBe(200);
    expect((await new Api(legacy.url).get("/api/instances/up")).body.runningVersion).toMatch(/^11\./);
    legacy.child.kill("SIGTERM");
    expect(await legacy.exited).toBe(0);

    // The default: Grafana 12.1 or later, which removed API keys and migrated them.
    const removed = await run(flags);
    const again = new Api(removed.url);
    expect((await again.get("/api/instances/up")).body.runningVersion).toMatch(/^12\.1/);
    const stackUrl = new Api(`${removed.url}/grafana/up`, key.key);
    expect((await stackUrl.get("/api/auth/keys")).status).toBe(404);
    expect((await again.post("/api/instances/up/api/auth/keys", { name: "new", role: "Admin" })).status).toBe(
      404,
    );
    // The key is now the token of a service account named after it, and still opens the stack.
    const accounts = (await again.get("/api/instances/up/api/serviceaccounts/search")).body.serviceAccounts;
    expect(accounts).toEqual([expect.objectContaining({ name: "sa-autogen-ci", role: "Admin" })]);
    const tokens = (await again.get(`/api/instances/up/api/serviceaccounts/${accounts[0].id}/tokens`)).body;
    expect(tokens).toEqual([expect.objectContaining({ id: key.id, name: "ci" })]);
    expect((await stackUrl.get("/api/serviceaccounts/search")).status).toBe(200);
    removed.child.kill("SIGTERM");
    expect(await removed.exited).toBe(0);

    const bad = await runToExit(["--port", "0", "--stack-api-keys", "maybe"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--stack-api-keys must be legacy or removed");
  });

  it("answers as the contract says with --strict-contract", async () => {
    for (const [flags, status, code] of [
      [[], 400, "InvalidArgument"],
      [["--strict-contract"], 409, "Conflict"],
    ] as const) {
      const emu = await run(["--port", "0", ...flags]);
      const res = await new Api(emu.url).post("/api/v1/accesspolicies?region=us", { ...POLICY, scopes: [] });
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      emu.child.kill("SIGTERM");
      expect(await emu.exited).toBe(0);
    }
  });

  it("prints usage for --help and exits 2 on unknown or malformed flags", async () => {
    const help = await runToExit(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("--state FILE");
    expect(help.out).toContain("--strict-contract");
    expect(help.out).toContain("--stack-api-keys MODE");
    const unknown = await runToExit(["--bogus"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("bogus");
    const bad = await runToExit(["--port", "abc"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--port");
  });

  it("fails with a clear message on a corrupt state file", async () => {
    const stateFile = join(stateDir, "corrupt.json");
    writeFileSync(stateFile, "{not json");
    const res = await runToExit(["--port", "0", "--state", stateFile]);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/grafana-cloud-emulator: .*JSON/);
  });
});
