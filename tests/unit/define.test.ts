/**
 * What `defineResource` generates from a declaration, shown on a small resource of its own (the
 * five real ones have their tables in check.test.ts, diff.test.ts and the provider suite):
 * defaults from the schema, derived defaults, field rules, the natural key, the read-back of
 * inputs, and the shells' error context. No network: the operations are scripted.
 */
import { z } from "zod";
import { NotFoundError, ServerError } from "../../provider/client/errors";
import { Stack } from "../../provider/resources/classes";
import { defineResource, protoKeyPath, UNKNOWN, type Props } from "../../provider/resources/toolkit";
import { rejection } from "../support/emulatorClient";

const inputs = z.strictObject({
  region: z.string().default("us"),
  name: z.string(),
  displayName: z.string().optional(),
  size: z.number().default(3),
  url: z.string().optional(),
  tags: z.array(z.string()).optional(),
});
const outputs = inputs.extend({ displayName: z.string(), thingId: z.string() });

// The shells ask config for a client (no call is made): give it a credential, for this file only.
const ENV_TOKEN = "GRAFANA_CLOUD_ACCESS_POLICY_TOKEN";
const saved = process.env[ENV_TOKEN];
beforeAll(() => {
  process.env[ENV_TOKEN] = "unit-test-token";
});
afterAll(() => {
  if (saved === undefined) delete process.env[ENV_TOKEN];
  else process.env[ENV_TOKEN] = saved;
});

const notFound = () => new NotFoundError({ method: "GET", path: "/api/things/1", status: 404 });
const failing = () => new ServerError({ method: "DELETE", path: "/api/things/1", status: 500 });

/** A thing whose operations answer from `world`, for the shells to wrap. */
function thing(world: {
  read?: () => Promise<z.output<typeof outputs> | undefined>;
  del?: () => Promise<void>;
}) {
  return defineResource({
    kind: "Thing",
    noun: "thing",
    label: "name",
    inputs,
    outputs,
    derived: { displayName: "name" },
    rules: {
      region: { replace: true },
      name: { replace: true },
      displayName: {},
      size: { replace: true },
      url: { onlyWhenDeclared: true },
      tags: { changed: (old, next) => JSON.stringify(old ?? []) !== JSON.stringify(next ?? []) },
    },
    naturalKey: ["region", "name"],
    secrets: ["thingId"],
    idOutputs: { thingId: { as: "string" } },
    hooks: { explain: (e) => (e instanceof ServerError ? "the service had a bad day" : undefined) },
    async create(i) {
      // The derived default is part of the inputs' type: no `?? i.name` here.
      const displayName: string = i.displayName;
      return { id: "1", outs: { ...i, displayName, thingId: "1" } };
    },
    read: async () => (world.read ? world.read() : undefined),
    update: async (_id, _olds, i) => ({ ...i, thingId: "1" }),
    delete: async () => world.del?.(),
  });
}

describe("check", () => {
  const { provider } = thing({});

  test("defaults come from the schema, and derived defaults follow their source", async () => {
    expect(await provider.check({}, { name: "n" })).toEqual({
      inputs: { region: "us", name: "n", displayName: "n", size: 3 },
    });
  });

  test("while values are unknown, the schema's defaults still apply and a derived one follows", async () => {
    const r = await provider.check({}, { name: UNKNOWN, region: "eu" });
    expect(r).toEqual({ inputs: { name: UNKNOWN, displayName: UNKNOWN, region: "eu", size: 3 } });
  });

  test("create receives the parsed inputs without the serialized provider", async () => {
    const made = await provider.create({ name: "n", __provider: "exports.handler = ..." });
    expect(made.outs).toEqual({ region: "us", name: "n", displayName: "n", size: 3, thingId: "1" });
  });
});

describe("diff", () => {
  const { provider } = thing({});
  const olds: Props = { region: "us", name: "n", displayName: "n", size: 3, url: "https://x", thingId: "1" };
  const news: Props = { name: "n", displayName: "n" };

  test("absent inputs compare as the schema's defaults; the API's own url is compared only when declared", async () => {
    expect(await provider.diff("1", olds, news)).toEqual({ changes: false });
    expect(await provider.diff("1", olds, { ...news, url: "https://y" })).toEqual({ changes: true });
  });

  test("a replacement that keeps the natural key deletes first; one that changes it does not", async () => {
    expect(await provider.diff("1", olds, { ...news, size: 4 })).toEqual({
      changes: true,
      replaces: ["size"],
      deleteBeforeReplace: true,
    });
    expect(await provider.diff("1", olds, { ...news, size: 4, name: "m" })).toEqual({
      changes: true,
      replaces: ["name", "size"],
    });
  });

  test("a rule's own comparison decides; an unknown value is a change without asking it", async () => {
    expect(await provider.diff("1", { ...olds, tags: [] }, news)).toEqual({ changes: false });
    expect(await provider.diff("1", olds, { ...news, tags: ["a"] })).toEqual({ changes: true });
    expect(await provider.diff("1", olds, { ...news, tags: UNKNOWN })).toEqual({ changes: true });
  });
});

describe("read, update and delete shells", () => {
  test("read hands back the inputs among the outputs", async () => {
    const outs = { region: "us", name: "n", displayName: "N", size: 3, thingId: "1" };
    const { provider } = thing({ read: async () => outs });
    expect(await provider.read("1", {})).toEqual({
      id: "1",
      props: outs,
      inputs: { region: "us", name: "n", displayName: "N", size: 3 },
    });
  });

  test("gone (undefined or a 404) reads as no id; any other error names the operation", async () => {
    expect(await thing({ read: async () => undefined }).provider.read("1", {})).toEqual({});
    expect(
      await thing({
        read: async () => {
          throw notFound();
        },
      }).provider.read("1", {}),
    ).toEqual({});
    const e = await rejection(
      thing({
        read: async () => {
          throw failing();
        },
      }).provider.read("1", {}),
    );
    expect(e.message).toMatch(/^reading thing 1: Grafana Cloud API DELETE/);
  });

  test("delete: already gone is done; a failure names the object and adds the resource's own hint", async () => {
    await thing({
      del: async () => {
        throw notFound();
      },
    }).provider.delete("1", { name: "n" });
    const e = await rejection(
      thing({
        del: async () => {
          throw failing();
        },
      }).provider.delete("1", { name: "n" }),
    );
    expect(e.message).toMatch(
      /^deleting thing "n" \(1\): the service had a bad day: Grafana Cloud API DELETE/,
    );
  });

  test("update parses the new inputs and hands back the outputs", async () => {
    expect(await thing({}).provider.update("1", {}, { name: "n", size: 4 })).toEqual({
      outs: { region: "us", name: "n", displayName: "n", size: 4, thingId: "1" },
    });
  });
});

describe("a resource without update", () => {
  const immutable = (rules: Record<string, { replace?: boolean }>) =>
    defineResource({
      kind: "Immutable",
      noun: "immutable thing",
      label: "name",
      inputs,
      outputs,
      rules,
      create: async () => ({
        id: "1",
        outs: { region: "us", name: "n", displayName: "n", size: 3, thingId: "1" },
      }),
      read: async () => undefined,
      delete: async () => undefined,
    });

  test("is refused when loaded if a rule would change something in place", () => {
    expect(() => immutable({ name: { replace: true }, displayName: {} })).toThrow(
      "Immutable: without update, every field rule must replace; these do not: displayName",
    );
  });

  test("refuses an in-place update, which its diff never asks for", async () => {
    const e = await rejection(immutable({ name: { replace: true } }).provider.update("1", {}, { name: "n" }));
    expect(e.message).toBe("immutable thing 1: cannot be updated in place; every change replaces it");
  });
});

describe("an own __proto__ key in a program's inputs", () => {
  // The Pulumi SDK rebuilds input maps with plain assignment while serializing them, which drops
  // such a key before the provider's check could see it: the class refuses it in the program.
  test("is found wherever it sits among plain values, and only there", () => {
    const own = (json: string) => JSON.parse(json) as Record<string, unknown>;
    expect(protoKeyPath({ slug: "s", labels: own('{"env": "x", "__proto__": "y"}') })).toBe(
      "labels.__proto__",
    );
    expect(protoKeyPath({ realms: [{ type: "org" }, own('{"__proto__": {}}')] })).toBe("realms[1].__proto__");
    expect(protoKeyPath({ slug: "s", labels: { env: "x" } })).toBeUndefined();
    // A prototype set the ordinary way is not a key.
    expect(protoKeyPath({ labels: { __proto__: { env: "x" } } })).toBeUndefined();
  });

  test("makes the resource's constructor fail, naming the property and the rule", () => {
    expect(() => new Stack("main", { slug: "s", labels: JSON.parse('{"__proto__": "x"}') })).toThrow(
      /^Stack "main": labels\.__proto__: must not be "__proto__": JavaScript \(and the Pulumi SDK, which carries inputs as JavaScript objects\) treats that key as an object's prototype and drops it/,
    );
  });
});
