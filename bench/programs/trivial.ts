/**
 * The benchmark's baseline: the fleet of fleet.ts made of the most trivial dynamic provider a user
 * could write, as Pulumi's documentation shows one (a provider object serialized by Pulumi into
 * each resource's state). Create and delete each make one HTTP call to the same emulator (the same
 * API, the same latency); read makes one GET (so `pulumi refresh` costs one call per resource);
 * check hands the inputs back; diff compares the inputs as JSON. It validates nothing and retries
 * nothing. The emulator's URL and token come from BENCH_API_URL and BENCH_API_TOKEN, which the
 * benchmark sets for this project only.
 */
import * as pulumi from "@pulumi/pulumi";
import { readShape } from "./shape";

type Bag = Record<string, unknown>;

/** One call to the emulator; the answer's body, parsed. */
async function call(method: string, path: string, body?: Bag): Promise<Bag> {
  const res = await fetch(`${process.env["BENCH_API_URL"]}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${process.env["BENCH_API_TOKEN"]}`,
      "Content-Type": "application/json",
      "X-Request-Id": globalThis.crypto.randomUUID(),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Bag) : {};
}

/** A provider for one collection of the API: `idOutput` is the output that repeats the id. */
function trivialProvider(collection: string, idOutput: string, body: (inputs: Bag) => Bag) {
  const provider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
      return { inputs: news };
    },
    async diff(_id, olds, news) {
      const changed = Object.keys(news).some(
        (k) => k !== "__provider" && JSON.stringify(olds[k]) !== JSON.stringify(news[k]),
      );
      return { changes: changed };
    },
    async create(inputs) {
      const made = await call("POST", `/api/v1/${collection}?region=${inputs["region"]}`, body(inputs));
      const id = String(made["id"]);
      return { id, outs: { ...inputs, [idOutput]: id } };
    },
    async read(id, props) {
      await call("GET", `/api/v1/${collection}/${id}?region=${props["region"]}`);
      return { id, props };
    },
    async delete(id, props) {
      await call("DELETE", `/api/v1/${collection}/${id}?region=${props["region"]}`);
    },
  };
  return provider;
}

const policyProvider = trivialProvider("accesspolicies", "policyId", (i) => ({
  name: i["name"],
  scopes: i["scopes"],
  realms: i["realms"],
}));
const tokenProvider = trivialProvider("tokens", "tokenId", (i) => ({
  accessPolicyId: i["accessPolicyId"],
  name: i["name"],
}));

class TrivialPolicy extends pulumi.dynamic.Resource {
  declare readonly policyId: pulumi.Output<string>;
  constructor(name: string, args: Bag) {
    super(policyProvider, name, { ...args, policyId: undefined }, {}, "bench", "TrivialPolicy");
  }
}
class TrivialToken extends pulumi.dynamic.Resource {
  constructor(name: string, args: Bag) {
    super(tokenProvider, name, { ...args, tokenId: undefined }, {}, "bench", "TrivialToken");
  }
}

const shape = readShape(__dirname);
const policies: TrivialPolicy[] = [];
for (let i = 0; i < shape.policies; i++) {
  policies.push(
    new TrivialPolicy(`policy-${i}`, {
      region: shape.region,
      name: `${shape.prefix}-policy-${i}`,
      scopes: ["metrics:read"],
      realms: [{ type: "org", identifier: shape.orgId }],
    }),
  );
}
for (let i = 0; i < shape.tokens; i++) {
  new TrivialToken(`token-${i}`, {
    region: shape.region,
    accessPolicyId: policies[i % policies.length]!.policyId,
    name: `${shape.prefix}-token-${i}`,
  });
}
