/**
 * `diff` (and the defaults `check` applies) of StackServiceAccount, StackServiceAccountToken and
 * StackApiKey: none has an update route, so every change is a replacement, which deletes the old
 * object first when the name (unique per stack) stays; preview's unknown values are changes; a
 * second preview after `up` shows none. `olds` are shaped like what each module stores after `up`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { stackApiKey } from "../../provider/resources/stackApiKey";
import { stackServiceAccount } from "../../provider/resources/stackServiceAccount";
import { stackServiceAccountToken } from "../../provider/resources/stackServiceAccountToken";
import { UNKNOWN } from "./fixtures";

type Props = Record<string, unknown>;
type Expect = "none" | { replace: string[]; deleteBeforeReplace: boolean };

const replace = (...fields: string[]): Expect => ({ replace: fields, deleteBeforeReplace: false });
const replaceDeleteFirst = (...fields: string[]): Expect => ({ replace: fields, deleteBeforeReplace: true });

function summary(r: pulumi.dynamic.DiffResult) {
  // `changes` must always be explicit: left undefined, the engine diffs every property itself.
  expect(typeof r.changes).toBe("boolean");
  return {
    changes: r.changes,
    replaces: [...(r.replaces ?? [])].sort(),
    deleteBeforeReplace: r.deleteBeforeReplace ?? false,
  };
}
function expected(e: Expect) {
  return e === "none"
    ? { changes: false, replaces: [], deleteBeforeReplace: false }
    : { changes: true, replaces: [...e.replace].sort(), deleteBeforeReplace: e.deleteBeforeReplace };
}

describe("StackServiceAccount", () => {
  const provider = stackServiceAccount.provider;
  const ID = "mystack/7";
  const olds: Props = {
    stackSlug: "mystack",
    name: "CI bot",
    role: "Editor",
    isDisabled: false,
    adoptExisting: false,
    serviceAccountId: 7,
    login: "sa-1-ci-bot",
    orgId: 1,
  };
  const news: Props = {
    stackSlug: "mystack",
    name: "CI bot",
    role: "Editor",
    isDisabled: false,
    adoptExisting: false,
  };

  test("check fills in the defaults", async () => {
    const r = await provider.check({}, { stackSlug: "mystack", name: "CI bot", role: "Editor" });
    expect(r).toEqual({ inputs: news });
  });

  test.each<[string, Props, Props, Expect]>([
    ["unchanged", olds, news, "none"],
    ["isDisabled absent in olds means false", { ...olds, isDisabled: undefined }, news, "none"],
    ["adoptExisting changed: nothing to do after create", olds, { ...news, adoptExisting: true }, "none"],
    ["outputs the API fills in are not compared", { ...olds, login: "other", orgId: 9 }, news, "none"],
    [
      "role changed: replace, deleting first (the name stays)",
      olds,
      { ...news, role: "Admin" },
      replaceDeleteFirst("role"),
    ],
    ["role None: replace", olds, { ...news, role: "None" }, replaceDeleteFirst("role")],
    [
      "isDisabled changed: replace, deleting first",
      olds,
      { ...news, isDisabled: true },
      replaceDeleteFirst("isDisabled"),
    ],
    ["name changed: replace, the new one first", olds, { ...news, name: "Deploy bot" }, replace("name")],
    [
      "stackSlug changed: replace, the new one first",
      olds,
      { ...news, stackSlug: "other" },
      replace("stackSlug"),
    ],
    ["name and role changed", olds, { ...news, name: "x", role: "Viewer" }, replace("name", "role")],
    ["role unknown at preview: replace", olds, { ...news, role: UNKNOWN }, replaceDeleteFirst("role")],
    ["stackSlug unknown at preview: replace", olds, { ...news, stackSlug: UNKNOWN }, replace("stackSlug")],
  ])("%s", async (_title, o, n, e) => {
    expect(summary(await provider.diff(ID, o, n))).toEqual(expected(e));
  });
});

describe("StackServiceAccountToken", () => {
  const provider = stackServiceAccountToken.provider;
  const ID = "mystack/7/12";
  const olds: Props = {
    stackSlug: "mystack",
    serviceAccountId: 7,
    name: "ci",
    secondsToLive: 3600,
    key: "glsa_secret",
    tokenId: 12,
    expiration: "2030-01-01T00:00:00.000Z",
    hasExpired: false,
  };
  const news: Props = { stackSlug: "mystack", serviceAccountId: 7, name: "ci", secondsToLive: 3600 };

  test.each<[string, Props, Props, Expect]>([
    ["unchanged", olds, news, "none"],
    [
      "no lifetime: absent and 0 are the same",
      { ...olds, secondsToLive: undefined },
      { ...news, secondsToLive: 0 },
      "none",
    ],
    [
      "secret and expiry outputs are not compared",
      { ...olds, key: "other", expiration: "2031-01-01T00:00:00Z" },
      news,
      "none",
    ],
    [
      "secondsToLive changed: replace, deleting first",
      olds,
      { ...news, secondsToLive: 60 },
      replaceDeleteFirst("secondsToLive"),
    ],
    [
      "secondsToLive removed: replace",
      olds,
      { ...news, secondsToLive: undefined },
      replaceDeleteFirst("secondsToLive"),
    ],
    // Token names are unique on the stack, whatever the account.
    [
      "another account, same name: replace, deleting first",
      olds,
      { ...news, serviceAccountId: 8 },
      replaceDeleteFirst("serviceAccountId"),
    ],
    [
      "account unknown at preview (replaced account): replace",
      olds,
      { ...news, serviceAccountId: UNKNOWN },
      replaceDeleteFirst("serviceAccountId"),
    ],
    ["name changed: replace, the new one first", olds, { ...news, name: "ci2" }, replace("name")],
    ["stackSlug changed: replace", olds, { ...news, stackSlug: "other" }, replace("stackSlug")],
  ])("%s", async (_title, o, n, e) => {
    expect(summary(await provider.diff(ID, o, n))).toEqual(expected(e));
  });
});

describe("StackApiKey, under either backing", () => {
  const provider = stackApiKey.provider;
  const ID = "mystack/12";
  const legacy: Props = { stackSlug: "mystack", name: "ci", role: "Editor", key: "eyJr", keyId: 12 };
  const apiKey: Props = { ...legacy, backing: "apiKey" };
  const backed: Props = { ...legacy, key: "glsa_x", backing: "serviceAccount", serviceAccountId: 7 };
  const news: Props = { stackSlug: "mystack", name: "ci", role: "Editor" };

  test.each<[string, Props, Props, Expect]>([
    ["state from before the backing output: unchanged", legacy, news, "none"],
    ["apiKey backing: unchanged", apiKey, news, "none"],
    ["serviceAccount backing: unchanged", backed, news, "none"],
    ["role changed: replace, deleting first", backed, { ...news, role: "Admin" }, replaceDeleteFirst("role")],
    ["name changed: replace, the new one first", backed, { ...news, name: "ci2" }, replace("name")],
    [
      "secondsToLive set: replace",
      legacy,
      { ...news, secondsToLive: 60 },
      replaceDeleteFirst("secondsToLive"),
    ],
  ])("%s", async (_title, o, n, e) => {
    expect(summary(await provider.diff(ID, o, n))).toEqual(expected(e));
  });
});
