/**
 * Errors the resources share: the partial failure (an object made but not fully usable), and the
 * sentences that say why the API refused a request, so every resource words them alike.
 */
import { isInvalidArgumentError } from "../../client/errors";

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

/** The API's own message of an error, when it gave one. */
export function apiMessageOf(e: unknown): string | undefined {
  const m = e instanceof Error ? (e as { apiMessage?: unknown }).apiMessage : undefined;
  return typeof m === "string" && m.trim() !== "" ? m.trim() : undefined;
}

/**
 * "the API refused an argument: <its message>". For a caller that knows the error is one (e.g. a
 * 404 that names an unknown region in answer to a create); `refusedArgument` decides by itself.
 */
export function refusedArgumentSentence(e: unknown): string {
  const m = apiMessageOf(e);
  return m
    ? `the API refused an argument: ${m}. Correct it and run again`
    : "the API refused an argument (it gave no reason). Check the inputs and run again";
}

/**
 * The sentence for an invalid argument, in either form the service uses (409 `InvalidArgument`,
 * 400) or the contract's (409 `Conflict` with a message that reads like one); undefined otherwise.
 */
export function refusedArgument(e: unknown): string | undefined {
  return isInvalidArgumentError(e) ? refusedArgumentSentence(e) : undefined;
}

/** For a refusal that is neither a bad argument nor a taken name: the API's own words. */
export function refusedRequest(e: unknown): string {
  const m = apiMessageOf(e);
  return m ? `the API refused the request: ${m}` : "the API refused the request without saying why";
}
