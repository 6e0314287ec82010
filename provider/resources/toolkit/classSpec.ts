/**
 * What a resource class needs of its definition when a program constructs it: the kind, the
 * output names, the secret outputs and the outputs read from the id. It is data, with no schema
 * library behind it, so that a program loads none of what only the provider host needs
 * (classSpecs.ts holds it for every kind; a unit test checks it against the definitions).
 */

/**
 * An output taken from the resource id: the whole id, or segment `part` of the id split at "/"
 * (for `stackSlug/keyId`, `{ part: 1, as: "number" }`), as a string or a number. Kept known while
 * the id is, so dependents stay known in a plan.
 */
export interface IdPart {
  readonly part?: number;
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

/** The value of an id output; an id without that part (or not a number where one is due) throws. */
export function idPart(id: string, p: IdPart): string | number {
  const value = p.part === undefined ? id : id.split("/")[p.part];
  const where = p.part === undefined ? "" : ` (part ${p.part + 1} of its "/"-separated parts)`;
  if (!value) throw new Error(`resource id "${id}" has no value${where}`);
  if (p.as === "string") return value;
  if (!/^\d+$/.test(value)) throw new Error(`resource id "${id}"${where} is not a number`);
  return Number(value);
}
