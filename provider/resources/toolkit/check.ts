/**
 * Input checking: zod validation that tolerates preview's unknown values, with the schema as the
 * one source of defaults, and the parse of the inputs that create and update receive.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/** A property bag as the engine hands it over: unvalidated, perhaps with unknown values. */
export type Props = Record<string, unknown>;

/** The sentinel that unknown values carry into `check` and `diff` during preview. */
export const UNKNOWN: string = pulumi.runtime.unknownValue;

export type Path = (string | number)[];

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

/** Every path in `value` whose value is unknown. */
export function unknownPaths(value: unknown, at: Path = []): Path[] {
  if (isUnknown(value)) return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, [...at, i]));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, [...at, k]));
  }
  return [];
}

/** `realms[0].labelPolicies[1].selector` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** True when `prefix` is `path` or one of its ancestors. */
const isPrefix = (prefix: readonly PropertyKey[], path: readonly PropertyKey[]) => {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== path[i]) return false;
  return true;
};

/** The bag without the serialized provider and without undefined values. */
function clean(news: Props): Props {
  const raw: Props = {};
  for (const [k, v] of Object.entries(news)) if (k !== "__provider" && v !== undefined) raw[k] = v;
  return raw;
}

/**
 * Sets defaults that follow another input (a display name that defaults to the name): for each
 * field, the field whose value it takes when not set. An unknown source gives an unknown default.
 */
function applyDerived<T extends Props>(bag: T, derived: Readonly<Record<string, string | undefined>>): T {
  const out = { ...bag };
  const view: Props = out;
  for (const [field, source] of Object.entries(derived)) {
    if (source !== undefined && view[field] === undefined && view[source] !== undefined)
      view[field] = view[source];
  }
  return out;
}

export interface Checked<T> {
  /** Normalized inputs (defaults applied) when every value is known and valid. */
  value?: T;
  failures: pulumi.dynamic.CheckFailure[];
  /** Inputs to hand back to the engine. */
  inputs: Props;
}

/**
 * Validates `news` against `schema`. Failures under an unknown value are dropped (the value will
 * be checked again once known). Each failure's reason starts with the property path so the
 * engine's one-line message names it. Defaults come from the schema, also while some values are
 * unknown, then the derived ones.
 */
export function validate<S extends z.ZodObject>(
  schema: S,
  news: Props,
  derived: Readonly<Record<string, string | undefined>> = {},
): Checked<z.output<S>> {
  const raw = clean(news);
  const unknowns = unknownPaths(raw);
  const parsed = schema.safeParse(raw);
  if (parsed.success) {
    const value = applyDerived(parsed.data, derived);
    return { value, failures: [], inputs: value };
  }
  const failures: pulumi.dynamic.CheckFailure[] = [];
  for (const issue of parsed.error.issues) {
    // A failure at or under an unknown value waits until the value is known; failures of the
    // object that holds an unknown value (a typo beside it, too many labels) are still reported.
    if (unknowns.some((u) => isPrefix(u, issue.path))) continue;
    let path = issue.path;
    let reason = issue.message;
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const p = formatPath([...path, key]);
        failures.push({ property: p, reason: `${p}: is not a known property of this resource` });
      }
      continue;
    }
    // A bad map key: zod wraps the key schema's own message, which names the rule.
    if (issue.code === "invalid_key" && issue.issues[0]) reason = issue.issues[0].message;
    if (path.length === 0) path = ["(inputs)"];
    const p = formatPath(path);
    if (reason.startsWith("Invalid input: expected") && reason.endsWith("received undefined")) {
      reason = "is required";
    }
    failures.push({ property: p, reason: `${p}: ${reason}` });
  }
  if (failures.length > 0) return { failures, inputs: raw };
  // Some values are unknown (preview): normalize each fully known property on its own, so the plan
  // shows the values `up` will use (e.g. a numeric realm identifier as a string), and let the
  // schema fill in what is not set.
  const normalized: Props = { ...raw };
  for (const [k, field] of Object.entries(schema.shape)) {
    const v = raw[k];
    if (unknownPaths(v).length > 0) continue;
    const r = field.safeParse(v);
    if (r.success && r.data !== undefined) normalized[k] = r.data;
  }
  return { failures, inputs: applyDerived(normalized, derived) };
}

/**
 * Parses inputs the engine hands to create and update: `check` already validated them, but they
 * carry the serialized provider (`__provider`), which the strict schemas would refuse.
 */
export function parseInputs<S extends z.ZodObject>(
  schema: S,
  raw: Props,
  derived: Readonly<Record<string, string | undefined>> = {},
): z.output<S> {
  const parsed = schema.safeParse(clean(raw));
  if (parsed.success) return applyDerived(parsed.data, derived);
  const reasons = parsed.error.issues.map((i) => `${formatPath(i.path) || "(inputs)"}: ${i.message}`);
  throw new Error(`invalid inputs: ${reasons.join("; ")}`);
}

/** The value each field of `schema` takes when it is not set, for the fields that have one. */
export function schemaDefaults(schema: z.ZodObject): Props {
  const out: Props = {};
  for (const [k, field] of Object.entries(schema.shape)) {
    const r = field.safeParse(undefined);
    if (r.success && r.data !== undefined) out[k] = r.data;
  }
  return out;
}

/** The values of `props` under the keys of `schema` (e.g. the inputs among a resource's outputs). */
export function pickKeys(schema: z.ZodObject, props: Props): Props {
  const out: Props = {};
  for (const k of Object.keys(schema.shape)) if (props[k] !== undefined) out[k] = props[k];
  return out;
}
