/**
 * What a resource class needs of its definition when a program constructs it: the kind, the
 * output names, the secret outputs and the outputs read from the id. It is data, with no schema
 * library behind it, so that a program loads none of what only the provider host needs
 * (classSpecs.ts holds it for every kind; a unit test checks it against the definitions).
 */

/**
 * An output taken from the resource id: segment `part` of the id split at "/", as a string or a
 * number (for `stackSlug/keyId`, `{ part: 1, as: "number" }`). Kept known while the id is, so
 * dependents stay known in a plan.
 */
export interface IdPart {
  readonly part: number;
  readonly as: "string" | "number";
}

/** An IdPart for an output of type T: "number" exactly when T is a number. */
export type IdPartOf<T> = IdPart & { readonly as: T extends number ? "number" : "string" };

export interface ClassSpec {
  readonly kind: string;
  readonly outputNames: readonly string[];
  readonly secrets: readonly string[];
  readonly idOutputs: readonly (readonly [string, IdPart])[];
}

/** The value of an id output. */
export function idPart(id: string, p: IdPart): string | number {
  const segment = id.split("/")[p.part] ?? "";
  return p.as === "number" ? Number(segment) : segment;
}
