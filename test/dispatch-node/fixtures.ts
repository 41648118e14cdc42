// A Hall-like signer for SDK tests: signed receipts and dispatch envelopes built with the SDK's own
// builders (the same ones the Hall uses), so the tests exercise the real verification path.
import {
  DISPATCH_DECISION_HEADER,
  DISPATCH_ENVELOPE_VERSION,
  DISPATCH_RECEIPT_HEADER,
  buildReceipt,
  computeArtifactHash,
  createEd25519Signer,
  exportEd25519PublicJwk,
  generateEd25519KeyPair,
  signReceipt,
  type DispatchEnvelope,
  type DispatchedRouteInput,
  type Ed25519Signer,
  type Receipt,
} from '../../src/index.js';

export interface HallKey {
  signer: Ed25519Signer;
  kid: string;
  jwks: { keys: unknown[] };
}

export async function hallKey(kid = 'hall-test-key'): Promise<HallKey> {
  const pair = await generateEd25519KeyPair();
  const signer = await createEd25519Signer(pair.seed);
  return { signer, kid, jwks: { keys: [exportEd25519PublicJwk(pair.publicKey, { kid })] } };
}

export const WORKER_ID = 'org.demo.doc-summarizer';

export function routeInput(overrides: Partial<DispatchedRouteInput> = {}): DispatchedRouteInput {
  return {
    capability_id: 'cap.doc.summarize',
    env: 'dev',
    data_label: 'INTERNAL',
    tenant_risk: 'low',
    qos_class: 'P2',
    tenant_id: 'demo',
    correlation_id: crypto.randomUUID(),
    request: { arguments: { text: 'The quick brown fox.' } },
    blast_radius: null,
    blast_score: null,
    privilege_context: null,
    dry_run: false,
    tenant_credential: null,
    ...overrides,
  };
}

export interface ReceiptOverrides {
  policy_decision?: 'ALLOW' | 'DENY' | 'REQUIRE_HUMAN';
  deny_code?: string | null;
  worker_id?: string | null;
  dry_run?: boolean;
  dispatched_at?: string;
  artifact_hash?: string | null;
  decision_id?: string;
}

export async function signedReceipt(key: HallKey, input: DispatchedRouteInput, o: ReceiptOverrides = {}): Promise<Receipt> {
  const unsigned = buildReceipt({
    tenant_id: input.tenant_id,
    seq: 1,
    prev_receipt_hash: null,
    decision_id: o.decision_id ?? crypto.randomUUID(),
    correlation_id: input.correlation_id,
    ...(o.dispatched_at ? { dispatched_at: o.dispatched_at } : {}),
    worker_id: o.worker_id === undefined ? WORKER_ID : o.worker_id,
    worker_species_id: 'wrk.doc.summarizer',
    capability_id: input.capability_id,
    policy_decision: o.policy_decision ?? 'ALLOW',
    deny_code: o.deny_code ?? null,
    controls_verified: [],
    artifact_hash: o.artifact_hash === undefined ? computeArtifactHash(input) : o.artifact_hash,
    rules_version: 'v-test',
    approval_id: null,
    dry_run: o.dry_run ?? input.dry_run,
    signing_key_id: key.kid,
  });
  return signReceipt(unsigned, key.signer);
}

export async function envelope(key: HallKey, input = routeInput(), o: ReceiptOverrides = {}): Promise<DispatchEnvelope> {
  const receipt = await signedReceipt(key, input, o);
  return { wcp_dispatch: DISPATCH_ENVELOPE_VERSION, tool: input.capability_id, route_input: input, decision_id: receipt.decision_id, receipt };
}

export function dispatchRequest(env: unknown, headers: Record<string, string> = {}): Request {
  const e = env as DispatchEnvelope;
  return new Request('https://worker.test/dispatch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', [DISPATCH_DECISION_HEADER]: e.decision_id, [DISPATCH_RECEIPT_HEADER]: e.receipt.receipt_id, ...headers },
    body: JSON.stringify(env),
  });
}
