import { joinUrl, path, PathSegmentError } from "../../provider/client/path";

describe("path", () => {
  test("encodes every interpolated value as exactly one segment", () => {
    expect(path`/api/v1/tokens/${"a b/c?d#e%f"}`).toBe("/api/v1/tokens/a%20b%2Fc%3Fd%23e%25f");
    expect(path`/api/instances/${"my-stack"}/plugins/${"grafana-clock-panel"}`).toBe(
      "/api/instances/my-stack/plugins/grafana-clock-panel",
    );
    expect(path`/api/instances/${42}/readiness`).toBe("/api/instances/42/readiness");
    expect(path`/api/instances`).toBe("/api/instances");
    // Dots inside a longer value are ordinary characters.
    expect(path`/api/x/${"..."}/${"a..b"}/${".hidden"}`).toBe("/api/x/.../a..b/.hidden");
  });

  test.each([
    ["..", 'an id must not be empty, "." or ".."'],
    [".", 'an id must not be empty, "." or ".."'],
    ["", 'an id must not be empty, "." or ".."'],
    [-1, "a numeric id must be a non-negative safe integer"],
    [1.5, "a numeric id must be a non-negative safe integer"],
    [Number.NaN, "a numeric id must be a non-negative safe integer"],
    [2 ** 60, "a numeric id must be a non-negative safe integer"],
  ])("refuses %p", (value, rule) => {
    let err: unknown;
    let built: string | undefined;
    try {
      built = path`/api/v1/tokens/${value}`;
    } catch (e) {
      err = e;
    }
    expect(built).toBeUndefined();
    expect(err).toBeInstanceOf(PathSegmentError);
    expect((err as Error).message).toBe(
      `cannot build the request path /api/v1/tokens/{…}: ${JSON.stringify(value)} is not a valid path segment (${rule})`,
    );
  });

  test("refuses values that are neither strings nor numbers", () => {
    expect(() => path`/api/x/${undefined as unknown as string}`).toThrow(
      /an id must be a string or a number/,
    );
  });
});

describe("joinUrl", () => {
  test("drops the stack URL's trailing slashes and keeps its own path", () => {
    expect(joinUrl("https://mystack.grafana.net/", path`/api/health`)).toBe(
      "https://mystack.grafana.net/api/health",
    );
    expect(joinUrl("http://127.0.0.1:3000/grafana/s///", path`/api/auth/keys/${7}`)).toBe(
      "http://127.0.0.1:3000/grafana/s/api/auth/keys/7",
    );
  });

  test.each([
    ["not a url", /not an absolute URL/],
    ["ftp://host/x", /must be http or https/],
    ["https://host/x?y=1", /must not carry a query or a fragment/],
    ["https://host/x#frag", /must not carry a query or a fragment/],
  ])("refuses the stack URL %p", (url, message) => {
    expect(() => joinUrl(url, path`/api/health`)).toThrow(message);
  });

  test("a stack URL with credentials is refused without showing them", () => {
    let message = "";
    try {
      joinUrl("https://admin:s3cr3t-pass@host/x", path`/api/health`);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/must not carry credentials/);
    expect(message).not.toContain("s3cr3t-pass");
  });
});
