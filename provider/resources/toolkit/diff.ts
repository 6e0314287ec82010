/**
 * Diffing: explicit field-by-field comparison (sets compared as sets, instants as instants), with
 * the input schema's defaults standing in for absent values, and the rule that a replacement
 * keeping an object's unique name must delete the old object first.
 */
import type * as pulumi from "@pulumi/pulumi";
import { unknownPaths, type Props } from "./check";

/** Canonical JSON: object keys sorted, undefined and null dropped, so equal values print equal. */
export function canonical(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    // No prototype, so an own `__proto__` key stays a key (and shows as a change) instead of
    // setting the prototype and vanishing from the comparison.
    const out: Props = Object.create(null) as Props;
    for (const [k, x] of Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (x !== undefined && x !== null) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** How one field compares. Absent values (old output or new input) take the schema's default first. */
export interface FieldRule {
  /** A change of this field needs a new object. */
  replace?: boolean;
  /** Maps a value (old output or new input) to its canonical form before comparing. */
  norm?: (v: unknown) => unknown;
  /** Compared only when the new inputs set it (the API fills it in when it is not declared). */
  onlyWhenDeclared?: boolean;
  /**
   * A comparison of the field's own, for a rule that needs more than the two values (e.g. the
   * installed version beside the declared one). Not called for an unknown new value: that is a change.
   */
  changed?: (old: unknown, next: unknown, olds: Props) => boolean;
}

/** Field rules keyed by input name: a key that is not an input does not compile. */
export type FieldRules<I> = { readonly [F in keyof I]?: FieldRule };

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
  /**
   * Absent means the same as `value` to the API (e.g. a lifetime of 0 and none both mean "never
   * expires"), though the schema sets no default.
   */
  absentMeans:
    (value: unknown) =>
    (v: unknown): unknown =>
      v === undefined || v === null ? value : v,
};

export interface FieldDiff {
  changes: string[];
  replaces: string[];
}

/** Compares every field that has a rule; an unknown new value counts as a change. */
export function diffFields(
  rules: Readonly<Record<string, FieldRule | undefined>>,
  olds: Props,
  news: Props,
  defaults: Props = {},
): FieldDiff {
  const changes: string[] = [];
  const replaces: string[] = [];
  const orDefault = (v: unknown, field: string) => (v === undefined || v === null ? defaults[field] : v);
  for (const [field, rule] of Object.entries(rules)) {
    if (!rule) continue;
    const n = news[field];
    if (rule.onlyWhenDeclared && n === undefined) continue;
    let changed: boolean;
    if (unknownPaths(n).length > 0) changed = true;
    else {
      const o = orDefault(olds[field], field);
      const next = orDefault(n, field);
      if (rule.changed) changed = rule.changed(o, next, olds);
      else {
        const norm = rule.norm ?? ((x: unknown) => x);
        changed = canonical(norm(o)) !== canonical(norm(next));
      }
    }
    if (changed) {
      changes.push(field);
      if (rule.replace) replaces.push(field);
    }
  }
  return { changes, replaces };
}

/**
 * What the engine gets. `naturalKey` lists the fields that make an object unique (a name per
 * region, a slug): a replacement that keeps all of them must delete the old object first, or the
 * new one would clash with it. `freshKey` says that the new object's key is new whatever the
 * fields (a rotating token's real name carries its expiry, and each generation has its own), so
 * the new object is made before the old one is deleted.
 */
export function diffResult(
  d: FieldDiff,
  naturalKey: readonly string[] = [],
  freshKey = false,
): pulumi.dynamic.DiffResult {
  if (d.replaces.length === 0) return { changes: d.changes.length > 0 };
  const keyKept = !freshKey && naturalKey.length > 0 && !naturalKey.some((f) => d.replaces.includes(f));
  return { changes: true, replaces: d.replaces, ...(keyKept ? { deleteBeforeReplace: true } : {}) };
}
