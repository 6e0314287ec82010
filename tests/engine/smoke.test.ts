// The real engine, end to end, with the smallest possible dynamic resources: proves that the CLI
// built by scripts/ensure-pulumi.sh, the Node.js language host running a TypeScript program of a
// project directory, the file backend and the dynamic-provider host work together here, and that a
// serialized provider's `require(...)` resolves this package through the project's node_modules
// (the thin-stub mechanism every resource of this package relies on).
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { type CliProject, createCliProject, declaredResources, stateResources } from "../../harness/cli";
import { repoRoot } from "../support/engine";

const PROGRAM = fs.readFileSync(path.join(__dirname, "programs", "smoke.ts"), "utf8");

/** A project running programs/smoke.ts in one of its modes. */
function smokeProject(
  mode: "echo" | "resolver" | "probe",
  extra: {
    config?: Record<string, string>;
    secretsConfig?: Record<string, string>;
    env?: Record<string, string>;
  } = {},
): Promise<CliProject> {
  return createCliProject({
    projectName: "engine-smoke",
    source: { files: { "index.ts": PROGRAM } },
    config: { "engine-smoke:mode": mode, ...extra.config },
    ...(extra.secretsConfig ? { secretsConfig: extra.secretsConfig } : {}),
    ...(extra.env ? { env: extra.env } : {}),
    typeCheck: false,
  });
}

/** The URNs whose step the engine reported as `op` (from resource outputs events). */
function stepsOf(events: EngineEvent[], op: string): string[] {
  return events.flatMap((e) =>
    e.resOutputsEvent?.metadata.op === op ? [e.resOutputsEvent.metadata.urn] : [],
  );
}

describe("the real Pulumi engine", () => {
  let project: CliProject | undefined;
  afterEach(async () => {
    await project?.dispose();
    project = undefined;
  });

  test("up, a clean preview, and destroy of a trivial dynamic resource", async () => {
    project = await smokeProject("echo");

    const up = await project.up();
    // The stack resource counts as a create too; the one resource the program declared is the other.
    expect(up.changes).toEqual({ create: 2 });
    const created = stepsOf(up.events, "create").filter((urn) => urn.includes("engine-smoke:Echo"));
    expect(created).toHaveLength(1);
    expect(up.output).toMatch(/2 created/);
    const outputs = await project.outputs();
    expect(outputs["id"]?.value).toBe("echo-hello");
    expect(outputs["length"]?.value).toBe(5);

    const afterUp = await project.exportState();
    const declared = declaredResources(afterUp);
    expect(declared).toHaveLength(1);
    expect(declared[0]?.type).toBe("pulumi-nodejs:dynamic/engine-smoke:Echo");
    expect(declared[0]?.outputs?.["message"]).toBe("hello");

    // Refresh reads the resource back (the provider has no read, so it is kept as it is).
    const refresh = await project.refresh();
    expect(refresh.changes).toEqual({ same: 2 });

    // A second preview of the same program must report nothing to do (the CLI fails otherwise).
    const preview = await project.preview({ expectNoChanges: true });
    expect(preview.changes).toEqual({ same: 2 });

    const destroy = await project.destroy();
    expect(destroy.changes).toEqual({ delete: 2 });
    expect(stateResources(await project.exportState())).toHaveLength(0);
  });

  test("a serialized provider requires this package through the project's node_modules", async () => {
    const mainFile = path.join(repoRoot, "dist", "provider", "index.js");
    if (!fs.existsSync(mainFile)) {
      throw new Error(`${mainFile} is missing: build first (npm run build), as npm run test:engine does`);
    }
    project = await smokeProject("resolver");

    await project.up();
    const outputs = await project.outputs();
    expect(outputs["packageName"]?.value).toBe("pulumi-grafana-cloud");
    // Node resolves the link to the repository itself, through package.json `exports`.
    expect(outputs["manifestPath"]?.value).toBe(path.join(repoRoot, "package.json"));
    expect(outputs["mainPath"]?.value).toBe(mainFile);
    // The entry point the resources' serialized stubs require.
    expect(outputs["dynamicPath"]?.value).toBe(path.join(repoRoot, "dist", "provider", "dynamic.js"));
    // The host runs in the project directory, which is why the package is found.
    expect(fs.realpathSync(String(outputs["hostCwd"]?.value))).toBe(fs.realpathSync(project.dir));

    // The serialized provider stays a small stub: `require` is emitted as a call, not captured.
    const [resolver] = declaredResources(await project.exportState());
    const serialized = String(resolver?.inputs?.["__provider"]);
    expect(serialized).toContain('require("pulumi-grafana-cloud/package.json")');
    expect(serialized.length).toBeLessThan(4000);

    await project.destroy();
    expect(stateResources(await project.exportState())).toHaveLength(0);
  });

  test("config, secret config and environment reach the provider host, which serves calls concurrently", async () => {
    const token = "glc_engine_smoke_token_0123456789";
    project = await smokeProject("probe", {
      config: { "grafana-cloud:url": "http://127.0.0.1:9" },
      secretsConfig: { "grafana-cloud:accessPolicyToken": token },
      env: { ENGINE_SMOKE_MARKER: "from-the-harness" },
    });

    // Ten creates that each wait a second, with room for all of them at once.
    const up = await project.up({ parallel: 10 });
    expect(up.changes).toEqual({ create: 11 });
    const state = await project.exportState();
    const probes = declaredResources(state);
    expect(probes).toHaveLength(10);
    for (const probe of probes) {
      expect(probe.outputs?.["url"]).toBe("http://127.0.0.1:9");
      expect(probe.outputs?.["tokenSha256"]).toBe(crypto.createHash("sha256").update(token).digest("hex"));
      expect(probe.outputs?.["marker"]).toBe("from-the-harness");
    }
    // The default dynamic provider records the whole stack config as its inputs; the token is
    // kept there as an encrypted secret, in the export as in the state file on disk.
    expect(JSON.stringify(state)).not.toContain(token);
    expect(fs.readFileSync(project.stateFile, "utf8")).not.toContain(token);
    const provider = stateResources(state).find((r) => r.type === "pulumi:providers:pulumi-nodejs");
    expect(provider?.inputs?.["grafana-cloud:accessPolicyToken"]).toHaveProperty("ciphertext");
    expect(up.output).not.toContain(token);

    // One host process serves every call, and all ten creates were in flight at the same time:
    // the last one started before the first one finished.
    expect(new Set(probes.map((p) => p.outputs?.["hostPid"])).size).toBe(1);
    const started = probes.map((p) => Number(p.outputs?.["startedAt"]));
    const finished = probes.map((p) => Number(p.outputs?.["finishedAt"]));
    expect(Math.max(...started)).toBeLessThan(Math.min(...finished));

    await project.destroy();
    expect(stateResources(await project.exportState())).toHaveLength(0);
  });
});
