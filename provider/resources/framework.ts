/**
 * Machinery shared by every resource: input validation with zod that tolerates preview's unknown
 * values, explicit field-by-field diffs (sets compared as sets, instants as instants), and the
 * partial-failure error that lets the engine record a half-made object.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/** The sentinel that unknown values carry into `check` and `diff` during preview (DESIGN.md rule 6). */
export const UNKNOWN = pulumi.runtime.unknownValue as string;

export type Path = (string | number)[];
type Obj = Record<string, unknown>;

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

/** Every path in `value` whose value is unknown. */
export function unknownPaths(value: unknown, at: Path = []): Path[] {
  if (isUnknown(value)) return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, [...at, i]));
  if (value && typeof value === "object") {
    return Object.entries(value as Obj).flatMap(([k, v]) => unknownPaths(v, [...at, k]));
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

export interface Checked<T> {
  /** Normalized inputs (defaults applied) when every value is known and valid. */
  value?: T;
  failures: pulumi.dynamic.CheckFailure[];
  /** Inputs to hand back to the engine. */
  inputs: Obj;
}

/**
 * Validates `news` against `schema`. Failures under an unknown value are dropped (the value will
 * be checked again once known). Each failure's reason starts with the property path so the
 * engine's one-line message names it.
 */
export function validate<T>(schema: z.ZodType<T>, news: Obj, applyDefaults: (raw: Obj) => Obj): Checked<T> {
  const raw: Obj = {};
  for (const [k, v] of Object.entries(news)) if (k !== "__provider" && v !== undefined) raw[k] = v;
  const unknowns = unknownPaths(raw);
  const parsed = schema.safeParse(raw);
  if (parsed.success) {
    const inputs = applyDefaults(parsed.data as Obj);
    return { value: inputs as T, failures: [], inputs };
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
  // Some values are unknown (preview): normalize each fully known property on its own, so the
  // plan shows the values `up` will use (e.g. a numeric realm identifier as a string).
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  const normalized: Obj = { ...raw };
  for (const [k, v] of Object.entries(raw)) {
    const field = shape?.[k];
    if (!field || unknownPaths(v).length > 0) continue;
    const r = field.safeParse(v);
    if (r.success) normalized[k] = r.data;
  }
  return { failures, inputs: applyDefaults(normalized) };
}

/** Turns a validation result into what the engine's `check` expects. */
export function checkResult<T>(c: Checked<T>): pulumi.dynamic.CheckResult {
  return c.failures.length > 0 ? { inputs: c.inputs, failures: c.failures } : { inputs: c.inputs };
}

// ---------------------------------------------------------------------------------------------
// Diffs

/** Canonical JSON: object keys sorted, undefined dropped, so equal values print equal. */
export function canonical(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Obj = {};
    for (const k of Object.keys(v as Obj).sort()) {
      const x = (v as Obj)[k];
      if (x !== undefined && x !== null) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** How one field compares; `norm` maps old output and new input to comparable values. */
export interface FieldRule {
  /** A change of this field needs a new object. */
  replace?: boolean;
  /** Maps a value (old output or new input) to its canonical form before comparing. */
  norm?: (v: unknown) => unknown;
}

export const norms = {
  /** Arrays as sets (order and duplicates do not matter). */
  set:
    (inner: (v: unknown) => unknown = (x) => x) =>
    (v: unknown): unknown =>
      Array.isArray(v) ? [...new Set(v.map((x) => canonical(inner(x))))].sort() : [],
  /** Timestamps as instants: `2030-01-01T00:00:00Z` equals `2030-01-01T00:00:00.000Z`. */
  instant: (v: unknown): unknown => {
    if (v === undefined || v === null || v === "") return null;
    const t = Date.parse(String(v));
    return Number.isNaN(t) ? String(v) : t;
  },
  /** Missing and empty string are the same. */
  optionalString: (v: unknown): unknown => (v === undefined || v === null ? "" : v),
  /** Maps compared by content; missing equals empty. */
  map: (v: unknown): unknown => canonical(v ?? {}),
  withDefault:
    (d: unknown) =>
    (v: unknown): unknown =>
      v === undefined || v === null ? d : v,
};

export interface FieldDiff {
  changes: string[];
  replaces: string[];
}

/** Compares every declared field; an unknown new value counts as a change. */
export function diffFields(rules: Record<string, FieldRule>, olds: Obj, news: Obj): FieldDiff {
  const changes: string[] = [];
  const replaces: string[] = [];
  for (const [field, rule] of Object.entries(rules)) {
    const n = news[field];
    let changed: boolean;
    if (unknownPaths(n).length > 0) changed = true;
    else {
      const norm = rule.norm ?? ((x: unknown) => x);
      changed = canonical(norm(olds[field])) !== canonical(norm(n));
    }
    if (changed) {
      changes.push(field);
      if (rule.replace) replaces.push(field);
    }
  }
  return { changes, replaces };
}

export function diffResult(d: FieldDiff, deleteBeforeReplace = false): pulumi.dynamic.DiffResult {
  if (d.replaces.length === 0) return { changes: d.changes.length > 0 };
  return {
    changes: true,
    replaces: d.replaces,
    ...(deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * Thrown when the object was made but is not fully usable (e.g. a stack that did not become ready
 * in time). The provider host reads `id` and `properties` and the engine records the object in
 * state, so it is never orphaned (DESIGN.md rule 8).
 */
export class PartialFailureError extends Error {
  override name = "PartialFailureError";
  readonly id: string;
  readonly properties: Obj;
  readonly reasons: string[];
  constructor(message: string, id: string, properties: Obj) {
    super(message);
    this.id = id;
    this.properties = properties;
    this.reasons = [message];
  }
}

/** Prefixes an error's message with what we were doing, keeping its class and fields. */
export function withContext<E>(e: E, what: string): E {
  if (e instanceof Error && !e.message.startsWith(what)) e.message = `${what}: ${e.message}`;
  return e;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Drops undefined values, so optional properties stay absent under exactOptionalPropertyTypes. */
export type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};
export function compact<T extends Obj>(o: T): Compact<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Compact<T>;
}

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
 * Parses inputs the engine hands to create/update: `check` already validated them, but they carry
 * the serialized provider (`__provider`), which the strict schemas would refuse.
 */
export function parseInputs<S extends z.ZodType>(schema: S, raw: Obj): z.output<S> {
  const clean: Obj = {};
  for (const [k, v] of Object.entries(raw)) if (k !== "__provider" && v !== undefined) clean[k] = v;
  const parsed = schema.safeParse(clean);
  if (parsed.success) return parsed.data;
  const reasons = parsed.error.issues.map((i) => `${formatPath(i.path) || "(inputs)"}: ${i.message}`);
  throw new Error(`invalid inputs: ${reasons.join("; ")}`);
}

/**
 * An output derived from the resource id. The dynamic-provider host does not preview updates, so
 * while an update is previewed every output that is not an input is unknown, but the id stays
 * known. Outputs that equal (a part of) the id are taken from it, so dependents that consume them
 * (a Token's accessPolicyId, a realm's stack id) stay known and the plan does not announce a
 * replacement that `up` will not make.
 */
export function idOutput<T>(resource: pulumi.CustomResource, fromId: (id: string) => T): pulumi.Output<T> {
  return resource.id.apply(fromId);
}

/**
 * Runs the look-up that follows a lost create response. If it fails too, the error says that the
 * object may have been made, so the user knows why a later run may meet a conflict.
 */
export async function afterLostResponse<T>(
  where: string,
  what: string,
  /** What to do if the next run meets the object, e.g. "set adoptExisting: true". */
  fix: string,
  lookup: () => Promise<T>,
): Promise<T> {
  try {
    return await lookup();
  } catch (e) {
    throw withContext(
      e,
      `${where}: the response to the create was lost, and looking for the ${what} it may have made failed ` +
        `too. Run \`pulumi up\` again; if it then reports that the ${what} already exists, it is the one ` +
        `made here: ${fix}`,
    );
  }
}

/** Clock skew tolerated when deciding whether a found object was made by our own attempt. */
const SKEW_MS = 5 * 60_000;

/**
 * Whether an object found after a lost create response was made since `startedAt` (our attempt),
 * allowing for clock skew. An object without a creation time counts as ours.
 */
export function madeSince(createdAt: string | null | undefined, startedAt: number): boolean {
  const created = createdAt ? Date.parse(createdAt) : startedAt;
  return created >= startedAt - SKEW_MS;
}
