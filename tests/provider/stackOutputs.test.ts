/**
 * The Stack's outputs: every service URL, user id, name and status the stack object carries, the
 * cloud provider and cluster, and from the connections routes the OTLP, Influx, OnCall and
 * synthetic monitoring endpoints, private connectivity and allow-list CNAMEs, named like the
 * Terraform provider's `grafana_cloud_stack` attributes in camelCase. Read keeps them fresh with
 * the one call it always made, fetching the connections again only when they are missing or the
 * stack moved.
 */
import { stack, stackOutputs } from "../../provider/resources/stack";
import { json, startServer } from "../api/server";
import { useEmulator, type TestEmulator } from "./emulatorEnv";

const provider = stack.provider;

let em: TestEmulator;
beforeAll(async () => {
  em = await useEmulator({ readinessDelayMs: 0 });
});
afterAll(() => em.close());
beforeEach(() => em.reset());

async function create(slug: string, extra: Record<string, unknown> = {}) {
  const r = await provider.check({}, { slug, deleteProtection: false, ...extra });
  expect(r.failures ?? []).toEqual([]);
  return provider.create(r.inputs);
}
const apiCalls = async () => (await em.requests()).map((r) => `${r.method} ${r.path}`);

/**
 * The `grafana_cloud_stack` attributes a user wires into other providers and agents (the
 * resource's computed ones, as of the Terraform provider's current schema).
 */
const TERRAFORM_ATTRIBUTES = `
  org_id org_slug org_name status cluster_slug cluster_name grafanas_ip_allow_list_cname
  prometheus_user_id prometheus_url prometheus_name prometheus_remote_endpoint prometheus_remote_write_endpoint
  prometheus_status prometheus_private_connectivity_info_private_dns prometheus_private_connectivity_info_service_name
  prometheus_ip_allow_list_cname
  alertmanager_user_id alertmanager_name alertmanager_url alertmanager_status alertmanager_ip_allow_list_cname
  oncall_api_url
  logs_user_id logs_name logs_url logs_status logs_private_connectivity_info_private_dns
  logs_private_connectivity_info_service_name logs_ip_allow_list_cname
  traces_user_id traces_name traces_url traces_status traces_private_connectivity_info_private_dns
  traces_private_connectivity_info_service_name traces_ip_allow_list_cname
  profiles_user_id profiles_name profiles_url profiles_status profiles_private_connectivity_info_private_dns
  profiles_private_connectivity_info_service_name profiles_ip_allow_list_cname
  graphite_user_id graphite_name graphite_url graphite_status graphite_private_connectivity_info_private_dns
  graphite_private_connectivity_info_service_name graphite_ip_allow_list_cname
  fleet_management_user_id fleet_management_name fleet_management_url fleet_management_status
  fleet_management_private_connectivity_info_private_dns fleet_management_private_connectivity_info_service_name
  influx_url otlp_url otlp_private_connectivity_info_private_dns otlp_private_connectivity_info_service_name
  pdc_api_private_connectivity_info_private_dns pdc_api_private_connectivity_info_service_name
  pdc_gateway_private_connectivity_info_private_dns pdc_gateway_private_connectivity_info_service_name
`
  .trim()
  .split(/\s+/);
const camel = (snake: string) =>
  snake
    .split("_")
    .map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join("");

test("every Terraform attribute has its camelCase output, and the outputs the class registers are the schema's", () => {
  const names = Object.keys(stackOutputs.shape);
  expect(TERRAFORM_ATTRIBUTES.map(camel).filter((n) => !names.includes(n))).toEqual([]);
  expect(stack.outputNames).toEqual(names);
  // The names this package had before stay.
  for (const old of [
    "stackId",
    "regionSlug",
    "clusterSlug",
    "otlpUrl",
    "influxUrl",
    "oncallApiUrl",
    "alertmanagerUserId",
  ]) {
    expect(names).toContain(old);
  }
});

describe("against the emulator (an AWS region: private connectivity has DNS and service names)", () => {
  test("create fills every output the emulator's answers carry, from the right fields", async () => {
    const created = await create("parity", { region: "prod-eu-west-3" });
    const id = created.id;
    const s = (await em.api("GET", `/api/instances/${id}`)).body;
    const v1 = (await em.api("GET", `/api/v1/stacks/${id}/connections`)).body;
    const legacy = (await em.api("GET", `/api/instances/${id}/connections`)).body;
    const tenant = (type: string) => v1.tenants.find((t: { type: string }) => t.type === type);
    const cname = (type: string) =>
      legacy.privateConnectivityInfo.tenants.find((t: { type: string }) => t.type === type).ipAllowListCNAME;
    const o = created.outs;
    expect(o).toMatchObject({
      orgName: s.orgName,
      clusterName: s.clusterName,
      cloudProvider: "aws",
      cloudProviderRegion: s.providerRegion,
      prometheusUrl: s.hmInstancePromUrl,
      prometheusUserId: s.hmInstancePromId,
      prometheusName: s.hmInstancePromName,
      prometheusStatus: "active",
      prometheusRemoteEndpoint: `${s.hmInstancePromUrl}/api/prom`,
      prometheusRemoteWriteEndpoint: `${s.hmInstancePromUrl}/api/prom/push`,
      graphiteName: s.hmInstanceGraphiteName,
      logsName: s.hlInstanceName,
      tracesStatus: s.htInstanceStatus,
      profilesUrl: s.hpInstanceUrl,
      profilesUserId: s.hpInstanceId,
      alertmanagerName: s.amInstanceName,
      fleetManagementUrl: s.agentManagementInstanceUrl,
      fleetManagementUserId: s.agentManagementInstanceId,
      fleetManagementName: s.agentManagementInstanceName,
      fleetManagementStatus: s.agentManagementInstanceStatus,
      syntheticMonitoringApiUrl: s.regionSyntheticMonitoringApiUrl,
      otlpUrl: v1.otlp.url,
      otlpPrivateConnectivityInfoPrivateDns: v1.otlp.privateConnectivityInfo.privateDNS,
      otlpPrivateConnectivityInfoServiceName: v1.otlp.privateConnectivityInfo.serviceName,
      influxUrl: v1.services.influxUrl,
      oncallApiUrl: v1.services.oncallApiUrl,
      pdcApiPrivateConnectivityInfoPrivateDns: v1.pdc.api.privateDNS,
      pdcGatewayPrivateConnectivityInfoServiceName: v1.pdc.gateway.serviceName,
      prometheusPrivateConnectivityInfoPrivateDns: tenant("prometheus").privateConnectivityInfo.privateDNS,
      logsPrivateConnectivityInfoServiceName: tenant("logs").privateConnectivityInfo.serviceName,
      fleetManagementPrivateConnectivityInfoPrivateDns:
        tenant("agent-management").privateConnectivityInfo.privateDNS,
      prometheusIpAllowListCname: cname("prometheus"),
      tracesIpAllowListCname: cname("traces"),
      alertmanagerIpAllowListCname: cname("alerts"),
    });
    // The emulator's Grafana tenant has no CNAME: the output is absent, not empty.
    expect(o).not.toHaveProperty("grafanasIpAllowListCname");
    // Everything else of the schema is there.
    const missing = Object.keys(stackOutputs.shape).filter((k) => !(k in o));
    expect(missing.sort()).toEqual(["description", "grafanasIpAllowListCname", "labels"]);
  });

  test("read makes one call while the stack stays where it was; the outputs are the same", async () => {
    const created = await create("steady");
    await em.clearRequests();
    const read = await provider.read(created.id, created.outs);
    expect(await apiCalls()).toEqual([`GET /api/instances/${created.id}`]);
    expect(read.props).toEqual(created.outs);
  });

  test("connections missing at create (404 right after creation) are fetched by a later read", async () => {
    await em.addFaults([
      {
        method: "GET",
        path: "/connections$",
        kind: "status",
        status: 404,
        code: "NotFound",
        message: "not yet",
        count: 2,
      },
    ]);
    const created = await create("late", { waitForReadiness: false });
    expect(created.outs).not.toHaveProperty("otlpUrl");
    await em.clearRequests();
    const read = await provider.read(created.id, created.outs);
    expect((await apiCalls()).sort()).toEqual(
      [
        `GET /api/instances/${created.id}`,
        `GET /api/v1/stacks/${created.id}/connections`,
        `GET /api/instances/${created.id}/connections`,
      ].sort(),
    );
    expect(read.props?.otlpUrl).toMatch(/^https:\/\//);
    expect(read.props?.prometheusIpAllowListCname).toMatch(/\.grafana\.net$/);
  });

  test("a stack that moved (another cluster or service URL) gets its connections again", async () => {
    const created = await create("moved");
    await em.clearRequests();
    const stale = { ...created.outs, clusterSlug: "prod-elsewhere-0", otlpUrl: "https://old.example/otlp" };
    const read = await provider.read(created.id, stale);
    expect(await apiCalls()).toHaveLength(3);
    expect(read.props?.otlpUrl).toBe(created.outs.otlpUrl);
  });

  test("state written before these outputs existed is completed by one read, then reads make one call", async () => {
    const created = await create("older");
    const o = created.outs;
    // What the previous version recorded.
    const older = {
      slug: o.slug,
      name: o.name,
      region: o.region,
      url: o.url,
      deleteProtection: o.deleteProtection,
      waitForReadiness: o.waitForReadiness,
      readinessTimeoutSeconds: o.readinessTimeoutSeconds,
      adoptExisting: o.adoptExisting,
      stackId: o.stackId,
      status: o.status,
      orgId: o.orgId,
      orgSlug: o.orgSlug,
      regionSlug: o.regionSlug,
      clusterSlug: o.clusterSlug,
      prometheusUrl: o.prometheusUrl,
      otlpUrl: o.otlpUrl,
      influxUrl: o.influxUrl,
      oncallApiUrl: o.oncallApiUrl,
    };
    await em.clearRequests();
    const first = await provider.read(created.id, older);
    expect(await apiCalls()).toHaveLength(3);
    expect(first.props).toEqual(o);
    await em.clearRequests();
    await provider.read(created.id, first.props);
    expect(await apiCalls()).toHaveLength(1);
  });

  test("the v1 route failing, the legacy one stands in; the legacy one failing, only its CNAMEs are missing", async () => {
    await em.addFaults([
      {
        method: "GET",
        path: "^/api/v1/stacks/.*/connections$",
        kind: "status",
        status: 404,
        code: "NotFound",
        count: 1,
      },
    ]);
    const a = await create("legacyonly");
    expect(a.outs).toMatchObject({
      otlpUrl: expect.stringMatching(/^https:/),
      influxUrl: expect.stringMatching(/^https:/),
      prometheusIpAllowListCname: expect.stringMatching(/grafana\.net$/),
    });
    await em.addFaults([
      {
        method: "GET",
        path: "^/api/instances/.*/connections$",
        kind: "status",
        status: 404,
        code: "NotFound",
        count: 1,
      },
    ]);
    const b = await create("v1only");
    expect(b.outs).toMatchObject({
      otlpUrl: expect.stringMatching(/^https:/),
      oncallApiUrl: expect.stringMatching(/^https:/),
    });
    expect(Object.keys(b.outs).filter((k) => k.endsWith("IpAllowListCname"))).toEqual([]);
  });
});

test("every connection output is read from its field of the answers (a scripted API with distinct values)", async () => {
  const link = (p: string) => ({ privateDNS: `${p}.dns`, serviceName: `${p}.svc` });
  const server = await startServer((req, res) => {
    const path = (req.url ?? "").split("?")[0]!;
    if (path === "/api/instances/5")
      return json(res, 200, {
        id: 5,
        orgId: 1,
        orgSlug: "o",
        name: "s",
        slug: "s",
        url: "https://s.example",
        status: "active",
      });
    if (path === "/api/v1/stacks/5/connections")
      return json(res, 200, {
        tenants: [
          ["prometheus", "prom"],
          ["graphite", "graphite"],
          ["logs", "logs"],
          ["traces", "traces"],
          ["profiles", "profiles"],
          ["agent-management", "fleet"],
        ].map(([type, p], i) => ({ id: i, type, privateConnectivityInfo: link(`v1-${p}`) })),
        otlp: { multiAZ: false, url: "https://otlp.v1", privateConnectivityInfo: link("v1-otlp") },
        pdc: { api: link("v1-pdc-api"), gateway: link("v1-pdc-gw") },
        services: {
          influxUrl: "https://influx.v1",
          oncallApiUrl: "https://oncall.v1",
          syntheticMonitoringApiUrl: "https://sm.v1",
        },
      });
    if (path === "/api/instances/5/connections")
      return json(res, 200, {
        otlpHttpUrl: "https://otlp.legacy",
        otlpMultiAZ: false,
        privateConnectivityInfo: {
          tenants: ["grafana", "prometheus", "graphite", "logs", "traces", "profiles", "alerts"].map(
            (type, i) => ({
              id: i,
              type,
              ipAllowListCNAME: `${type}.cname`,
              info: link(`legacy-${type}`),
            }),
          ),
        },
      });
    return json(res, 404, { code: "NotFound", message: "no" });
  });
  const saved = process.env["GRAFANA_CLOUD_API_URL"];
  process.env["GRAFANA_CLOUD_API_URL"] = server.url;
  try {
    const read = await provider.read("5", { slug: "s" });
    expect(read.props).toMatchObject({
      // The v1 answer first.
      otlpUrl: "https://otlp.v1",
      otlpPrivateConnectivityInfoPrivateDns: "v1-otlp.dns",
      otlpPrivateConnectivityInfoServiceName: "v1-otlp.svc",
      influxUrl: "https://influx.v1",
      oncallApiUrl: "https://oncall.v1",
      syntheticMonitoringApiUrl: "https://sm.v1",
      pdcApiPrivateConnectivityInfoPrivateDns: "v1-pdc-api.dns",
      pdcApiPrivateConnectivityInfoServiceName: "v1-pdc-api.svc",
      pdcGatewayPrivateConnectivityInfoPrivateDns: "v1-pdc-gw.dns",
      pdcGatewayPrivateConnectivityInfoServiceName: "v1-pdc-gw.svc",
      prometheusPrivateConnectivityInfoPrivateDns: "v1-prom.dns",
      graphitePrivateConnectivityInfoServiceName: "v1-graphite.svc",
      logsPrivateConnectivityInfoPrivateDns: "v1-logs.dns",
      tracesPrivateConnectivityInfoServiceName: "v1-traces.svc",
      profilesPrivateConnectivityInfoPrivateDns: "v1-profiles.dns",
      fleetManagementPrivateConnectivityInfoPrivateDns: "v1-fleet.dns",
      fleetManagementPrivateConnectivityInfoServiceName: "v1-fleet.svc",
      // The CNAMEs only the legacy answer has.
      grafanasIpAllowListCname: "grafana.cname",
      prometheusIpAllowListCname: "prometheus.cname",
      graphiteIpAllowListCname: "graphite.cname",
      logsIpAllowListCname: "logs.cname",
      tracesIpAllowListCname: "traces.cname",
      profilesIpAllowListCname: "profiles.cname",
      alertmanagerIpAllowListCname: "alerts.cname",
    });
    // A stack object without optional fields leaves their outputs out.
    expect(read.props).not.toHaveProperty("prometheusUrl");
    expect(read.props).not.toHaveProperty("prometheusRemoteWriteEndpoint");
  } finally {
    process.env["GRAFANA_CLOUD_API_URL"] = saved;
    await server.close();
  }
});
