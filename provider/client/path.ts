/**
 * URL paths built in one place. Every value interpolated into a path is one encoded segment, and
 * values that URL handling would reinterpret are refused before any request is made: an id read
 * from state that is empty, `.` or `..` would otherwise be normalized away (`DELETE
 * /api/v1/tokens/..` becomes `DELETE /api/v1/`, and its answer is taken for the token's).
 */

declare const apiPathBrand: unique symbol;
/** A path made by the `path` tag: its interpolated segments are encoded and checked. */
export type ApiPath = string & { readonly [apiPathBrand]: true };

/** A value that cannot be a path segment; thrown before anything is sent. */
export class PathSegmentError extends Error {
  override name = "PathSegmentError";
  /** The path template, with `{…}` where the refused value goes, e.g. `/api/v1/tokens/{…}`. */
  readonly template: string;
  constructor(template: string, value: unknown, rule: string) {
    super(
      `cannot build the request path ${template}: ${JSON.stringify(value)} is not a valid path segment ` +
        `(${rule})`,
    );
    this.template = template;
  }
}

function segment(template: string, value: unknown): string {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new PathSegmentError(template, value, "a numeric id must be a non-negative safe integer");
    }
    return String(value);
  }
  if (typeof value !== "string") {
    throw new PathSegmentError(template, String(value), "an id must be a string or a number");
  }
  if (value === "" || value === "." || value === "..") {
    throw new PathSegmentError(template, value, 'an id must not be empty, "." or ".."');
  }
  // encodeURIComponent leaves `.` alone, which is why `.` and `..` are refused above; every other
  // character that could end or split the segment (`/`, `?`, `#`, `%`) is encoded.
  return encodeURIComponent(value);
}

/**
 * Tag for request paths: ``path`/api/v1/tokens/${id}` ``. Each interpolated value becomes exactly
 * one segment (encoded; `/` inside it cannot add a level); empty, `.` and `..` values, non-integer
 * numbers and anything that is not a string or number throw `PathSegmentError`.
 */
export function path(strings: TemplateStringsArray, ...values: readonly (string | number)[]): ApiPath {
  const template = strings.join("{…}");
  let out = strings[0] ?? "";
  values.forEach((v, i) => {
    out += segment(template, v) + (strings[i + 1] ?? "");
  });
  return out as ApiPath;
}

/**
 * A stack's own URL joined with an API path: trailing slashes of the URL are dropped and its own
 * path kept (a stack URL may carry one, e.g. `https://host/grafana/slug`). The URL must be an
 * absolute http(s) URL without query or fragment: it comes from the API, not from the user, and a
 * surprise there must not silently change where a credential is sent.
 */
export function joinUrl(baseUrl: string, p: ApiPath): string {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new PathSegmentError(`${baseUrl}${p}`, baseUrl, "the stack URL is not an absolute URL");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new PathSegmentError(`${baseUrl}${p}`, baseUrl, "the stack URL must be http or https");
  }
  if (u.username || u.password) {
    // Shown without the credentials it carries.
    const shown = `${u.protocol}//${u.host}${u.pathname}`;
    throw new PathSegmentError(`${shown}${p}`, shown, "the stack URL must not carry credentials");
  }
  if (u.search || u.hash) {
    throw new PathSegmentError(
      `${baseUrl}${p}`,
      baseUrl,
      "the stack URL must not carry a query or a fragment",
    );
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, "")}${p}`;
}
