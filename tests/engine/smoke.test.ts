// The real engine, end to end, with the smallest possible dynamic resources: proves that the CLI
// built by scripts/ensure-pulumi.sh, the file backend, the Automation API inline program and the
// dynamic-provider host from @pulumi/pulumi work together here, and that a serialized provider's
// `require(...)` resolves this package through the workspace's node_modules (the thin-stub
// mechanism every resource of this package relies on).
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
jest.setTimeout(900_000);

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
        hostCwd: process.cwd(),
      },
    };
  },
};

class Resolver extends pulumi.dynamic.Resource {
  declare readonly packageName: pulumi.Output<string>;
  declare readonly manifestPath: pulumi.Output<string>;
  declare readonly mainPath: pulumi.Output<string>;
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
        hostCwd: undefined,
      },
      {},
      "engine-smoke",
      "Resolver",
    );
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
});
