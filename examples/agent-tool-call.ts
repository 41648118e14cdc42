// An agent platform that governs every tool call: route → dispatch → receipt.
// The agent proposes a tool call; the Hall decides whether (and which worker) may run it, under
// which controls, and signs a receipt. Only an allowed decision with verified evidence dispatches.
//
//   HALL_URL=http://127.0.0.1:8787 HALL_TOKEN=<tenant token> npx tsx examples/agent-tool-call.ts
import { HallClient, HallReceiptError, type HallRouteRequest } from 'edgehall/client';

interface Tool {
  capability_id: string;
  /** The worker implementations this platform can run, by species id. */
  workers: Record<string, (args: Record<string, unknown>) => Promise<unknown>>;
}

const tools: Record<string, Tool> = {
  summarize: {
    capability_id: 'cap.doc.summarize',
    workers: {
      'wrk.doc.summarizer': async (args) => `summary of ${String(args['document_id'])} in ${String(args['max_words'] ?? 100)} words`,
    },
  },
  charge_card: {
    capability_id: 'cap.payments.charge',
    workers: { 'wrk.payments.stripe': async () => 'charged' },
  },
};

/** Who is asking, and under what conditions: the parts of a RouteInput the platform knows. */
type CallContext = Pick<HallRouteRequest, 'tenant_id' | 'env' | 'data_label' | 'tenant_risk' | 'qos_class'> & { correlation_id: string };

export type ToolCallOutcome =
  | { status: 'ok'; tool: string; worker: string; output: unknown; receipt_id: string; receipt_seq: number }
  | { status: 'denied'; tool: string; code: string; receipt_id: string }
  | { status: 'awaiting_approval'; tool: string; approval_id: string | null; supervisor_level: string | undefined; receipt_id: string }
  | { status: 'refused'; tool: string; reason: string };

/**
 * Runs one tool call under the Hall. `approvalId` re-submits a call a human has approved (the Hall
 * allows it once and its receipt cites the approval).
 */
export async function governedToolCall(hall: HallClient, ctx: CallContext, name: string, args: Record<string, unknown>, approvalId?: string): Promise<ToolCallOutcome> {
  const tool = tools[name];
  if (!tool) return { status: 'refused', tool: name, reason: 'unknown tool' };

  let routed;
  try {
    routed = await hall.route({ ...ctx, capability_id: tool.capability_id, request: args, ...(approvalId ? { approval_id: approvalId } : {}) });
  } catch (err) {
    // No verifiable evidence, no dispatch (fail closed). Transport and auth errors propagate.
    if (err instanceof HallReceiptError) return { status: 'refused', tool: name, reason: `receipt did not verify (${err.reason})` };
    throw err;
  }
  const { decision, receipt } = routed;

  if (decision.denied) {
    if (decision.pending_approval_id !== undefined) {
      return { status: 'awaiting_approval', tool: name, approval_id: decision.pending_approval_id ?? null, supervisor_level: decision.supervisor_level, receipt_id: receipt.receipt_id };
    }
    return { status: 'denied', tool: name, code: decision.deny_reason_if_denied?.code ?? 'DENY_UNKNOWN', receipt_id: receipt.receipt_id };
  }

  const species = decision.selected_worker_species_id;
  const run = species ? tool.workers[species] : undefined;
  if (!run) return { status: 'refused', tool: name, reason: `the Hall selected ${species}, which this platform cannot run` };
  const output = await run(args);
  return { status: 'ok', tool: name, worker: species!, output, receipt_id: receipt.receipt_id, receipt_seq: receipt.seq };
}

// A short agent session: one correlation id for the whole task, three tool calls.
if (import.meta.url === `file://${process.argv[1]}`) {
  const hall = new HallClient({ baseUrl: process.env.HALL_URL ?? 'http://127.0.0.1:8787', token: process.env.HALL_TOKEN });
  const ctx: CallContext = { tenant_id: 'demo', env: 'dev', data_label: 'INTERNAL', tenant_risk: 'low', qos_class: 'P2', correlation_id: crypto.randomUUID() };
  console.log(JSON.stringify(await governedToolCall(hall, ctx, 'summarize', { document_id: 'doc-42', max_words: 80 })));
  console.log(JSON.stringify(await governedToolCall(hall, ctx, 'charge_card', { amount_cents: 500 })));
  const restricted = { ...ctx, env: 'prod', data_label: 'RESTRICTED' } as const;
  const waiting = await governedToolCall(hall, restricted, 'summarize', { document_id: 'board-minutes' });
  console.log(JSON.stringify(waiting));

  // Out of band, a supervisor reviews the pending approval (here: with an approver token from the
  // environment); the agent then re-submits the same call citing it.
  const approverToken = process.env.HALL_APPROVER_TOKEN;
  if (waiting.status === 'awaiting_approval' && waiting.approval_id && approverToken) {
    await hall.approvals.resolve(waiting.approval_id, 'approve', { token: approverToken, reason: 'board minutes may be summarized for the board' });
    console.log(JSON.stringify(await governedToolCall(hall, restricted, 'summarize', { document_id: 'board-minutes' }, waiting.approval_id)));
  }
  const audit = await hall.verifyChain(ctx.tenant_id);
  console.log(JSON.stringify({ audit: audit.ok, receipts: audit.verified }));
}
