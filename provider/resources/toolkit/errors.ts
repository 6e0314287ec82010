/**
 * The partial-failure error: the object was made but is not fully usable (e.g. a stack that did
 * not become ready in time). The dynamic provider host reads `id` and `properties` from it and the
 * engine records the object in state, so it is never orphaned.
 */
export class PartialFailureError extends Error {
  override name = "PartialFailureError";
  readonly id: string;
  readonly properties: Record<string, unknown>;
  readonly reasons: string[];
  constructor(message: string, id: string, properties: object) {
    super(message);
    this.id = id;
    this.properties = { ...properties };
    this.reasons = [message];
  }
}
