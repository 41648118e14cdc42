// RFC 9728 protected-resource metadata, so an MCP client that meets a 401 learns how to
// authenticate: bearer tokens in the Authorization header. The Hall's own tokens are the
// authorization (issued by the operator: tenant tokens via PUT /admin/tenants/:id), so no OAuth
// authorization server is named. Served at /.well-known/oauth-protected-resource (the whole Hall)
// and at its path-suffixed form for the /mcp resource.
import type { RequestContext } from '../context.js';
import type { HallHttpError } from '../http/problem.js';
import { problemResponse } from '../http/problem.js';

export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';

export function protectedResourceMetadata(ctx: RequestContext, resourcePath: '' | '/mcp'): Record<string, unknown> {
  const origin = ctx.url.origin;
  return {
    resource: origin + resourcePath,
    bearer_methods_supported: ['header'],
    resource_name: 'edgehall Hall (WCP MCP gateway)',
    resource_documentation: 'https://github.com/edgehall/edgehall/blob/main/docs/mcp.md',
  };
}

/** A 401 that points at the metadata (RFC 9728 §5.1); an invalid token also says so (RFC 6750). */
export function unauthorized(ctx: RequestContext, err: HallHttpError): Response {
  const metadata = `${ctx.url.origin}${PROTECTED_RESOURCE_PATH}`;
  const challenge = err.code === 'AUTH_REQUIRED' ? `Bearer resource_metadata="${metadata}"` : `Bearer error="invalid_token", resource_metadata="${metadata}"`;
  return problemResponse(401, err.code, err.message, err.extras, { 'www-authenticate': challenge });
}
