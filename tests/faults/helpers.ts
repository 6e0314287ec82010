/**
 * What the fault-injection scenarios add to the shared engine support (tests/support): projects
 * whose client retries on the suite's timing, and the comparison of the emulator's objects with a
 * declared set. The emulator (tests/support/emulator.ts) and the CLI projects are the engine
 * suite's.
 */
import { DEFAULT_TOKEN } from "../../emulator";
import type { ProjectSource, StateResource } from "../../harness/cli";
import { TEMP_KEY_PREFIX, type EmulatorState } from "../support/emulatorClient";
import { createProject as createSupportProject, type CliProject, typeOf } from "../support/engine";

/**
 * A project whose credentials come from stack config only; GRAFANA_CLOUD_* from the caller's shell
 * are overridden, and the client's retry timing is the suite's unless `env` says otherwise.
 */
export function createProject(options: {
  projectName: string;
  url: string;
  source: ProjectSource;
  env?: Record<string, string>;
}): Promise<CliProject> {
  return createSupportProject({
    projectName: options.projectName,
    source: options.source,
    url: options.url,
    token: DEFAULT_TOKEN,
    env: {
      GRAFANA_CLOUD_RETRY_BASE_DELAY_MS: "50",
      GRAFANA_CLOUD_RETRY_BUDGET_SECONDS: "30",
      ...options.env,
    },
  });
}

// -------------------------------------------------------------------------------------------------
// The declared set, and what the emulator must hold for it.

export interface DeclaredSet {
  stacks: string[];
  /** Policy name -> the index (in `stacks`) of the stack its realm names, or "org". */
  policies: Record<string, number | "org">;
  /** Token name -> policy name. */
  tokens: Record<string, string>;
  /** `stackSlug/plugin`. */
  plugins: string[];
  /** `stackSlug/name`, under either backing (an API key, or a service account holding one token). */
  stackApiKeys: string[];
  /** `stackSlug/name`. */
  serviceAccounts: string[];
  /** `stackSlug/accountName/tokenName`. */
  serviceAccountTokens: string[];
}

/**
 * The service account that backs a stack API key on a stack without API keys (as Grafana names
 * the ones it made when it migrated API keys): `sa-autogen-<key name>`.
 */
export const KEY_ACCOUNT_PREFIX = "sa-autogen-";

/**
 * The emulator's service accounts and their tokens, split into those that back stack API keys
 * and those of StackServiceAccount resources.
 */
function accountsOf(s: EmulatorState) {
  const isKeyAccount = (a: { name: string }) => a.name.startsWith(KEY_ACCOUNT_PREFIX);
  const accountById = new Map(s.serviceAccounts.map((a) => [`${a.stackSlug}/${a.id}`, a]));
  const tokens = s.serviceAccountTokens.map((t) => ({
    token: t,
    account: accountById.get(`${t.stackSlug}/${t.serviceAccountId}`),
  }));
  const keyTokens = tokens.filter(({ account }) => account !== undefined && isKeyAccount(account));
  return {
    accounts: s.serviceAccounts.filter((a) => !isKeyAccount(a)),
    accountTokens: tokens.filter(({ account }) => account === undefined || !isKeyAccount(account)),
    keyTokens,
    /** Accounts of keys that hold no token: left behind by a key that is gone. */
    emptyKeyAccounts: s.serviceAccounts.filter(
      (a) => isKeyAccount(a) && !keyTokens.some(({ account }) => account === a),
    ),
  };
}

/** Keys a temporary Admin session made (stackAdmin.ts): they live 60 s and are no one's orphans. */
export function isTemporaryKey(k: { name: string }): boolean {
  return k.name.startsWith(TEMP_KEY_PREFIX);
}

const sorted = (xs: string[]) => [...xs].sort();

/**
 * The emulator's live objects by natural key, as sorted lists in which a duplicate shows up twice,
 * plus the checks that need ids: token -> policy, policy realm -> stack.
 */
export function liveByNaturalKey(s: EmulatorState) {
  const stacks = s.stacks.filter((x) => x.status !== "deleted" && x.status !== "deleting");
  const stackIdBySlug = new Map(stacks.map((x) => [x.slug, x.id]));
  const policyNameById = new Map(s.accessPolicies.map((p) => [p.id, p.name]));
  return {
    stacks: sorted(stacks.map((x) => x.slug)),
    policies: sorted(s.accessPolicies.map((p) => p.name)),
    tokens: sorted(s.tokens.map((t) => t.name)),
    plugins: sorted(s.plugins.map((p) => `${p.stackSlug}/${p.plugin}`)),
    stackApiKeys: sorted([
      ...s.stackApiKeys.filter((k) => !isTemporaryKey(k)).map((k) => `${k.stackSlug}/${k.name}`),
      ...accountsOf(s).keyTokens.map(({ token }) => `${token.stackSlug}/${token.name}`),
    ]),
    emptyKeyAccounts: accountsOf(s).emptyKeyAccounts.map((a) => `${a.stackSlug}/${a.name}`),
    serviceAccounts: sorted(accountsOf(s).accounts.map((a) => `${a.stackSlug}/${a.name}`)),
    serviceAccountTokens: sorted(
      accountsOf(s).accountTokens.map(
        ({ token, account }) => `${token.stackSlug}/${account?.name ?? "(no account)"}/${token.name}`,
      ),
    ),
    tokenPolicies: Object.fromEntries(
      s.tokens.map((t) => [t.name, policyNameById.get(t.accessPolicyId) ?? `missing ${t.accessPolicyId}`]),
    ),
    policyRealms: Object.fromEntries(
      s.accessPolicies.map((p) => [p.name, p.realms.map((r) => `${r.type}:${r.identifier}`).sort()]),
    ),
    stackIdBySlug,
  };
}

/** What `liveByNaturalKey` must equal for the declared set. */
export function expectedByNaturalKey(d: DeclaredSet, stackIdBySlug: Map<string, number>) {
  return {
    stacks: sorted(d.stacks),
    policies: sorted(Object.keys(d.policies)),
    tokens: sorted(Object.keys(d.tokens)),
    plugins: sorted(d.plugins),
    stackApiKeys: sorted(d.stackApiKeys),
    emptyKeyAccounts: [],
    serviceAccounts: sorted(d.serviceAccounts),
    serviceAccountTokens: sorted(d.serviceAccountTokens),
    tokenPolicies: d.tokens,
    policyRealms: Object.fromEntries(
      Object.entries(d.policies).map(([name, realm]) => [
        name,
        [realm === "org" ? "org:1" : `stack:${stackIdBySlug.get(d.stacks[realm] ?? "") ?? "missing"}`],
      ]),
    ),
  };
}

/**
 * The ids Pulumi recorded, by type, next to the ids the emulator holds for the same objects: they
 * must be the same sets (state and emulator agree, nothing in state points at a missing object).
 */
export function idsInStateAndEmulator(resources: StateResource[], s: EmulatorState) {
  const ids = (type: string) => sorted(resources.filter((r) => typeOf(r) === type).map((r) => String(r.id)));
  const liveStacks = s.stacks.filter((x) => x.status !== "deleted" && x.status !== "deleting");
  return {
    state: {
      Stack: ids("Stack"),
      AccessPolicy: ids("AccessPolicy"),
      Token: ids("Token"),
      PluginInstallation: ids("PluginInstallation"),
      StackApiKey: ids("StackApiKey"),
      StackServiceAccount: ids("StackServiceAccount"),
      StackServiceAccountToken: ids("StackServiceAccountToken"),
    },
    emulator: {
      Stack: sorted(liveStacks.map((x) => String(x.id))),
      AccessPolicy: sorted(s.accessPolicies.map((p) => p.id)),
      Token: sorted(s.tokens.map((t) => t.id)),
      PluginInstallation: sorted(s.plugins.map((p) => `${p.stackSlug}/${p.plugin}`)),
      // Under the service-account backing a key's id is its token's.
      StackApiKey: sorted([
        ...s.stackApiKeys.filter((k) => !isTemporaryKey(k)).map((k) => `${k.stackSlug}/${k.id}`),
        ...accountsOf(s).keyTokens.map(({ token }) => `${token.stackSlug}/${token.id}`),
      ]),
      StackServiceAccount: sorted(accountsOf(s).accounts.map((a) => `${a.stackSlug}/${a.id}`)),
      StackServiceAccountToken: sorted(
        accountsOf(s).accountTokens.map(
          ({ token }) => `${token.stackSlug}/${token.serviceAccountId}/${token.id}`,
        ),
      ),
    },
  };
}

export {
  controlOf,
  declare,
  declaredProgram,
  declaredResources,
  errorLines,
  failureOf,
  ref,
  setDeclared,
  startTestEmulator,
  typeOf,
  writesIn,
  type CliProject,
  type Declared,
  type EmulatorControl,
  type EmulatorState,
  type RequestLogEntry,
  type TestEmulator,
} from "../support/engine";
