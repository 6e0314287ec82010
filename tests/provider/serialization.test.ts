import * as path from "node:path";
import { Module } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { KINDS } from "../../provider/resources/registry";
import { providerModule } from "../../provider/resources/stub";
import { setPulumiConfig } from "../../provider/config";
import { getClient, MissingCredentialsError, resolveConfig } from "../../provider/config";
import { Token } from "../../provider";

const SECRET = "glc_serialization-secret-abcdef123456";
const repoRoot = path.resolve(__dirname, "..", "..");

/**
 * Evaluates a provider module as the dynamic provider host does (require-from-string: a module
 * without a file name, whose `require` resolves from the working directory) with `dir` as that
 * directory, and returns its exports.
 */
function evaluateAsHost(text: string, dir: string): { handler?: () => unknown } {
  const m = new Module("", module);
  m.filename = "";
  m.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(dir);
  (m as unknown as { _compile(code: string, file: string): void })._compile(text, "");
  return m.exports as { handler?: () => unknown };
}

describe("provider module (__provider)", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    setPulumiConfig(() => undefined);
  });

  test.each(KINDS)("%s: small, holds no credential, requires the installed package", (kind) => {
    process.env["GRAFANA_CLOUD_ACCESS_POLICY_TOKEN"] = SECRET;
    process.env["GRAFANA_CLOUD_API_URL"] = "http://127.0.0.1:9";
    setPulumiConfig((k) => (k === "grafana-cloud:accessPolicyToken" ? `${SECRET}-config` : undefined));
    // A client first, so a credential would be in memory if the module text were built from it.
    getClient();
    const text = providerModule(kind);
    // 0.1.0's serialized closure was about 2.2 KB; this is one line.
    expect(Buffer.byteLength(text, "utf8")).toBeLessThan(160);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("127.0.0.1:9");
    expect(text).toContain('require("pulumi-grafana-cloud/dynamic")');

    // The host's evaluation: `handler()` is this package's implementation of the kind, found
    // through the program directory's node_modules (here the repository's self-link).
    const provider = evaluateAsHost(text, repoRoot).handler?.() as Record<string, unknown>;
    for (const method of ["configure", "check", "diff", "create", "read", "update", "delete"]) {
      expect(typeof provider[method]).toBe("function");
    }
  });

  test("an unknown kind fails with a message naming it", () => {
    expect(() => evaluateAsHost(providerModule("Nope"), repoRoot).handler?.()).toThrow(
      /no implementation of Nope/,
    );
  });

  test("a resource registers its kind's module text as a plain (not secret) input", async () => {
    const registered: { type: string; inputs: Record<string, unknown> }[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push({ type: args.type, inputs: args.inputs as Record<string, unknown> });
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: () => ({}),
      },
      "project",
      "stack",
      true,
    );
    const token = new Token("t", { region: "us", accessPolicyId: "p1", name: "t" });
    await new Promise<void>((resolve) => token.id.apply(() => resolve()));
    expect(registered).toHaveLength(1);
    expect(registered[0]?.type).toBe("pulumi-nodejs:dynamic/grafana-cloud:Token");
    expect(registered[0]?.inputs["__provider"]).toBe(providerModule("Token"));
    expect(registered[0]?.inputs["name"]).toBe("t");
  });
});

describe("credential resolution", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    setPulumiConfig(() => undefined);
  });

  test("a missing token names both ways to set it", () => {
    delete process.env["GRAFANA_CLOUD_ACCESS_POLICY_TOKEN"];
    expect(() => resolveConfig()).toThrow(MissingCredentialsError);
    expect(() => resolveConfig()).toThrow(
      /grafana-cloud:accessPolicyToken.*GRAFANA_CLOUD_ACCESS_POLICY_TOKEN/s,
    );
  });

  test("Pulumi config wins over the environment; the URL defaults to grafana.com", () => {
    process.env["GRAFANA_CLOUD_ACCESS_POLICY_TOKEN"] = "from-env";
    delete process.env["GRAFANA_CLOUD_API_URL"];
    expect(resolveConfig()).toEqual({
      token: "from-env",
      url: "https://grafana.com",
      tokenFrom: "environment",
    });
    setPulumiConfig((k) =>
      k === "grafana-cloud:accessPolicyToken"
        ? "from-config"
        : k === "grafana-cloud:url"
          ? "http://x/"
          : undefined,
    );
    expect(resolveConfig()).toEqual({ token: "from-config", url: "http://x", tokenFrom: "pulumi-config" });
  });
});
