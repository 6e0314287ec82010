/**
 * Token rotation, shared by Token and StackServiceAccountToken.
 *
 * A rotating token is made with the lifetime `rotation.expireAfterSeconds` and a real name that is
 * the declared name followed by its expiry (`ci-20261202t153000z`), so two generations can exist
 * side by side. Once the clock is inside the last `rotation.earlyRotationSeconds` of its life,
 * `diff` asks for a replacement, and since every generation has a name of its own, the new token
 * is made before the old one is deleted: whatever consumes the secret gets the new one in the same
 * `pulumi up`, while the old one still works. The output `readyForRotation` says whether the
 * window is open, as of the last read.
 *
 * Changing `expireAfterSeconds`, or adding or removing `rotation`, replaces the token (its
 * lifetime and its real name change); changing `earlyRotationSeconds` alone only moves the window
 * and is recorded in place.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { clock } from "../clock";
import { MAX_TOKEN_LIFETIME_SECONDS } from "./rules";
import { canonical, norms, type FieldDiff, type FieldRule, type Props } from "./toolkit";

/** When a rotating token expires and how early it is replaced, in whole seconds. */
export interface RotationArgs {
  /** The lifetime of each generation, at most 315360000 (10 years). */
  expireAfterSeconds: pulumi.Input<number>;
  /** How long before its expiry a generation is replaced; less than `expireAfterSeconds`. */
  earlyRotationSeconds: pulumi.Input<number>;
}

export interface Rotation {
  expireAfterSeconds: number;
  earlyRotationSeconds: number;
}

/** The longest rotation period taken: the longest token lifetime (rules.ts), ten years. */
export const MAX_ROTATION_SECONDS = MAX_TOKEN_LIFETIME_SECONDS;

const SECONDS_RULE = "must be a positive whole number of seconds";
const ROTATION_RULE = "must be an object { expireAfterSeconds, earlyRotationSeconds } (whole seconds)";
export const EARLY_RULE = "must be less than rotation.expireAfterSeconds";

const seconds = z
  .number({ error: SECONDS_RULE })
  .int(SECONDS_RULE)
  .min(1, SECONDS_RULE)
  .max(MAX_ROTATION_SECONDS, `must be at most ${MAX_ROTATION_SECONDS} (10 years)`);

export const rotationRule = z
  .strictObject({ expireAfterSeconds: seconds, earlyRotationSeconds: seconds }, { error: ROTATION_RULE })
  // Compared only against a valid lifetime: a bad one has its own message already.
  .refine(
    (r) => !seconds.safeParse(r.expireAfterSeconds).success || r.earlyRotationSeconds < r.expireAfterSeconds,
    {
      path: ["earlyRotationSeconds"],
      message: EARLY_RULE,
    },
  );

/**
 * `-20261202t153000z`: the expiry to the second, in UTC, in ISO 8601's basic format, lowercased
 * because access-policy token names allow only lowercase letters, digits, '-' and '_'.
 */
export function expirySuffix(expiryMs: number): string {
  const iso = new Date(expiryMs).toISOString(); // 2026-12-02T15:30:00.000Z
  return `-${iso.slice(0, 19).replace(/[-:]/g, "").toLowerCase()}z`;
}

/** How many characters the suffix adds to a name. */
export const SUFFIX_LENGTH = expirySuffix(0).length;

/** A rotation as stored or declared, when it is a whole one (not absent, not unknown). */
export function rotationOf(v: unknown): Rotation | undefined {
  const r = rotationRule.safeParse(v);
  return r.success ? r.data : undefined;
}

/** What a new generation is made with: its real name and its expiry, whole seconds from now. */
export function newGeneration(name: string, r: Rotation): { name: string; expiresAtMs: number } {
  const expiresAtMs = (Math.floor(clock.now() / 1000) + r.expireAfterSeconds) * 1000;
  return { name: `${name}${expirySuffix(expiresAtMs)}`, expiresAtMs };
}

/** Whether `now` is inside the early-rotation window before `expiry` (RFC 3339). */
export function readyForRotation(r: Rotation | undefined, expiry: unknown): boolean {
  if (!r || typeof expiry !== "string") return false;
  const at = Date.parse(expiry);
  return !Number.isNaN(at) && clock.now() >= at - r.earlyRotationSeconds * 1000;
}

/**
 * The diff rule of `rotation`: a new lifetime, or rotating where the token did not (or the
 * reverse), needs a new token. The window alone is left to `rotationDiff`.
 */
export const rotationField: FieldRule = {
  replace: true,
  changed: (o, n) => (rotationOf(o)?.expireAfterSeconds ?? 0) !== (rotationOf(n)?.expireAfterSeconds ?? 0),
};

const plus = (list: readonly string[], field: string) =>
  list.includes(field) ? [...list] : [...list, field];

/**
 * The diff hook: a rotating token whose stored expiry (output `expiryOutput`) is inside the
 * window of the new inputs is replaced, named `rotation` in the plan; a new window alone is an
 * in-place change. Outside the window nothing is added, so a rotating token shows no change.
 */
export function rotationDiff(expiryOutput: string) {
  return (d: FieldDiff, olds: Props, news: Props): FieldDiff => {
    const prev = rotationOf(olds["rotation"]);
    const next = rotationOf(news["rotation"]);
    if (!prev || !next || d.replaces.includes("rotation")) return d;
    if (readyForRotation(next, olds[expiryOutput])) {
      return { changes: plus(d.changes, "rotation"), replaces: plus(d.replaces, "rotation") };
    }
    if (prev.earlyRotationSeconds !== next.earlyRotationSeconds) {
      return { changes: plus(d.changes, "rotation"), replaces: d.replaces };
    }
    return d;
  };
}

/**
 * Whether a replacement's new token gets a real name of its own: when the old one rotated (its
 * name carries an expiry no later generation has) or the new one will. Then it is made first.
 */
export function rotatesEitherSide(olds: Props, news: Props): boolean {
  return rotationOf(olds["rotation"]) !== undefined || rotationOf(news["rotation"]) !== undefined;
}

/** Compares two instants as the diff does (for a rule that must skip a rotating token's expiry). */
export function sameInstant(a: unknown, b: unknown): boolean {
  return canonical(norms.instant(a)) === canonical(norms.instant(b));
}

/** The check failure for a name that is too long once suffixed, or none. */
export function suffixedNameFailure(name: string, max: number): { property: string; reason: string }[] {
  if (name.length + SUFFIX_LENGTH <= max) return [];
  return [
    {
      property: "name",
      reason:
        `name: must be at most ${max - SUFFIX_LENGTH} characters with rotation (the token's real name is the ` +
        `name followed by its expiry, e.g. "${expirySuffix(Date.UTC(2026, 11, 2, 15, 30))}", ` +
        `${SUFFIX_LENGTH} characters, and a name may have at most ${max})`,
    },
  ];
}
