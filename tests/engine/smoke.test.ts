// The real engine, end to end, with the smallest possible dynamic resources: proves that the CLI
// built by scripts/ensure-pulumi.sh, the file backend, the Automation API inline program and the
// dynamic-provider host from @pulumi/pulumi work together here, and that a serialized provider's
// `require(...)` resolves this package through the workspace's node_modules (the thin-stub
// mechanism every resource of this package relies on).
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import {
  createEngineProject,
  declaredResources,
  type EngineProject,
  findRepoRoot,
  stateResources,
} from "../../scripts/lib/engine";

// Jest ignores `testTimeout` inside a `projects` entry, so engine files set it themselves.

const repoRoot = findRepoRoot(__dirname);

/** Echoes its inputs and makes up an id; diff compares the one input it has. */
const echoProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return {
      id: `echo-${String(inputs["message"])}`,
      outs: { ...inputs, length: String(inputs["message"]).length },
    };
  },
  async diff(_id, olds, news) {
    const changed = olds["message"] !== news["message"];
    return { changes: changed, replaces: changed ? ["message"] : [] };
  },
};

class Echo extends pulumi.dynamic.Resource {
  declare readonly message: pulumi.Output<string>;
  declare readonly length: pulumi.Output<number>;
  constructor(name: string, args: { message: pulumi.Input<string> }) {
    super(echoProvider, name, { ...args, length: undefined }, {}, "engine-smoke", "Echo");
  }
}

/**
 * Reports, from inside the dynamic-provider host, where this package resolves from. The free
 * `require` is the host module's own (serializeFunction never captures `require`), so resolution
 * starts at the host's working directory: the workspace, whose node_modules links the package.
 */
const resolverProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    const manifest = require("pulumi-grafana-cloud/package.json") as { name: string; version: string };
    return {
      id: `${manifest.name}@${manifest.version}`,
      outs: {
        packageName: manifest.name,
        packageVersion: manifest.version,
        manifestPath: require.resolve("pulumi-grafana-cloud/package.json"),
        mainPath: require.resolve("pulumi-grafana-cloud"),
        dynamicPath: require.resolve("pulumi-grafana-cloud/dynamic"),
        hostCwd: process.cwd(),
      },
    };
  },
};

class Resolver extends pulumi.dynamic.Resource {
  declare readonly packageName: pulumi.Output<string>;
  declare readonly manifestPath: pulumi.Output<string>;
  declare readonly mainPath: pulumi.Output<string>;
  declare readonly dynamicPath: pulumi.Output<string>;
  declare readonly hostCwd: pulumi.Output<string>;
  constructor(name: string) {
    super(
      resolverProvider,
      name,
      {
        packageName: undefined,
        packageVersion: undefined,
        manifestPath: undefined,
        mainPath: undefined,
        dynamicPath: undefined,
        hostCwd: undefined,
      },
      {},
      "engine-smoke",
      "Resolver",
    );
  }
}

/**
 * Reports what reached the dynamic-provider host: the stack config given to `configure` (the token
 * only as a digest, so the test can compare it without the state holding it), an environment
 * variable of the engine process, and when each create ran, to show how calls overlap.
 */
const probeProvider: pulumi.dynamic.ResourceProvider & { seen?: Record<string, string | undefined> } = {
  async configure(req) {
    const token = req.config.get("grafana-cloud:accessPolicyToken");
    this.seen = {
      url: req.config.get("grafana-cloud:url"),
      tokenSha256:
        token === undefined
          ? undefined
          : require("node:crypto").createHash("sha256").update(token).digest("hex"),
      marker: process.env["ENGINE_SMOKE_MARKER"],
    };
  },
  async create(inputs) {
    const startedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, Number(inputs["sleepMs"])));
    return {
      id: `probe-${String(inputs["index"])}`,
      outs: { ...inputs, ...this.seen, startedAt, finishedAt: Date.now(), hostPid: process.pid },
    };
  },
};

class Probe extends pulumi.dynamic.Resource {
  constructor(name: string, args: { index: number; sleepMs: number }) {
    const outputs = { url: undefined, tokenSha256: undefined, marker: undefined };
    const timing = { startedAt: undefined, finishedAt: undefined, hostPid: undefined };
    super(probeProvider, name, { ...args, ...outputs, ...timing }, {}, "engine-smoke", "Probe");
  }
}

/** The URNs whose step the engine reported as `op` (from resource outputs events). */
function stepsOf(events: EngineEvent[], op: string): string[] {
  return events.flatMap((e) =>
    e.resOutputsEvent?.metadata.op === op ? [e.resOutputsEvent.metadata.urn] : [],
  );
}

describe("the real Pulumi engine", () => {
  let project: EngineProject | undefined;
  afterEach(async () => {
    await project?.dispose();
    project = undefined;
  });

  test("up, a clean preview, and destroy of a trivial dynamic resource", async () => {
    project = await createEngineProject({
      projectName: "engine-smoke",
      program: async () => {
        const echo = new Echo("hello", { message: "hello" });
        return { id: echo.id, length: echo.length };
      },
    });

    const up = await project.up();
    expect(up.result.summary.result).toBe("succeeded");
    // The stack resource counts as a create too; the one resource the program declared is the other.
    expect(up.result.summary.resourceChanges).toEqual({ create: 2 });
    const created = stepsOf(up.events, "create").filter((urn) => urn.includes("engine-smoke:Echo"));
    expect(created).toHaveLength(1);
    expect(up.output).toMatch(/2 created/);
    expect(up.result.outputs["id"]?.value).toBe("echo-hello");
    expect(up.result.outputs["length"]?.value).toBe(5);

    const afterUp = await project.exportState();
    const declared = declaredResources(afterUp);
    expect(declared).toHaveLength(1);
    expect(declared[0]?.type).toBe("pulumi-nodejs:dynamic/engine-smoke:Echo");
    expect(declared[0]?.outputs?.["message"]).toBe("hello");

    // Refresh reads the resource back (the provider has no read, so it is kept as it is).
    const refresh = await project.refresh();
    expect(refresh.result.summary.resourceChanges).toEqual({ same: 2 });

    // A second preview of the same program must report nothing to do (the CLI fails otherwise).
    const preview = await project.preview({ expectNoChanges: true });
    expect(preview.result.changeSummary).toEqual({ same: 2 });

    const destroy = await project.destroy();
    expect(destroy.result.summary.result).toBe("succeeded");
    expect(destroy.result.summary.resourceChanges).toEqual({ delete: 2 });
    expect(stateResources(await project.exportState())).toHaveLength(0);
  });

  test("a serialized provider requires this package through the workspace's node_modules", async () => {
    const mainFile = path.join(repoRoot, "dist", "provider", "index.js");
    if (!fs.existsSync(mainFile)) {
      throw new Error(`${mainFile} is missing: build first (npm run build), as npm run test:engine does`);
    }
    project = await createEngineProject({
      projectName: "engine-resolve",
      program: async () => {
        const resolver = new Resolver("resolver");
        return {
          packageName: resolver.packageName,
          manifestPath: resolver.manifestPath,
          mainPath: resolver.mainPath,
          dynamicPath: resolver.dynamicPath,
          hostCwd: resolver.hostCwd,
        };
      },
    });

    const up = await project.up();
    const outputs = up.result.outputs;
    expect(outputs["packageName"]?.value).toBe("pulumi-grafana-cloud");
    // Node resolves the link to the repository itself, through package.json `exports`.
    expect(outputs["manifestPath"]?.value).toBe(path.join(repoRoot, "package.json"));
    expect(outputs["mainPath"]?.value).toBe(mainFile);
    // The entry point the resources' serialized stubs require.
    expect(outputs["dynamicPath"]?.value).toBe(path.join(repoRoot, "dist", "provider", "dynamic.js"));
    // The host runs in the workspace directory, which is why the link is found.
    expect(fs.realpathSync(String(outputs["hostCwd"]?.value))).toBe(fs.realpathSync(project.workDir));

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
    project = await createEngineProject({
      projectName: "engine-probe",
      config: { "grafana-cloud:url": "http://127.0.0.1:9" },
      secretsConfig: { "grafana-cloud:accessPolicyToken": token },
      env: { ENGINE_SMOKE_MARKER: "from-the-harness" },
      program: async () => {
        for (let index = 0; index < 10; index++) {
          new Probe(`probe-${index}`, { index, sleepMs: 3000 });
        }
      },
    });

    // Ten creates that each wait a second, with room for all of them at once.
    const up = await project.up({ parallel: 10 });
    expect(up.result.summary.resourceChanges).toEqual({ create: 11 });
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
