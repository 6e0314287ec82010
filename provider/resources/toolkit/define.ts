/**
 * `defineResource`: a resource is a declaration (kind, input and output schemas, field rules,
 * natural key, secrets, outputs derived from the id) plus its API calls. From it come the provider
 * the dynamic provider host runs (check, diff, create, read, update, delete, each with the shell
 * every resource shares: parsing, the client, error context, "404 means gone") and what the
 * resource class registers (see resource.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { withContext } from "../../client/context";
import { isNotFoundError } from "../../client/errors";
import type { ApiClient } from "../../client/http";
import { getClient } from "../../config";
import { parseInputs, schemaDefaults, validate, type Props } from "./check";
import { diffFields, diffResult, type FieldDiff, type FieldRules } from "./diff";
import { refusedArgument } from "./errors";
import type { ClassSpec, IdPart, IdPartOf } from "./classSpec";
import { keysOf } from "./util";

export type { ClassSpec };

/** The inputs as create and update see them: parsed, defaults applied, derived defaults set. */
export type Resolved<I, D extends keyof I> = I & { [F in D]-?: Exclude<I[F], undefined> };

export interface CreateContext {
  client: ApiClient;
}
export interface OpContext extends CreateContext {
  /** What the operation is, as its error messages start: `deleting token "ci" (id)`. */
  where: string;
}

export interface ResourceSpec<
  K extends string,
  S extends z.ZodObject,
  OS extends z.ZodObject,
  D extends keyof z.output<S> & string,
> {
  /** The type token's last part (`pulumi-nodejs:dynamic/grafana-cloud:<kind>`) and the class name. */
  kind: K;
  /** What messages call one object: "access policy". */
  noun: string;
  /** The input that names one object in messages (its name, its slug); the id if it is absent. */
  label: keyof z.output<S> & string;
  /** The input schema (a strict object): rules with their messages, and every default. */
  inputs: S;
  /** Every output with its type; the inputs among them are what `read` hands back as inputs. */
  outputs: OS;
  /** Defaults that follow another input, e.g. `{ displayName: "name" }`. */
  derived?: { readonly [F in D]: keyof z.output<S> & string };
  /** How each input compares in `diff`; inputs without a rule never show as a change. */
  rules: FieldRules<z.output<S>>;
  /**
   * The inputs that make an object unique (a name per region, a slug): a replacement that keeps
   * them all deletes the old object first, since the new one could not exist beside it.
   */
  naturalKey?: readonly (keyof z.output<S> & string)[];
  /**
   * True when the replacement's new object is sure to get a key of its own, whatever inputs it
   * keeps: it is then made before the old one is deleted (a rotating token's real name is its
   * name suffixed with its expiry, and every generation has its own expiry). `olds` are the stored
   * outputs, `news` the new inputs.
   */
  freshKey?: (olds: Props, news: Props) => boolean;
  /** Outputs the engine keeps encrypted (the dynamic provider host itself takes no secrets). */
  secrets?: readonly (keyof z.output<OS> & string)[];
  /**
   * Outputs equal to (a part of) the resource id. The dynamic-provider host does not preview
   * updates, so while an update is previewed every output that is not an input is unknown, but the
   * id stays known: outputs taken from it keep dependents known (a Token's accessPolicyId, a
   * realm's stack id), so the plan does not announce a replacement that `up` will not make.
   */
  idOutputs?: { readonly [F in keyof z.output<OS>]?: IdPartOf<z.output<OS>[F]> };
  /** When false, a 404 while reading is an error, not "the object is gone" (default true). */
  notFoundMeansGone?: boolean;
  /** What is truly this resource's own. */
  hooks?: {
    /** Further check failures, given inputs that are known and valid. */
    check?: (value: z.output<S>, olds: Props) => pulumi.dynamic.CheckFailure[];
    /**
     * Sees the field diff before the engine does: may refuse it by throwing, or answer another
     * diff (e.g. a replacement that the clock calls for, with no input changed).
     */
    diff?: (d: FieldDiff, olds: Props, news: Props) => FieldDiff | undefined;
    /** A sentence for an error this resource understands better, appended to its message. */
    explain?: (e: unknown) => string | undefined;
    /** The start of update error messages, instead of `updating <noun> "<label>" (<id>)`. */
    updating?: (id: string, news: Resolved<z.output<S>, D>) => string;
    /** The start of delete error messages, instead of `deleting <noun> "<label>" (<id>)`. */
    deleting?: (id: string, props: Props) => string;
  };
  create(inputs: Resolved<z.output<S>, D>, ctx: CreateContext): Promise<{ id: string; outs: z.output<OS> }>;
  /** The object as it is now, or undefined when it is gone. */
  read(id: string, props: Props, ctx: OpContext): Promise<z.output<OS> | undefined>;
  /** Absent: every change replaces (each rule must say `replace`). */
  update?(id: string, olds: Props, news: Resolved<z.output<S>, D>, ctx: OpContext): Promise<z.output<OS>>;
  delete(id: string, props: Props, ctx: OpContext): Promise<void>;
}

/**
 * The provider of one kind: the SDK's own interface, typed by the outputs. What comes in is the
 * engine's property bag (unvalidated, with unknown values during preview; state written by older
 * versions of the package), so every parameter is a `Props` and the toolkit parses it; the results
 * are typed by the outputs schema, and stored outputs (`olds`) by `Partial` of it.
 */
export interface GrafanaProvider<O> extends pulumi.dynamic.ResourceProvider<Props, Partial<O>> {
  check(olds: Props, news: Props): Promise<{ inputs: Props; failures?: pulumi.dynamic.CheckFailure[] }>;
  diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Props): Promise<{ id: string; outs: O }>;
  read(id: string, props?: Props): Promise<{ id?: string; props?: O; inputs?: Partial<O> }>;
  update(id: string, olds: Props, news: Props): Promise<{ outs: O }>;
  delete(id: string, props: Props): Promise<void>;
}

/**
 * A defined kind: its provider, which the dynamic provider host serves (registry.ts), and its class
 * spec, from which `npm run gen:class-specs` writes classSpecs.ts (the resource classes read that
 * zod-free copy, so a program never loads this module).
 */
export interface ResourceDefinition<K extends string, O> extends ClassSpec {
  readonly kind: K;
  readonly provider: GrafanaProvider<O>;
}

/** A check that a derived default really was set, which narrows the inputs' type with it. */
function isResolved<I extends object, D extends keyof I>(v: I, fields: readonly D[]): v is Resolved<I, D> {
  return fields.every((f) => v[f] !== undefined);
}

export function defineResource<
  K extends string,
  S extends z.ZodObject,
  OS extends z.ZodObject,
  D extends keyof z.output<S> & string = never,
>(spec: ResourceSpec<K, S, OS, D>): ResourceDefinition<K, z.output<OS>> {
  type I = z.output<S>;
  type O = z.output<OS>;
  const derived: Readonly<Record<string, string>> = spec.derived ?? {};
  const derivedFields = spec.derived ? keysOf(spec.derived) : [];
  const defaults = schemaDefaults(spec.inputs);
  const naturalKey = spec.naturalKey ?? [];
  const inputKeys = new Set(Object.keys(spec.inputs.shape));
  const { hooks = {}, noun } = spec;
  const label = (props: Props, id: string) => String(props[spec.label] ?? id);
  const update = spec.update;
  if (!update) {
    const inPlace = keysOf(spec.rules).filter((f) => !spec.rules[f]?.replace);
    if (inPlace.length > 0) {
      throw new Error(
        `${spec.kind}: without update, every field rule must replace; these do not: ${inPlace.join(", ")}`,
      );
    }
  }

  const resolve = (raw: Props): Resolved<I, D> => {
    const inputs = parseInputs(spec.inputs, raw, derived);
    if (!isResolved(inputs, derivedFields)) {
      throw new Error(`invalid inputs: ${derivedFields.join(", ")} must be set`);
    }
    return inputs;
  };
  const gone = (e: unknown) => spec.notFoundMeansGone !== false && isNotFoundError(e);
  const explained = (e: unknown, where: string) => {
    const hint = hooks.explain?.(e) ?? refusedArgument(e);
    return withContext(e, hint ? `${where}: ${hint}` : where);
  };

  const provider: GrafanaProvider<O> = {
    async check(olds, news) {
      const c = validate(spec.inputs, news, derived);
      if (c.value && hooks.check) c.failures.push(...hooks.check(c.value, olds));
      return c.failures.length > 0 ? { inputs: c.inputs, failures: c.failures } : { inputs: c.inputs };
    },

    async diff(_id, olds, news) {
      const fields = diffFields(spec.rules, olds, news, defaults);
      const d = hooks.diff?.(fields, olds, news) ?? fields;
      return diffResult(d, naturalKey, spec.freshKey?.(olds, news) ?? false);
    },

    async create(raw) {
      return spec.create(resolve(raw), { client: getClient() });
    },

    async read(id, props = {}) {
      const where = `reading ${noun} ${id}`;
      try {
        const outs = await spec.read(id, props, { client: getClient(), where });
        if (outs === undefined) return {};
        // The inputs among the outputs, so refresh also corrects the stored inputs.
        const inputs: Partial<O> = {};
        for (const k of keysOf(outs)) if (inputKeys.has(k)) inputs[k] = outs[k];
        return { id, props: outs, inputs };
      } catch (e) {
        if (gone(e)) return {};
        throw withContext(e, where);
      }
    },

    async update(id, olds, news) {
      if (!update) {
        // Unreachable through the engine: diff never asks for an in-place update.
        throw new Error(`${noun} ${id}: cannot be updated in place; every change replaces it`);
      }
      const inputs = resolve(news);
      const where = hooks.updating?.(id, inputs) ?? `updating ${noun} "${label(news, id)}" (${id})`;
      try {
        return { outs: await update(id, olds, inputs, { client: getClient(), where }) };
      } catch (e) {
        throw explained(e, where);
      }
    },

    async delete(id, props) {
      const where = hooks.deleting?.(id, props) ?? `deleting ${noun} "${label(props, id)}" (${id})`;
      try {
        await spec.delete(id, props, { client: getClient(), where });
      } catch (e) {
        // Already gone is what delete wanted.
        if (isNotFoundError(e)) return;
        throw explained(e, where);
      }
    },
  };

  return {
    kind: spec.kind,
    provider,
    outputNames: Object.keys(spec.outputs.shape),
    secrets: spec.secrets ?? [],
    idOutputs: spec.idOutputs
      ? keysOf(spec.idOutputs).flatMap((k) => {
          const part: IdPart | undefined = spec.idOutputs?.[k];
          return part ? [[k, part] as const] : [];
        })
      : [],
  };
}
