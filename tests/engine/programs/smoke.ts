/**
 * The smoke test's program: the smallest dynamic resources, chosen by the `mode` config of the
 * `engine-smoke` project. `echo`: one resource whose outputs echo its inputs. `resolver`: one
 * resource that reports, from inside the dynamic-provider host, where this package resolves from.
 * `probe`: ten resources that report what reached the provider host (config, environment) and
 * when each create ran.
 */
import * as pulumi from "@pulumi/pulumi";

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
 * starts at the host's working directory: the project, whose node_modules has the package.
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
    const outputs = { packageName: undefined, packageVersion: undefined, manifestPath: undefined };
    const paths = { mainPath: undefined, dynamicPath: undefined, hostCwd: undefined };
    super(resolverProvider, name, { ...outputs, ...paths }, {}, "engine-smoke", "Resolver");
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

function program(mode: string): Record<string, unknown> {
  switch (mode) {
    case "echo": {
      const echo = new Echo("hello", { message: "hello" });
      return { id: echo.id, length: echo.length };
    }
    case "resolver": {
      const r = new Resolver("resolver");
      return {
        packageName: r.packageName,
        manifestPath: r.manifestPath,
        mainPath: r.mainPath,
        dynamicPath: r.dynamicPath,
        hostCwd: r.hostCwd,
      };
    }
    case "probe":
      for (let index = 0; index < 10; index++) new Probe(`probe-${index}`, { index, sleepMs: 3000 });
      return {};
    default:
      throw new Error(`engine-smoke:mode must be echo, resolver or probe, not ${mode}`);
  }
}

export = program(new pulumi.Config().require("mode"));
