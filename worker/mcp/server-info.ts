// How the gateway introduces itself: identity, capabilities and instructions, the same for the
// initialize answer (2025 revisions) and server/discover (2026-07-28).
import { WCP_META_KEY } from './wcp-meta.js';

export const SERVER_INFO = Object.freeze({ name: 'edgehall', version: '0.1.0' });

export const INSTRUCTIONS =
  'Every tool here is a WCP capability governed by an edgehall Hall: each tools/call is decided by the Hall ' +
  '(tenant from your token), recorded with a signed receipt, and only then dispatched to the selected worker. ' +
  `Results carry _meta["${WCP_META_KEY}"] with the decision id, the receipt and the deny code. A denied call is a ` +
  'result with isError and the deny code; a call that needs a human returns the pending approval id: once an ' +
  `approver resolves it, call the same tool with the same arguments and _meta["${WCP_META_KEY}"].approval_id.`;
