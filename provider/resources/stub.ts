/**
 * The serialized provider (`__provider` in state) is this thin stub, nothing else: each method
 * requires the implementation from the installed package when it runs. So the state stays small,
 * holds no credential (the stub captures only the kind), and resources created by an older version
 * of the package run the newer implementation after an upgrade. The kinds are those of
 * registry.ts; `implementation(kind)` in dynamic.ts refuses one it does not know.
 */
import type * as pulumi from "@pulumi/pulumi";

/**
 * One stub object per kind: @pulumi/pulumi caches a provider's serialized text per object, so
 * sharing the object serializes it once per program instead of once per resource (the benchmark
 * measured 12-30 ms of CPU per resource without this).
 */
const stubs = new Map<string, pulumi.dynamic.ResourceProvider>();

export function providerStub(kind: string): pulumi.dynamic.ResourceProvider {
  let stub = stubs.get(kind);
  if (!stub) {
    stub = makeStub(kind);
    stubs.set(kind, stub);
  }
  return stub;
}

function makeStub(kind: string): pulumi.dynamic.ResourceProvider {
  // `require` stays a free reference when serialized: the provider host resolves it from the
  // program's directory, i.e. the installed pulumi-grafana-cloud package.
  const load = (): pulumi.dynamic.ResourceProvider & {
    configure(req: pulumi.dynamic.ConfigureRequest): void;
  } => require("pulumi-grafana-cloud/dynamic").implementation(kind);
  return {
    configure: async (req) => load().configure(req),
    check: async (olds, news) => load().check!(olds, news),
    diff: async (id, olds, news) => load().diff!(id, olds, news),
    create: async (inputs) => load().create(inputs),
    read: async (id, props) => load().read!(id, props),
    update: async (id, olds, news) => load().update!(id, olds, news),
    delete: async (id, props) => load().delete!(id, props),
  };
}
