// The route table: one entry per endpoint (method, itty-router path, handler, OpenAPI summary).
import type { RequestContext } from '../context.js';
import {
  deleteTenant,
  deleteWorker,
  getBanList,
  getConfig,
  getNamespace,
  getPolicy,
  getRules,
  postBanList,
  putApprover,
  putConfig,
  putNamespace,
  putPolicy,
  putRules,
  putTenant,
} from './admin.js';
import { capabilities, health, workers } from './discovery.js';
import { getDecision, getReceipt, listDecisions, listReceipts } from './evidence.js';
import { wcpKeys } from './keys.js';
import { postRoute } from './route.js';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  pattern: RegExp;
  handler: (ctx: RequestContext) => Promise<Response>;
}

function route(method: RouteSpec['method'], path: string, handler: RouteSpec['handler']): RouteSpec {
  const pattern = new RegExp('^' + path.replace(/[.]/g, '\\.').replace(/:[a-z_]+/g, '[^/]+') + '/?$');
  return { method, path, pattern, handler };
}

export const ROUTES: readonly RouteSpec[] = [
  route('GET', '/wcp/health', health),
  route('GET', '/wcp/capabilities', capabilities),
  route('GET', '/wcp/workers', workers),
  route('POST', '/route', postRoute),
  route('GET', '/decisions', listDecisions),
  route('GET', '/decisions/:decision_id', getDecision),
  route('GET', '/receipts', listReceipts),
  route('GET', '/receipts/:receipt_id', getReceipt),
  route('GET', '/.well-known/wcp-keys.json', wcpKeys),
  route('DELETE', '/workers/:worker_id', deleteWorker),
  route('PUT', '/admin/rules', putRules),
  route('GET', '/admin/rules', getRules),
  route('PUT', '/admin/config', putConfig),
  route('GET', '/admin/config', getConfig),
  route('PUT', '/admin/policy', putPolicy),
  route('GET', '/admin/policy', getPolicy),
  route('PUT', '/admin/namespaces/:ns', putNamespace),
  route('GET', '/wcp/namespaces/:ns', getNamespace),
  route('POST', '/admin/ban-list', postBanList),
  route('GET', '/admin/ban-list', getBanList),
  route('PUT', '/admin/tenants/:tenant_id', putTenant),
  route('DELETE', '/admin/tenants/:tenant_id', deleteTenant),
  route('PUT', '/admin/approvers/:approver_id', putApprover),
];
