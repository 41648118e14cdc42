// What every MCP method handler is given: the Hall request context, who is calling (from the
// token), the protocol version this one request is served at, and the phase timer.
import type { RequestContext } from '../context.js';
import type { Principal } from '../http/auth.js';
import type { PhaseTimer } from '../http/server-timing.js';
import type { RequestVersion } from './request-version.js';

export interface McpCall {
  ctx: RequestContext;
  principal: Principal;
  version: RequestVersion;
  timer: PhaseTimer;
}

export type McpParams = Record<string, unknown> | undefined;

export type McpMethod = (call: McpCall, params: McpParams) => Promise<Record<string, unknown>>;
