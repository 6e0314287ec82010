/**
 * The base class of every resource: the constructor work all of them share (the serialized
 * provider stub, the output names, secret outputs, the type token, outputs taken from the id).
 * Each resource class declares its outputs by merging an interface with it:
 *
 *     export interface Token extends OutputsOf<TokenOutputs> {}
 *     export class Token extends GrafanaResource { ... }
 */
import * as pulumi from "@pulumi/pulumi";
import { providerStub } from "../stub";
import type { ClassSpec } from "./define";

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

/** A Grafana Cloud resource, type token `pulumi-nodejs:dynamic/grafana-cloud:<kind>`. */
export abstract class GrafanaResource extends pulumi.dynamic.Resource {
  protected constructor(spec: ClassSpec, name: string, args: object, opts?: pulumi.CustomResourceOptions) {
    const options =
      spec.secrets.length > 0
        ? pulumi.mergeOptions(opts, { additionalSecretOutputs: [...spec.secrets] })
        : opts;
    super(
      providerStub(spec.kind),
      name,
      withOutputs(args, spec.outputNames),
      options,
      "grafana-cloud",
      spec.kind,
    );
    for (const [output, fromId] of spec.idOutputs) Reflect.set(this, output, this.id.apply(fromId));
  }
}
