import util from "node:util";
import { Redactor, REDACTED } from "../../provider/client/redact";

const SECRET = "glc_eyJrIjoiYWIvY2QrZWY9Z2gifQ==";

describe("Redactor", () => {
  const r = new Redactor([SECRET]);
  const b64 = Buffer.from(SECRET).toString("base64");

  test.each([
    ["raw", SECRET],
    ["URL-encoded", encodeURIComponent(SECRET)],
    [
      "URL-encoded, lower-case hex",
      encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    ],
    ["form-encoded", new URLSearchParams({ t: SECRET }).toString().slice(2)],
    ["JSON-escaped with \\/", JSON.stringify(SECRET).replace(/\//g, "\\/").slice(1, -1)],
    [
      "JSON \\u escapes",
      SECRET.replace(/[/+=]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    ],
    ["HTML entities", SECRET.replace(/[/+=]/g, (c) => `&#${c.charCodeAt(0)};`)],
    ["base64", b64],
    ["base64url", b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")],
  ])("removes the secret written %s", (_label, form) => {
    const out = r.redact(`before ${form} after`);
    expect(out).toContain(REDACTED);
    expect(out.startsWith("before ")).toBe(true);
    expect(out.endsWith(" after")).toBe(true);
    expect(out).not.toContain(form);
  });

  test.each([0, 1, 2])("removes it inside a longer base64 text (prefix of %i bytes mod 3)", (n) => {
    const prefix = "user:abc".slice(0, 5 + n);
    const encoded = Buffer.from(`${prefix}${SECRET}!`).toString("base64");
    const out = r.redact(encoded);
    expect(out).toContain(REDACTED);
    // At most a few characters either side, which mix in the bytes around the secret, remain.
    expect(out.replace(REDACTED, "").length).toBeLessThanOrEqual(16);
  });

  test("leaves short values and other text alone", () => {
    const short = new Redactor(["abc", "", null, undefined]);
    expect(short.redact("abc def")).toBe("abc def");
    expect(r.redact("nothing secret here")).toBe("nothing secret here");
  });

  test("finds the values of secret fields, whole or cut short, quoted or not", () => {
    const found = new Redactor();
    found.addFieldValues('{"id":"1","token":"glc_whole-value"}', ["token"]);
    found.addFieldValues('{"id":"1","token":"glc_cut-sho', ["token"]);
    found.addFieldValues('{"message":"upstream said {\\"key\\":\\"eyJquoted\\"}"}', ["key"]);
    expect(found.redact("glc_whole-value glc_cut-sho eyJquoted")).toBe(`${REDACTED} ${REDACTED} ${REDACTED}`);
  });

  test("scrub rewrites every string an error carries, nested ones and keys included", () => {
    const e = Object.assign(new Error(`failed with ${SECRET}`), {
      code: SECRET,
      nested: { list: [`x ${encodeURIComponent(SECRET)}`], [SECRET]: 1 },
    });
    r.scrub(e);
    const texts = [
      e.message,
      e.stack ?? "",
      JSON.stringify(e),
      util.inspect(e, { depth: 10, showHidden: true }),
    ];
    for (const t of texts) expect(t).not.toContain(SECRET);
    expect(e.code).toBe(REDACTED);
    expect(e.nested.list[0]).toBe(`x ${REDACTED}`);
    expect(Object.keys(e.nested)).toContain(REDACTED);
  });
});
