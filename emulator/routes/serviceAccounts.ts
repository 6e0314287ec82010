import type { FastifyInstance } from "fastify";
import type { OperationId } from "../contract";
import type { Ctx } from "../context";
import {
  createServiceAccount,
  createServiceAccountToken,
  deleteServiceAccount,
  deleteServiceAccountToken,
  listServiceAccountTokens,
  parseServiceAccountCreate,
  parseServiceAccountTokenCreate,
  requireProxyStack,
  requireServiceAccount,
  searchServiceAccounts,
  serviceAccountTokenView,
  serviceAccountView,
} from "../model/serviceAccount";

type ByStack = { Params: { stack: string } };
type ByAccount = { Params: { stack: string; id: string } };
type ByToken = { Params: { stack: string; id: string; tokenId: string } };

/**
 * The instance proxy's service-account routes, `/instances/{stack}/api/serviceaccounts…`, with the
 * contract's shapes: search paging, a bare array of tokens, no body on deletes. Every one needs
 * the scope `stack-service-accounts:write`, the reads too, as the contract lists.
 */
export function registerServiceAccounts(app: FastifyInstance, ctx: Ctx): void {
  const route = (op: OperationId) => ({ config: { op, scope: "stack-service-accounts:write" } });
  const base = "/api/instances/:stack/api/serviceaccounts";

  app.post<ByStack>(base, route("postInstanceServiceAccounts"), async (req) => {
    const stack = requireProxyStack(ctx, req.params.stack);
    return serviceAccountView(ctx, createServiceAccount(ctx, stack, parseServiceAccountCreate(req.body)));
  });

  // Grafana answers whole accounts in the search; the contract promises only `{id, name}` there.
  app.get<ByStack>(`${base}/search`, route("getInstanceServiceAccountsSearch"), async (req) => {
    const stack = requireProxyStack(ctx, req.params.stack);
    const page = searchServiceAccounts(ctx, stack, req.query);
    return {
      ...page,
      serviceAccounts: page.serviceAccounts.map((sa) =>
        ctx.strict ? { id: sa.id, name: sa.name } : serviceAccountView(ctx, sa),
      ),
    };
  });

  app.get<ByAccount>(`${base}/:id`, route("getInstanceServiceAccount"), async (req) => {
    const stack = requireProxyStack(ctx, req.params.stack);
    return serviceAccountView(ctx, requireServiceAccount(ctx, stack, req.params.id));
  });

  app.delete<ByAccount>(`${base}/:id`, route("deleteInstanceServiceAccount"), async (req, reply) => {
    const stack = requireProxyStack(ctx, req.params.stack);
    deleteServiceAccount(ctx, requireServiceAccount(ctx, stack, req.params.id));
    return reply.status(200).send();
  });

  app.get<ByAccount>(`${base}/:id/tokens`, route("getInstanceServiceAccountTokens"), async (req) => {
    const stack = requireProxyStack(ctx, req.params.stack);
    const sa = requireServiceAccount(ctx, stack, req.params.id);
    return listServiceAccountTokens(ctx, sa).map((t) => serviceAccountTokenView(ctx, t));
  });

  app.post<ByAccount>(`${base}/:id/tokens`, route("postInstanceServiceAccountTokens"), async (req) => {
    const stack = requireProxyStack(ctx, req.params.stack);
    const sa = requireServiceAccount(ctx, stack, req.params.id);
    return createServiceAccountToken(ctx, stack, sa, parseServiceAccountTokenCreate(req.body, ctx.now()));
  });

  app.delete<ByToken>(
    `${base}/:id/tokens/:tokenId`,
    route("deleteInstanceServiceAccountToken"),
    async (req, reply) => {
      const stack = requireProxyStack(ctx, req.params.stack);
      deleteServiceAccountToken(ctx, requireServiceAccount(ctx, stack, req.params.id), req.params.tokenId);
      return reply.status(200).send();
    },
  );
}
