/**
 * A Pulumi program that declares the resources listed in `resources.json` beside it: the engine and
 * fault suites write that file (one program, many declarations) and run the real CLI on the project.
 * A value `{ "$ref": "<name>", "output": "<output>", "string": true }` is that output of a resource
 * declared earlier in the list (`string`: converted with String), as a program would wire it.
 * `outputs` become the stack outputs, by the same kind of reference.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  AccessPolicy,
  PluginInstallation,
  Stack,
  StackApiKey,
  StackServiceAccount,
  StackServiceAccountToken,
  Token,
} from "pulumi-grafana-cloud";

interface Declared {
  kind:
    | "Stack"
    | "AccessPolicy"
    | "Token"
    | "PluginInstallation"
    | "StackApiKey"
    | "StackServiceAccount"
    | "StackServiceAccountToken";
  name: string;
  args: unknown;
}
interface Spec {
  resources: Declared[];
  outputs?: Record<string, unknown>;
}

const spec = JSON.parse(fs.readFileSync(path.join(__dirname, "resources.json"), "utf8")) as Spec;
const made = new Map<string, pulumi.CustomResource>();

function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== "object") return value;
  const ref = value as { $ref?: unknown; output?: unknown; string?: unknown };
  if (typeof ref.$ref === "string" && typeof ref.output === "string") {
    const resource = made.get(ref.$ref);
    if (!resource) throw new Error(`resources.json: ${ref.$ref} is not declared before its use`);
    const output = (resource as unknown as Record<string, pulumi.Output<unknown>>)[ref.output];
    if (!output) throw new Error(`resources.json: ${ref.$ref} has no output ${ref.output}`);
    return ref.string ? output.apply(String) : output;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
}

// The args are whatever the suite wrote, bad input included: the providers' check judges them.
type AnyArgs = any;
const constructors: Record<Declared["kind"], (name: string, args: AnyArgs) => pulumi.CustomResource> = {
  Stack: (name, args) => new Stack(name, args),
  AccessPolicy: (name, args) => new AccessPolicy(name, args),
  Token: (name, args) => new Token(name, args),
  PluginInstallation: (name, args) => new PluginInstallation(name, args),
  StackApiKey: (name, args) => new StackApiKey(name, args),
  StackServiceAccount: (name, args) => new StackServiceAccount(name, args),
  StackServiceAccountToken: (name, args) => new StackServiceAccountToken(name, args),
};

for (const d of spec.resources) {
  made.set(d.name, constructors[d.kind](d.name, resolve(d.args)));
}

export = resolve(spec.outputs ?? {});
