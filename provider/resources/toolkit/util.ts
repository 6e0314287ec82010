/** Small helpers the resource modules share. */

/**
 * Drops undefined and null values, so optional properties stay absent under
 * exactOptionalPropertyTypes (the API writes null for what it does not have).
 */
export type Compact<T> = { [K in keyof T as [Extract<T[K], Absent>] extends [never] ? K : never]: T[K] } & {
  [K in keyof T as [Extract<T[K], Absent>] extends [never] ? never : K]?: Exclude<T[K], Absent>;
};
type Absent = undefined | null;

export function compact<T extends object>(o: T): Compact<T> {
  // The filter is what makes the type true; TypeScript cannot follow it.
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Compact<T>;
}

/** The own keys of `o`, typed as its keys: `k in o` holds for each at run time. */
export function keysOf<T extends object>(o: T): (keyof T & string)[] {
  return Object.keys(o).filter((k): k is keyof T & string => k in o);
}

/** A property of a value of unknown shape (old state, a value not yet validated), or undefined. */
export function propOf(v: unknown, key: string): unknown {
  return v !== null && typeof v === "object" ? Object.getOwnPropertyDescriptor(v, key)?.value : undefined;
}

/** `v` if it is an array, else no elements. */
export function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * `ms` since the epoch as an RFC 3339 string, or undefined when it is not a date JavaScript can
 * hold (beyond ±8.64e15 ms, or not a number): a computed instant must never throw.
 */
export function isoAt(ms: number): string | undefined {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
