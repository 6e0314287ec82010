import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunningEmulator, startEmulator } from "../../emulator";
import { controlOf } from "../support/emulatorClient";
import { Api, POLICY } from "./helpers";

/** The `--state` file is written by changes only: reads, expiry and authentication never write it. */
describe("state file writes", () => {
  let dir: string;
  let emu: RunningEmulator;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "emulator-state-writes-"));
    file = join(dir, "state.json");
    emu = await startEmulator({ stateFile: file, readinessDelayMs: 0 });
  });
  afterAll(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("leaves an expired token in the file until the next change, while every read treats it as gone", async () => {
    const api = new Api(emu.url);
    const control = controlOf(emu.url);
    const policy = (
      await api.post("/api/v1/accesspolicies?region=us", { ...POLICY, scopes: ["stacks:read"] })
    ).body;
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    const token = (
      await api.post("/api/v1/tokens?region=us", { accessPolicyId: policy.id, name: "soon", expiresAt })
    ).body;
    expect((await new Api(emu.url, token.token).get("/api/instances")).status).toBe(200);
    const saved = readFileSync(file, "utf8");

    await control.advanceClock(61);
    expect((await api.get(`/api/v1/tokens/${token.id}?region=us`)).status).toBe(404);
    expect((await api.get("/api/v1/tokens?region=us")).body.items).toEqual([]);
    expect((await new Api(emu.url, token.token).get("/api/instances")).status).toBe(401);
    expect((await control.state()).tokens).toEqual([]);
    // Reads, a refused credential and the state dump wrote nothing.
    expect(readFileSync(file, "utf8")).toBe(saved);
    expect(JSON.parse(saved).tokens.map((t: { name: string }) => t.name)).toEqual(["soon"]);

    // The next change drops the expired token for good.
    expect((await api.post("/api/v1/accesspolicies?region=us", { ...POLICY, name: "other" })).status).toBe(
      200,
    );
    const after = JSON.parse(readFileSync(file, "utf8"));
    expect(after.tokens).toEqual([]);
    expect(after.policies.map((p: { name: string }) => p.name)).toEqual(["stack-readers", "other"]);
  });

  it("does not write the file for a refused change", async () => {
    await controlOf(emu.url).reset();
    const saved = readFileSync(file, "utf8");
    const api = new Api(emu.url);
    expect((await api.post("/api/v1/accesspolicies?region=us", { ...POLICY, scopes: [] })).status).toBe(400);
    expect((await api.post("/api/instances", { name: "x", slug: "my-stack" })).status).toBe(409);
    expect(readFileSync(file, "utf8")).toBe(saved);
  });
});
