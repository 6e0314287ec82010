/**
 * Only an error's message reaches the Pulumi engine, so every layer that knows what it was doing
 * says so in front of the message it passes on ("reading token 42: Grafana Cloud API GET ...").
 */

/**
 * Prefixes an error's message with what we were doing, keeping its class and fields. A message
 * that already starts with `what` is left alone, so a caller may give a more specific account that
 * begins with the same words.
 */
export function withContext<E>(e: E, what: string): E {
  if (e instanceof Error && !e.message.startsWith(what)) e.message = `${what}: ${e.message}`;
  return e;
}
