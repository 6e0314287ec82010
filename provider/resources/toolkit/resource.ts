/**
 * The resource classes: one base class does the constructor work every resource shares (the
 * provider module, the output names, secret outputs, the type token, outputs taken from
 * the id), and `resourceClass` makes the class of one kind from its class spec (classSpec.ts),
 * typed by its Args and outputs (classes.ts):
 *
 *     export class Token extends resourceClass<TokenArgs, TokenOutputs>(CLASS_SPECS.Token) {}
 *
 * A program loads this module and the specs, never the definitions (or their schema library).
 */
import * as pulumi from "@pulumi/pulumi";
import { providerModule } from "../stub";
import { idPart, type ClassSpec } from "./classSpec";
import { PROTO_KEY_RULE, protoKeyPath } from "./protoKey";
import { trimRegistrationTrace } from "./sourcePosition";

/** The declared outputs of a resource class: every output, as a `pulumi.Output` of its type. */
export type OutputsOf<O> = { readonly [K in keyof O]-?: pulumi.Output<O[K]> };

/**
 * The property bag for a dynamic resource: the args plus every output name set to undefined, so
 * the engine exposes them as outputs of the resource.
 */
export function withOutputs(args: object, outputs: readonly string[]): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const o of outputs) props[o] = undefined;
  for (const [k, v] of Object.entries(args)) if (v !== undefined) props[k] = v;
  return props;
}

/**
 * A Grafana Cloud resource, type token `pulumi-nodejs:dynamic/grafana-cloud:<kind>`: a resource of
 * the Node.js dynamic provider, as `pulumi.dynamic.Resource` makes it, but with the provider
 * module given as text (stub.ts). `pulumi.dynamic.Resource` would serialize a provider object with
 * Pulumi's closure serializer instead, which takes CPU in the program and makes a module ten times
 * longer; the host reads only the `__provider` string either way.
 */
export abstract class GrafanaResource extends pulumi.CustomResource {
  protected constructor(spec: ClassSpec, name: string, args: object, opts?: pulumi.CustomResourceOptions) {
    const proto = protoKeyPath(args);
    if (proto) throw new Error(`${spec.kind} "${name}": ${proto}: ${PROTO_KEY_RULE}`);
    const options =
      spec.secrets.length > 0
        ? pulumi.mergeOptions(opts, { additionalSecretOutputs: [...spec.secrets] })
        : opts;
    const props = withOutputs(args, spec.outputNames);
    if ("__provider" in props) throw new Error(`${spec.kind} "${name}": __provider is not an input`);
    props["__provider"] = providerModule(spec.kind);
    // The engine records the user's line as the source position, not one of this package's.
    const restore = trimRegistrationTrace();
    try {
      super(`pulumi-nodejs:dynamic/grafana-cloud:${spec.kind}`, name, props, options);
    } finally {
      restore();
    }
    for (const [output, part] of spec.idOutputs)
      Reflect.set(
        this,
        output,
        this.id.apply((id) => idPart(id, part)),
      );
  }
}

/** The constructor of a resource class: instances hold every output of `O`. */
export type ResourceClass<Args, O> = new (
  name: string,
  args: Args,
  opts?: pulumi.CustomResourceOptions,
) => GrafanaResource & OutputsOf<O>;

/**
 * The base of the public class of `definition`, whose constructor takes `Args`. The engine sets
 * the outputs on each instance (their names are registered by withOutputs); TypeScript cannot add
 * members from a mapped type to a class, so this signature states them, and the implementation's
 * own signature (without them) is what TypeScript checks the class against.
 */
export function resourceClass<Args extends object, O>(spec: ClassSpec): ResourceClass<Args, O>;
export function resourceClass(spec: ClassSpec): ResourceClass<object, unknown> {
  return class Resource extends GrafanaResource {
    constructor(name: string, args: object, opts?: pulumi.CustomResourceOptions) {
      super(spec, name, args, opts);
    }
  };
}
