import * as pulumi from "@pulumi/pulumi";
import { KINDS } from "../../provider/resources/registry";
import { providerStub } from "../../provider/resources/stub";
import { setPulumiConfig } from "../../provider/config";
import { getClient, MissingCredentialsError, resolveConfig } from "../../provider/config";

const SECRET = "glc_serialization-secret-abcdef123456";

describe("serialized provider (__provider)", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    setPulumiConfig(() => undefined);
  });

  test.each(KINDS)(
    "%s: small, holds no credential, requires the implementation at run time",
    async (kind) => {
      process.env["GRAFANA_CLOUD_ACCESS_POLICY_TOKEN"] = SECRET;
      process.env["GRAFANA_CLOUD_API_URL"] = "http://127.0.0.1:9";
      setPulumiConfig((k) => (k === "grafana-cloud:accessPolicyToken" ? `${SECRET}-config` : undefined));
      // Resolve a client first, so a credential would be in memory to capture if the stub captured it.
      getClient();
      const provider = providerStub(kind);
      const serialized = await pulumi.runtime.serializeFunction(() => provider, {
        isFactoryFunction: true,
        allowSecrets: false,
      });
      const size = Buffer.byteLength(serialized.text, "utf8");
      expect(size).toBeLessThan(8 * 1024);
      expect(serialized.text).not.toContain(SECRET);
      expect(serialized.text).not.toContain("127.0.0.1:9");
      expect(serialized.text).toContain('require("pulumi-grafana-cloud/dynamic")');
      expect(serialized.text).toContain(`kind: "${kind}"`);
    },
  );
});

describe("credential resolution", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    setPulumiConfig(() => undefined);
  });

  test("a missing token names both ways to set it", () => {
    delete process.env["GRAFANA_CLOUD_ACCESS_POLICY_TOKEN"];
    expect(() => resolveConfig()).toThrow(MissingCredentialsError);
    expect(() => resolveConfig()).toThrow(
      /grafana-cloud:accessPolicyToken.*GRAFANA_CLOUD_ACCESS_POLICY_TOKEN/s,
    );
  });

  test("Pulumi config wins over the environment; the URL defaults to grafana.com", () => {
    process.env["GRAFANA_CLOUD_ACCESS_POLICY_TOKEN"] = "from-env";
    delete process.env["GRAFANA_CLOUD_API_URL"];
    expect(resolveConfig()).toEqual({
      token: "from-env",
      url: "https://grafana.com",
      tokenFrom: "environment",
    });
    setPulumiConfig((k) =>
      k === "grafana-cloud:accessPolicyToken"
        ? "from-config"
        : k === "grafana-cloud:url"
          ? "http://x/"
          : undefined,
    );
    expect(resolveConfig()).toEqual({ token: "from-config", url: "http://x", tokenFrom: "pulumi-config" });
  });
});
