// HallClient: the edge Hall's HTTP API from any runtime with fetch (browsers, Node, Deno, Bun,
// Workers). Every receipt it hands back has been verified against the Hall's published keys.
import type { RegistryRecordLike, RouteDecision, RouteInputLike } from '../routing/schemas.js';
import { CLIENT_CODES, HallApiError, HallReceiptError } from './errors.js';
import { Transport, type CallOptions, type TransportOptions, type UploadBody } from './http.js';
import type { ChainVerdict } from '../receipts/verify.js';
import { HallKeyCache, checkChain, checkReceipt, type HallJwks, type HallReceipt } from './receipt-check.js';
import { enrollmentBody, type EnrollmentSigner } from './enrollment.js';

export interface HallClientOptions extends TransportOptions {
  /** Verify every receipt against `/.well-known/wcp-keys.json` (default true). Turn off only for debugging. */
  verifyReceipts?: boolean | undefined;
  /** How long the Hall's key set is cached, in milliseconds (default 5 minutes). An unknown key id refetches once. */
  keysTtlMs?: number | undefined;
}

/** `POST /route` body: a RouteInput, plus the id of an approved human approval when re-submitting. */
export type HallRouteRequest = RouteInputLike & { approval_id?: string | null | undefined };

/** A REQUIRE_HUMAN result stays denied but says how to get it approved (spec §5.8). */
export interface HallApprovalHint {
  pending_approval_id?: string;
  supervisor_level?: string;
  approval_expires_at?: string;
}

export interface HallRouteResult {
  decision: RouteDecision & HallApprovalHint & Record<string, unknown>;
  receipt: HallReceipt;
}

export interface HallEnrollOptions extends CallOptions {
  /**
   * Sign the enrollment with a key registered for the worker's namespace (required by the Hall once
   * the namespace has keys): `{ kid, sign }`, e.g. `{ kid, ...await createEd25519Signer(seed) }`.
   */
  signer?: EnrollmentSigner | undefined;
  /** Send the record's own artifact_hash instead of computing it (to test the Hall's check). */
  keepArtifactHash?: boolean | undefined;
}

export interface HallEnrollResult {
  enrolled: boolean;
  enrollment_id: string;
  worker_id: string;
  artifact_hash_verified: boolean;
  enrolled_at: string;
  [extra: string]: unknown;
}

/** Filters for `GET /decisions` (all optional; newest first). */
export interface HallDecisionQuery {
  tenant_id?: string | undefined;
  capability_id?: string | undefined;
  worker_species_id?: string | undefined;
  denied?: boolean | undefined;
  deny_code?: string | undefined;
  /** ISO 8601 lower bound (inclusive). */
  since?: string | undefined;
  /** ISO 8601 upper bound (exclusive). */
  until?: string | undefined;
  /** Page size (the Hall caps it). */
  limit?: number | undefined;
  /** Resume from a page's `next_cursor`. */
  cursor?: string | undefined;
  [extra: string]: string | number | boolean | undefined;
}

/** One row of the decision log: the indexed columns plus the full decision as routed. */
export type HallDecisionRecord = Record<string, unknown> & {
  decision_id: string;
  tenant_id?: string;
  capability_id?: string;
  denied?: boolean;
  deny_code?: string | null;
  selected_worker_species_id?: string | null;
  rules_version?: string;
  approval_id?: string | null;
  receipt_id?: string | null;
  receipt_seq?: number | null;
  created_at?: string;
  decision?: RouteDecision & Record<string, unknown>;
};

export interface HallDecisionPage {
  decisions: HallDecisionRecord[];
  next_cursor: string | null;
}

export interface HallReceiptQuery {
  tenant_id: string;
  /** Receipts with seq greater than this (default 0: from the start of the chain). */
  after_seq?: number | undefined;
  limit?: number | undefined;
}

export interface HallChainOptions extends CallOptions {
  after_seq?: number | undefined;
  /** Receipts per request (default 500). */
  page_size?: number | undefined;
  /** Stop after this many receipts (default 100 000). */
  max?: number | undefined;
}

export type HallApprovalResolution = 'approve' | 'deny' | 'escalate';

export type HallApproval = Record<string, unknown> & { approval_id: string };

export interface HallAttestVerifyParams {
  worker_id: string;
  species: string;
}

/** The Hall's verdict on an uploaded package. */
export type HallAttestVerdict = Json & { ok: boolean; deny_code: string | null; package_hash?: string; message?: string };

export interface HallUploadOptions extends CallOptions {
  /** Content type of the archive (default: the Blob's type, else application/octet-stream). */
  contentType?: string | undefined;
  /** A leading directory to remove from every archive path (e.g. `package/` in npm tarballs). */
  stripPrefix?: string | undefined;
}

/** `GET /wcp/whoami`. */
export type HallWhoami = Json & {
  kind: 'admin' | 'tenant' | 'approver';
  id: string;
  /** Tenants the token may read; `["*"]` for every tenant. */
  tenants: string[];
  supervisor_level: string | null;
  may: { route: boolean; enroll: boolean; resolve_approvals: boolean; admin: boolean };
};

/** Filters for `GET /wcp/feed` (those of /decisions, plus the cursor `after`). */
export interface HallFeedQuery {
  tenant_id?: string | undefined;
  capability_id?: string | undefined;
  worker_species_id?: string | undefined;
  denied?: boolean | undefined;
  deny_code?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  /** The `cursor` of the previous answer. */
  after?: string | undefined;
  limit?: number | undefined;
}

export interface HallFeedPage {
  /** Without `after`: the newest, oldest first; with it: those written since, oldest first. */
  decisions: HallDecisionRecord[];
  /** Send as `after` next time. */
  cursor: string;
  /** More are waiting after this page: poll again at once. */
  more: boolean;
}

/** Filters for `GET /wcp/stats/denials`. */
export interface HallDenialsQuery {
  tenant_id?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  bucket?: 'hour' | 'day' | undefined;
}

/** Filters for `GET /wcp/workers` (paged). */
export interface HallWorkersQuery {
  capability_id?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

type Json = Record<string, unknown>;

function asObject(value: unknown, what: string, request: string): Json {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new HallApiError({ status: 200, code: CLIENT_CODES.BAD_RESPONSE, detail: `expected ${what} as a JSON object.`, request });
  }
  return value as Json;
}

function asArray(value: unknown, what: string, request: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new HallApiError({ status: 200, code: CLIENT_CODES.BAD_RESPONSE, detail: `expected ${what} as a JSON array.`, request });
  }
  return value;
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '' || value.length > 1024) {
    throw new HallApiError({ status: 0, code: CLIENT_CODES.INVALID_ARGUMENT, detail: `${what} must be a non-empty string (at most 1024 characters).` });
  }
  return value;
}

const seg = (s: string): string => encodeURIComponent(s);

/** The first field where a (verified) receipt and the decision it came with disagree, or null. */
function receiptDisagreement(receipt: HallReceipt, decision: HallRouteResult['decision'], input: HallRouteRequest): string | null {
  const r = receipt as Record<string, unknown>;
  const d = decision as Record<string, unknown>;
  if (r['decision_id'] !== d['decision_id']) return 'decision_id';
  if (r['tenant_id'] !== input.tenant_id || (d['tenant_id'] !== undefined && d['tenant_id'] !== r['tenant_id'])) return 'tenant_id';
  if (r['capability_id'] !== input.capability_id) return 'capability_id';
  if (r['correlation_id'] !== input.correlation_id) return 'correlation_id';
  if (typeof d['denied'] !== 'boolean' || (r['policy_decision'] === 'ALLOW') === d['denied']) return 'policy_decision';
  if (!d['denied'] && r['worker_species_id'] !== d['selected_worker_species_id']) return 'worker_species_id';
  if (d['denied'] && r['deny_code'] !== (decision.deny_reason_if_denied?.code ?? r['deny_code'])) return 'deny_code';
  if ('artifact_hash' in d && r['artifact_hash'] !== d['artifact_hash']) return 'artifact_hash';
  return null;
}

export class HallClient {
  private readonly http: Transport;
  private readonly verify: boolean;
  private readonly keys: HallKeyCache;

  /** Human approvals (spec §5.8). */
  readonly approvals: {
    /** `GET /wcp/approvals/pending`: approvals waiting for a decision. */
    pending(query?: { tenant_id?: string; limit?: number }, opts?: CallOptions): Promise<HallApproval[]>;
    /** `GET /wcp/approvals/:id`. */
    get(id: string, opts?: CallOptions): Promise<HallApproval>;
    /** `POST /wcp/approvals/:id/resolve` with an approver's token (pass it as `opts.token`). */
    resolve(id: string, resolution: HallApprovalResolution, opts?: CallOptions & { reason?: string }): Promise<Json>;
  };

  /** Package attestation: the archive streams from a Blob, File or ReadableStream, never buffered here. */
  readonly attest: {
    /** `POST /attest/hash`: the canonical package hash of a `.tar`/`.tgz`. */
    hash(archive: UploadBody, opts?: HallUploadOptions): Promise<Json>;
    /** `POST /attest/verify`: verify the archive's `manifest.json`; a denial resolves with `ok: false` and its `deny_code`. */
    verify(archive: UploadBody, params: HallAttestVerifyParams, opts?: HallUploadOptions): Promise<HallAttestVerdict>;
    /** `POST /workers/:worker_id/attestation`: register a verified package hash for routing-time checks. */
    register(workerId: string, archive: UploadBody, opts?: HallUploadOptions & { species?: string }): Promise<Json>;
  };

  constructor(options: HallClientOptions) {
    this.http = new Transport(options);
    this.verify = options.verifyReceipts !== false;
    this.keys = new HallKeyCache(
      (call) => this.http.json<unknown>({ method: 'GET', path: '/.well-known/wcp-keys.json', idempotent: true, anonymous: true }, call).then((r) => r.body),
      options.keysTtlMs ?? 5 * 60_000,
    );

    this.approvals = {
      pending: async (query = {}, opts) => {
        const path = '/wcp/approvals/pending';
        const r = await this.http.json<unknown>({ method: 'GET', path, query, idempotent: true }, opts);
        const body = r.body;
        const list = Array.isArray(body) ? body : asObject(body, 'the pending approvals', `GET ${path}`)['approvals'];
        return asArray(list, 'approvals', `GET ${path}`) as HallApproval[];
      },
      get: async (id, opts) => {
        const path = `/wcp/approvals/${seg(requireString(id, 'approval id'))}`;
        const r = await this.http.json<unknown>({ method: 'GET', path, idempotent: true }, opts);
        return asObject(r.body, 'the approval', `GET ${path}`) as HallApproval;
      },
      resolve: async (id, resolution, opts = {}) => {
        const path = `/wcp/approvals/${seg(requireString(id, 'approval id'))}/resolve`;
        const json: Json = { decision: resolution };
        if (opts.reason !== undefined) json['reason'] = opts.reason;
        const r = await this.http.json({ method: 'POST', path, json, idempotent: false }, opts);
        return asObject(r.body, 'the resolved approval', `POST ${path}`);
      },
    };

    this.attest = {
      hash: async (archive, opts = {}) => {
        const query = { strip_prefix: opts.stripPrefix };
        const r = await this.http.json({ method: 'POST', path: '/attest/hash', query, body: archive, contentType: opts.contentType, idempotent: false }, opts);
        return asObject(r.body, 'the package hash', 'POST /attest/hash');
      },
      verify: async (archive, params, opts = {}) => {
        const query = { worker_id: requireString(params.worker_id, 'worker_id'), species: requireString(params.species, 'species'), strip_prefix: opts.stripPrefix };
        // A denied verification is an answer (ok: false + deny_code), not a transport failure.
        const r = await this.http.json({ method: 'POST', path: '/attest/verify', query, body: archive, contentType: opts.contentType, idempotent: false, acceptStatus: [422] }, opts);
        const verdict = asObject(r.body, 'the verification verdict', 'POST /attest/verify') as HallAttestVerdict;
        if (r.status === 422 && verdict.ok !== false) {
          // A 422 that is not a verdict (e.g. an unreadable archive) is an error like any other.
          const str = (k: string) => (typeof verdict[k] === 'string' ? (verdict[k] as string) : undefined);
          throw new HallApiError({ status: 422, code: str('code') ?? CLIENT_CODES.HTTP_ERROR, detail: str('detail') ?? 'the archive could not be verified.', request: 'POST /attest/verify', problem: verdict });
        }
        return verdict;
      },
      register: async (workerId, archive, opts = {}) => {
        const path = `/workers/${seg(requireString(workerId, 'worker_id'))}/attestation`;
        const query = { species: opts.species, strip_prefix: opts.stripPrefix };
        const r = await this.http.json({ method: 'POST', path, query, body: archive, contentType: opts.contentType, idempotent: false }, opts);
        return asObject(r.body, 'the registered attestation', `POST ${path}`);
      },
    };
  }

  /** The base URL requests go to (normalised, no trailing slash). */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /**
   * `POST /route`: ask the Hall for a decision. Allowed and denied decisions both resolve; read
   * `decision.denied`. The receipt is verified (signature, hash, and that it records this decision)
   * before this resolves; a receipt that fails rejects with HallReceiptError. Never retried.
   */
  async route(input: HallRouteRequest, opts: CallOptions = {}): Promise<HallRouteResult> {
    const r = await this.http.json<unknown>({ method: 'POST', path: '/route', json: input, idempotent: false }, opts);
    const body = asObject(r.body, 'the route result', 'POST /route');
    const decision = asObject(body['decision'], 'decision', 'POST /route') as HallRouteResult['decision'];
    const receipt = asObject(body['receipt'], 'receipt', 'POST /route') as HallReceipt;
    if (this.verify) {
      await this.verifyReceipt(receipt, opts);
      // The decision object is not signed; the receipt is. Everything a caller acts on must agree.
      const field = receiptDisagreement(receipt, decision, input);
      if (field) {
        throw new HallReceiptError('RECEIPT_DECISION_MISMATCH', `The receipt does not record the decision it came with (${field} differs); do not dispatch.`, receipt);
      }
    }
    return { decision, receipt };
  }

  /**
   * `POST /enroll`: enroll a worker registry record. The client computes `artifact_hash` (pyhall's
   * rule) and, with `opts.signer`, signs it; the Hall checks both.
   */
  async enroll(record: RegistryRecordLike & Json, opts: HallEnrollOptions = {}): Promise<HallEnrollResult> {
    const json = await enrollmentBody(record, opts.signer);
    if (opts.keepArtifactHash && record['artifact_hash'] !== undefined) json['artifact_hash'] = record['artifact_hash'];
    const r = await this.http.json({ method: 'POST', path: '/enroll', json, idempotent: false }, opts);
    return asObject(r.body, 'the enrollment result', 'POST /enroll') as HallEnrollResult;
  }

  /** One page of `GET /decisions` (newest first); pass `next_cursor` back as `cursor` for the next. */
  async decisionsPage(query: HallDecisionQuery = {}, opts: CallOptions = {}): Promise<HallDecisionPage> {
    const r = await this.http.json<unknown>({ method: 'GET', path: '/decisions', query, idempotent: true }, opts);
    const body = asObject(r.body, 'the decision page', 'GET /decisions');
    const decisions = asArray(body['decisions'], 'decisions', 'GET /decisions') as HallDecisionRecord[];
    const next = body['next_cursor'];
    return { decisions, next_cursor: typeof next === 'string' && next !== '' ? next : null };
  }

  /** Every decision matching `query`, newest first, fetched a page at a time as you iterate. */
  async *decisions(query: HallDecisionQuery = {}, opts: CallOptions = {}): AsyncGenerator<HallDecisionRecord, void, undefined> {
    let cursor = query.cursor;
    const seen = new Set<string>();
    for (;;) {
      const page = await this.decisionsPage({ ...query, cursor }, opts);
      for (const d of page.decisions) yield d;
      if (!page.next_cursor || page.decisions.length === 0) return;
      // A cursor that repeats would loop forever: treat it as a broken server.
      if (seen.has(page.next_cursor)) {
        throw new HallApiError({ status: 200, code: CLIENT_CODES.BAD_RESPONSE, detail: 'the Hall returned the same cursor twice.', request: 'GET /decisions' });
      }
      seen.add(page.next_cursor);
      cursor = page.next_cursor;
    }
  }

  /** `GET /decisions/:id`. */
  async decision(id: string, opts: CallOptions = {}): Promise<HallDecisionRecord> {
    const path = `/decisions/${seg(requireString(id, 'decision id'))}`;
    const r = await this.http.json<unknown>({ method: 'GET', path, idempotent: true }, opts);
    return asObject(r.body, 'the decision', `GET ${path}`) as HallDecisionRecord;
  }

  /** `GET /receipts/:id`, verified. */
  async receipt(id: string, opts: CallOptions = {}): Promise<HallReceipt> {
    const path = `/receipts/${seg(requireString(id, 'receipt id'))}`;
    const r = await this.http.json<unknown>({ method: 'GET', path, idempotent: true }, opts);
    const body = asObject(r.body, 'the receipt', `GET ${path}`);
    const receipt = (body['receipt'] && typeof body['receipt'] === 'object' ? body['receipt'] : body) as HallReceipt;
    if (this.verify) await this.verifyReceipt(receipt, opts);
    return receipt;
  }

  /** `GET /receipts?tenant_id=&after_seq=&limit=`: one chain segment in seq order, each receipt verified. */
  async receipts(query: HallReceiptQuery, opts: CallOptions = {}): Promise<HallReceipt[]> {
    requireString(query.tenant_id, 'tenant_id');
    const r = await this.http.json<unknown>({ method: 'GET', path: '/receipts', query: { ...query }, idempotent: true }, opts);
    const body = asObject(r.body, 'the receipt segment', 'GET /receipts');
    const list = asArray(body['receipts'], 'receipts', 'GET /receipts') as HallReceipt[];
    if (this.verify) for (const receipt of list) await this.verifyReceipt(receipt, opts);
    return list;
  }

  /** A tenant's whole chain (from `after_seq`), fetched page by page in seq order. Not verified here: see verifyChain. */
  async *receiptChain(tenantId: string, opts: HallChainOptions = {}): AsyncGenerator<HallReceipt, void, undefined> {
    requireString(tenantId, 'tenant_id');
    const pageSize = Math.max(1, Math.min(1000, Math.floor(opts.page_size ?? 500)));
    const max = Math.max(1, Math.floor(opts.max ?? 100_000));
    let after = opts.after_seq ?? 0;
    let count = 0;
    while (count < max) {
      const r = await this.http.json<unknown>(
        { method: 'GET', path: '/receipts', query: { tenant_id: tenantId, after_seq: after, limit: Math.min(pageSize, max - count) }, idempotent: true },
        opts,
      );
      const body = asObject(r.body, 'the receipt segment', 'GET /receipts');
      const list = asArray(body['receipts'], 'receipts', 'GET /receipts') as HallReceipt[];
      if (list.length === 0) return;
      for (const receipt of list) {
        const seq = receipt['seq'];
        if (typeof seq !== 'number' || seq <= after) {
          throw new HallApiError({ status: 200, code: CLIENT_CODES.BAD_RESPONSE, detail: `the Hall returned receipts out of seq order (after ${after}).`, request: 'GET /receipts' });
        }
        after = seq;
        count++;
        yield receipt;
      }
    }
  }

  /**
   * Fetches a tenant's chain and verifies it end to end with the Hall's published keys: every
   * signature and hash, seq without gaps, every `prev_receipt_hash` link. Resolves with the verdict
   * (`ok: false` names the first bad seq in `broken_at_seq`); rejects only when the chain cannot be fetched.
   */
  async verifyChain(tenantId: string, opts: HallChainOptions = {}): Promise<ChainVerdict & { receipts: HallReceipt[] }> {
    const receipts: HallReceipt[] = [];
    for await (const receipt of this.receiptChain(tenantId, opts)) receipts.push(receipt);
    const verdict = await checkChain(receipts, tenantId, opts.after_seq ?? 0, this.keys, opts);
    return { ...verdict, receipts };
  }

  /** Verifies one receipt with the Hall's keys (refetching them once for an unknown key id); throws HallReceiptError. */
  async verifyReceipt(receipt: unknown, opts: CallOptions = {}): Promise<void> {
    const verdict = await checkReceipt(receipt, this.keys, opts);
    if (!verdict.ok) {
      throw new HallReceiptError(verdict.code ?? 'RECEIPT_INVALID', `The Hall's receipt did not verify: ${verdict.message ?? 'unknown reason'} Do not dispatch.`, receipt);
    }
  }

  /** `GET /.well-known/wcp-keys.json` (cached for keysTtlMs). */
  publicKeys(opts: CallOptions = {}): Promise<HallJwks> {
    return this.keys.get(opts);
  }

  /** `GET /wcp/health`. */
  async health(opts: CallOptions = {}): Promise<Json> {
    const r = await this.http.json<unknown>({ method: 'GET', path: '/wcp/health', idempotent: true, anonymous: opts.token === undefined }, opts);
    return asObject(r.body, 'health', 'GET /wcp/health');
  }

  /** `GET /wcp/capabilities`: the capabilities the Hall can route. */
  async capabilities(opts: CallOptions = {}): Promise<Json> {
    const r = await this.http.json<unknown>({ method: 'GET', path: '/wcp/capabilities', idempotent: true }, opts);
    return asObject(r.body, 'capabilities', 'GET /wcp/capabilities');
  }

  /** `GET /wcp/workers`: the enrolled workers (one page; pass `next_cursor` back as `cursor`). */
  async workers(query: HallWorkersQuery = {}, opts: CallOptions = {}): Promise<Json> {
    const r = await this.http.json<unknown>({ method: 'GET', path: '/wcp/workers', query: { ...query }, idempotent: true }, opts);
    return asObject(r.body, 'workers', 'GET /wcp/workers');
  }

  // ---- read views (the Hall Monitor's data; each scoped by the token like /decisions) ----------

  private async view(path: string, query: Record<string, string | number | boolean | undefined>, what: string, opts: CallOptions): Promise<Json> {
    const r = await this.http.json<unknown>({ method: 'GET', path, query, idempotent: true }, opts);
    return asObject(r.body, what, `GET ${path}`);
  }

  /** `GET /wcp/whoami`: what the token is (admin, tenant or approver), the tenants it may read and what it may do. */
  async whoami(opts: CallOptions = {}): Promise<HallWhoami> {
    return (await this.view('/wcp/whoami', {}, 'the principal', opts)) as HallWhoami;
  }

  /**
   * `GET /wcp/feed`: without `after`, the newest matching decisions; with `after` (the previous
   * answer's `cursor`), the ones written since, oldest first. Poll it for a live feed.
   */
  async feed(query: HallFeedQuery = {}, opts: CallOptions = {}): Promise<HallFeedPage> {
    const body = await this.view('/wcp/feed', { ...query }, 'the feed', opts);
    const decisions = asArray(body['decisions'], 'decisions', 'GET /wcp/feed') as HallDecisionRecord[];
    if (typeof body['cursor'] !== 'string') throw new HallApiError({ status: 200, code: CLIENT_CODES.BAD_RESPONSE, detail: 'the feed carried no cursor.', request: 'GET /wcp/feed' });
    return { decisions, cursor: body['cursor'], more: body['more'] === true };
  }

  /** `GET /wcp/stats/summary`: today's (UTC) allowed/denied decisions and pending approvals. */
  async summary(query: { tenant_id?: string | undefined } = {}, opts: CallOptions = {}): Promise<Json> {
    return this.view('/wcp/stats/summary', { ...query }, 'the summary', opts);
  }

  /** `GET /wcp/stats/denials`: denied decisions by deny code per hour or day. */
  async denials(query: HallDenialsQuery = {}, opts: CallOptions = {}): Promise<Json> {
    return this.view('/wcp/stats/denials', { ...query }, 'the denial counts', opts);
  }

  /** `GET /wcp/crew`: enrolled workers with compliance level, attested hash, ban status and last decision. */
  async crew(query: { tenant_id?: string | undefined; limit?: number | undefined; cursor?: string | undefined } = {}, opts: CallOptions = {}): Promise<Json> {
    return this.view('/wcp/crew', { ...query }, 'the crew', opts);
  }

  /** `GET /wcp/approvals/resolved`: approvals already approved, denied or used, newest first. */
  async resolvedApprovals(query: { tenant_id?: string | undefined; limit?: number | undefined } = {}, opts: CallOptions = {}): Promise<HallApproval[]> {
    const body = await this.view('/wcp/approvals/resolved', { ...query }, 'the resolved approvals', opts);
    return asArray(body['approvals'], 'approvals', 'GET /wcp/approvals/resolved') as HallApproval[];
  }

  /** `GET /decisions/:id/rule`: the rule that matched, from the rules version the decision used. */
  async decisionRule(id: string, opts: CallOptions = {}): Promise<Json> {
    return this.view(`/decisions/${seg(requireString(id, 'decision id'))}/rule`, {}, 'the matched rule', opts);
  }

  /** `GET /admin/rules/versions` (admin): the rules in force with its lint report, and the history. */
  async rulesVersions(query: { limit?: number | undefined } = {}, opts: CallOptions = {}): Promise<Json> {
    return this.view('/admin/rules/versions', { ...query }, 'the rules versions', opts);
  }

  /** `GET /admin/rules/versions/:version` (admin): one stored rules document with its lint report. */
  async rulesVersion(version: string, opts: CallOptions = {}): Promise<Json> {
    return this.view(`/admin/rules/versions/${seg(requireString(version, 'rules version'))}`, {}, 'the rules version', opts);
  }
}
