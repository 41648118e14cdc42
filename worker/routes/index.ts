// The route table: one entry per endpoint (method, itty-router path, handler, OpenAPI summary).
import type { RequestContext } from '../context.js';
import { health } from './discovery.js';

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

export const ROUTES: readonly RouteSpec[] = [route('GET', '/wcp/health', health)];
