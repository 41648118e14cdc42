// Builds what the Hall's gateway sends a demo worker — the dispatch envelope with a receipt signed by
// the suite's stand-in Hall key — and sends it to the demo worker's own fetch handler.
import { env } from 'cloudflare:test';
import worker from '../../demo-workers/index.js';
import { createEd25519Signer } from '../../src/crypto/ed25519.js';
import { buildReceipt, signReceipt, type ReceiptFields } from '../../src/receipts/index.js';
import { computeArtifactHash } from '../../src/routing/artifact-hash.js';
import { fromBase64Url } from '../../src/util/bytes.js';
import { DEMO_TOOLS } from '../../demo-workers/tools/index.js';

export const toolFor = (capability: string) => {
  const t = DEMO_TOOLS.find((x) => x.capability === capability);
  if (!t) throw new Error(`no demo tool for ${capability}`);
  return t;
};

export interface EnvelopeOptions {
  /** Signing key (private JWK JSON with kid); default the stand-in Hall key. */
  key?: string;
  /** Receipt fields to override (after artifact_hash is computed). */
  receipt?: Partial<ReceiptFields>;
  /** Route-input fields to override before hashing. */
  input?: Record<string, unknown>;
}

let seq = 0;

export async function envelopeFor(capability: string, args: Record<string, unknown>, opts: EnvelopeOptions = {}): Promise<Record<string, any>> {
  const tool = toolFor(capability);
  const correlation = crypto.randomUUID();
  const route_input = {
    capability_id: capability,
    env: 'dev',
    data_label: 'INTERNAL',
    tenant_risk: 'low',
    qos_class: 'P2',
    tenant_id: 'demo',
    correlation_id: correlation,
    request: { arguments: structuredClone(args) },
    blast_radius: null,
    blast_score: null,
    privilege_context: null,
    dry_run: false,
    tenant_credential: null,
    ...opts.input,
  };
  const jwk = JSON.parse(opts.key ?? env.TEST_HALL_KEY) as { d: string; kid: string };
  seq += 1;
  const decisionId = `dec_test_${seq}_${correlation.slice(0, 8)}`;
  const fields: ReceiptFields = {
    tenant_id: 'demo',
    seq,
    prev_receipt_hash: seq === 1 ? null : 'a'.repeat(64),
    decision_id: decisionId,
    correlation_id: correlation,
    worker_id: tool.workerId,
    worker_species_id: 'wrk.test',
    capability_id: capability,
    policy_decision: 'ALLOW',
    deny_code: null,
    controls_verified: ['ctrl.obs.audit-log-append-only'],
    artifact_hash: computeArtifactHash(route_input as Parameters<typeof computeArtifactHash>[0]),
    rules_version: 'rv-test',
    approval_id: null,
    signing_key_id: jwk.kid,
    dry_run: false,
    ...opts.receipt,
  };
  const receipt = await signReceipt(buildReceipt(fields), await createEd25519Signer(fromBase64Url(jwk.d)));
  return { wcp_dispatch: 'edgehall-dispatch-v1', tool: capability, route_input, decision_id: decisionId, receipt };
}

/** POSTs `body` to the demo worker at `path` as the Hall's dispatcher does (headers from the body). */
export async function dispatch(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; result: Record<string, any> }> {
  const b = body as { decision_id?: string; receipt?: { receipt_id?: string } } | null;
  const request = new Request(`https://demo.internal${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(b?.decision_id ? { 'x-wcp-decision-id': b.decision_id } : {}),
      ...(b?.receipt?.receipt_id ? { 'x-wcp-receipt-id': b.receipt.receipt_id } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return send(request);
}

export async function send(request: Request): Promise<{ status: number; result: Record<string, any> }> {
  const res = await worker.fetch(request, env);
  return { status: res.status, result: (await res.json()) as Record<string, any> };
}

/** Calls a demo worker with a well-formed, correctly signed dispatch. */
export async function call(capability: string, args: Record<string, unknown>) {
  return dispatch(`/${toolFor(capability).workerId}`, await envelopeFor(capability, args));
}

/** Sets what the stand-in Hall serves at /.well-known/wcp-keys.json. */
export async function serveKeys(jwks: unknown, down = false): Promise<void> {
  const res = await env.HALL.fetch('https://hall.internal/__test/keys', { method: 'PUT', body: JSON.stringify({ jwks, down }) });
  if (res.status !== 204) throw new Error(`stand-in Hall refused the key set (${res.status})`);
}
