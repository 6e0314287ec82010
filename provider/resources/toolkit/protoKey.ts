/**
 * `__proto__` keys in the arguments. The Pulumi SDK drops such a key while it serializes the
 * inputs, before the provider's check could see it, so the program looks for one itself.
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * `__proto__` as an object key: JavaScript objects treat it as the prototype, so the key is dropped
 * silently wherever a map is rebuilt (the Pulumi SDK's serialization, schema parsing). Refused,
 * so that what is declared is what is sent.
 */
export const PROTO_KEY_RULE =
  'must not be "__proto__": JavaScript (and the Pulumi SDK, which carries inputs as JavaScript objects) ' +
  "treats that key as an object's prototype and drops it, so it would never reach the API";

/**
 * The path of the first own `__proto__` key among the plain (already known) values of `v`, e.g.
 * `labels.__proto__`. The Pulumi SDK drops such a key while it serializes the inputs, before the
 * provider's check could see it, so it is looked for here, in the program.
 */
export function protoKeyPath(v: unknown, at = ""): string | undefined {
  if (v === null || typeof v !== "object" || pulumi.Output.isInstance(v) || v instanceof Promise) {
    return undefined;
  }
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const found = protoKeyPath(x, `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) {
    const here = at ? `${at}.${k}` : k;
    if (k === "__proto__") return here;
    const found = protoKeyPath(x, here);
    if (found) return found;
  }
  return undefined;
}
