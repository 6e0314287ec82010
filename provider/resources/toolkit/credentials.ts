/**
 * The credential gate of the hosted provider. `pulumi preview` never calls the API to create or
 * update anything, so with a wrong access token (or none) a preview of new resources used to pass
 * and only `pulumi up` failed, with 401. When the plan writes something (a create: `check` without
 * old inputs; or a `diff` that finds changes) the gate first asks the API whether it accepts the
 * credential, once per provider process and credential, with the cheapest call any valid token can
 * make. A plan that writes nothing makes no call. Only a credential the API refuses outright (401)
 * or a missing one fails: a token that lacks scopes for what the plan does is `up`'s to report,
 * and so is an API that cannot be reached.
 */
import { probeCredential } from "../../api/stacks";
import { CONFIG_TOKEN_KEY, ENV_TOKEN, getClient, resolveConfig, type ResolvedConfig } from "../../config";
import type { ApiClient } from "../../client/http";
import type { Props } from "./check";
import type { GrafanaProvider } from "./define";

/** The API refused the access token: `pulumi up` would fail the same way. */
export class CredentialRejectedError extends Error {
  override name = "CredentialRejectedError";
}

const HOW_TO_SET =
  `pulumi config set --secret ${CONFIG_TOKEN_KEY} <token> (or set the environment variable ${ENV_TOKEN}; ` +
  "the Pulumi config wins when both are set)";

function rejected(cfg: ResolvedConfig, cause: Error): CredentialRejectedError {
  const from =
    cfg.tokenFrom === "pulumi-config"
      ? `the Pulumi config \`${CONFIG_TOKEN_KEY}\``
      : `the environment variable ${ENV_TOKEN}`;
  return new CredentialRejectedError(
    `The Grafana Cloud API at ${cfg.url} rejected the access policy token from ${from}, so \`pulumi up\` ` +
      `would fail. Set a valid token: ${HOW_TO_SET}. ${cause.message}`,
  );
}

/** One verdict per client, i.e. per API URL and credential, for the life of the process. */
const verdicts = new WeakMap<ApiClient, Promise<void>>();

async function verify(client: ApiClient, cfg: ResolvedConfig): Promise<void> {
  try {
    await probeCredential(client);
  } catch (e) {
    // 401 is the API refusing the credential itself; every other answer (a missing scope is 403
    // on this route) or failure leaves the credential's fate to `pulumi up`.
    if (e instanceof Error && e.name === "UnauthorizedError") throw rejected(cfg, e);
  }
}

/**
 * Resolves when the API accepts the configured credential; throws `MissingCredentialsError` when
 * there is none, `CredentialRejectedError` when the API refuses it.
 */
export function requireAcceptedCredential(): Promise<void> {
  const cfg = resolveConfig();
  const client = getClient();
  let verdict = verdicts.get(client);
  if (!verdict) {
    verdict = verify(client, cfg);
    verdicts.set(client, verdict);
  }
  return verdict;
}

/** A create: the engine hands `check` no old inputs. */
const isCreate = (olds: Props) => Object.keys(olds).length === 0;

/**
 * The provider as the dynamic provider host runs it: `check` of a create and `diff` with changes
 * pass through the credential gate; everything else is the provider's own.
 */
export function withCredentialGate<P extends Pick<GrafanaProvider<unknown>, "check" | "diff">>(
  provider: P,
): P {
  return {
    ...provider,
    async check(olds, news) {
      const checked = await provider.check(olds, news);
      // Input failures come first, and cost no call.
      if ((checked.failures ?? []).length === 0 && isCreate(olds)) await requireAcceptedCredential();
      return checked;
    },
    async diff(id, olds, news) {
      const d = await provider.diff(id, olds, news);
      if (d.changes) await requireAcceptedCredential();
      return d;
    },
  };
}
