import { createHash, randomBytes } from "node:crypto";

/** Secrets are kept only as sha256 of the whole string, so the state file holds no usable secret. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/**
 * A Cloud access policy token in the real format: `glc_` + base64 of a JSON object with the org
 * (`o`), token name (`n`), key (`k`) and region metadata (`m.r`).
 */
export function newCloudToken(orgId: number, name: string, region: string): string {
  const payload = { o: String(orgId), n: name, k: randomBytes(18).toString("hex"), m: { r: region } };
  return `glc_${Buffer.from(JSON.stringify(payload)).toString("base64")}`;
}

/** A Grafana API key: base64 of `{"k": key, "n": name, "id": orgId}`, as Grafana issues them. */
export function newGrafanaKey(name: string, orgId: number): string {
  const payload = { k: randomBytes(16).toString("hex"), n: name, id: orgId };
  return Buffer.from(JSON.stringify(payload)).toString("base64");
}

const ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * A Grafana service-account token in its format: `glsa_`, 32 letters and digits, `_` and 8 hex
 * digits of a checksum.
 */
export function newServiceAccountToken(): string {
  const body = Array.from(randomBytes(32), (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join("");
  const checksum = createHash("sha256").update(`glsa_${body}`).digest("hex").slice(0, 8);
  return `glsa_${body}_${checksum}`;
}
