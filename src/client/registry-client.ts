// RegistryClient: the pyhall registry API (api.pyhall.dev by default) from any runtime with fetch.
// Browser-safe: bearer auth only (no cookies, `credentials: 'omit'`), URL configurable.
//
// Endpoint mapping (the pyhall registry's public HTTP API, as its Python/TypeScript/Go clients use it):
//   verifyWorker(id)       GET  /api/v1/verify/:worker_id        404 → status 'unknown' (not an error)
//   banList({limit})       GET  /api/v1/ban-list?limit=N         confirmed entries only
//   health()               GET  /health
//   reportHash(sha, …)     POST /api/v1/ban-list/report           bearer; pending until reviewed
//   submitAttestation(…)   PUT  /api/v1/workers/:worker_id/attest bearer
//   (opt-in) decision counts POST /api/v1/telemetry/decisions     bearer; only with shareDecisionCounts
//
// prefetch() + getWorkerHash() feed routing-time attestation: decide() calls getWorkerHash
// synchronously, so the registry is read ahead of time and served from a TTL cache.
import { isSha256Hex } from '../util/sha256.js';
import { CLIENT_CODES, HallApiError } from './errors.js';
import { Transport, type CallOptions, type TransportOptions } from './http.js';

export const PYHALL_REGISTRY_URL = 'https://api.pyhall.dev';

export interface RegistryClientOptions extends Omit<TransportOptions, 'baseUrl'> {
  /** Registry base URL (default https://api.pyhall.dev). */
  baseUrl?: string | URL | undefined;
  /** How long prefetched verify results serve getWorkerHash, in milliseconds (default 60 000). */
  cacheTtlMs?: number | undefined;
  /** Send per-worker decision counts to the registry on prefetch (default false: nothing leaves unasked). */
  shareDecisionCounts?: boolean | undefined;
  /** Clock in epoch milliseconds (tests pin it). */
  now?: (() => number) | undefined;
}

export type RegistryWorkerState = 'active' | 'revoked' | 'banned' | 'unknown';

/** The registry's view of one worker (pyhall VerifyResponse). */
export interface RegistryWorkerStatus {
  worker_id: string;
  status: RegistryWorkerState;
  /** 64 lowercase hex digits, or null. */
  current_hash: string | null;
  banned: boolean;
  ban_reason: string | null;
  attested_at: string | null;
  ai_generated: boolean;
  ai_service: string | null;
  ai_model: string | null;
  ai_session_fingerprint: string | null;
}

export interface RegistryBanEntry {
  sha256: string;
  reason: string;
  reported_at: string;
  source: string;
  review_status?: string;
}

export interface RegistryAttestationSubmission {
  workerId: string;
  workerSpeciesId: string;
  /** 64 hex digits (a `sha256:` prefix is accepted and removed). */
  packageHash: string;
  workerVersion: string;
  manifestPath?: string | undefined;
  aiGenerated?: boolean | undefined;
  aiService?: string | undefined;
  aiModel?: string | undefined;
  aiSessionFingerprint?: string | undefined;
}

export interface RegistryAttestationRecord {
  worker_id: string;
  package_hash: string;
  [extra: string]: unknown;
}

export interface RegistryPrefetchReport {
  /** Ids now fresh in the cache (fetched or still valid). */
  cached: string[];
  /** Ids whose lookup failed; getWorkerHash returns null for them (fail closed). */
  failed: { worker_id: string; code: string }[];
}

const STATES: readonly RegistryWorkerState[] = ['active', 'revoked', 'banned', 'unknown'];
const MAX_PREFETCH = 1000;
const PREFETCH_CONCURRENCY = 8;

function normalHash(hash: string): string {
  const hex = String(hash).trim().toLowerCase().replace(/^sha256:/, '');
  if (!isSha256Hex(hex)) {
    throw new HallApiError({ status: 0, code: CLIENT_CODES.INVALID_ARGUMENT, detail: 'a package hash must be 64 hex digits (optionally prefixed sha256:).' });
  }
  return hex;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function unknownStatus(workerId: string): RegistryWorkerStatus {
  return {
    worker_id: workerId,
    status: 'unknown',
    current_hash: null,
    banned: false,
    ban_reason: null,
    attested_at: null,
    ai_generated: false,
    ai_service: null,
    ai_model: null,
    ai_session_fingerprint: null,
  };
}

/** Reads a verify answer strictly: anything unexpected degrades to 'unknown' with no hash. */
function readStatus(workerId: string, body: unknown): RegistryWorkerStatus {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new HallApiError({ status: 200, code: CLIENT_CODES.BAD_RESPONSE, detail: 'the registry verify answer is not a JSON object.', request: 'GET /api/v1/verify/:worker_id' });
  }
  const b = body as Record<string, unknown>;
  const status = STATES.includes(b['status'] as RegistryWorkerState) ? (b['status'] as RegistryWorkerState) : 'unknown';
  const hash = str(b['current_hash'])?.toLowerCase() ?? null;
  return {
    worker_id: str(b['worker_id']) ?? workerId,
    status,
    current_hash: hash && isSha256Hex(hash) ? hash : null,
    banned: b['banned'] === true || status === 'banned',
    ban_reason: str(b['ban_reason']),
    attested_at: str(b['attested_at']),
    ai_generated: b['ai_generated'] === true,
    ai_service: str(b['ai_service']),
    ai_model: str(b['ai_model']),
    ai_session_fingerprint: str(b['ai_session_fingerprint']),
  };
}

function requireId(id: unknown, what: string): string {
  if (typeof id !== 'string' || id === '' || id.length > 512) {
    throw new HallApiError({ status: 0, code: CLIENT_CODES.INVALID_ARGUMENT, detail: `${what} must be a non-empty string (at most 512 characters).` });
  }
  return id;
}

export class RegistryClient {
  private readonly http: Transport;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly shareCounts: boolean;
  private readonly cache = new Map<string, { status: RegistryWorkerStatus; expiresAt: number }>();
  private readonly counts = new Map<string, number>();

  constructor(options: RegistryClientOptions = {}) {
    this.http = new Transport({ ...options, baseUrl: options.baseUrl ?? PYHALL_REGISTRY_URL });
    this.ttlMs = options.cacheTtlMs !== undefined && options.cacheTtlMs >= 0 ? options.cacheTtlMs : 60_000;
    this.now = options.now ?? Date.now;
    this.shareCounts = options.shareDecisionCounts === true;
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** A worker's attestation status. An unknown worker is `status: 'unknown'`, not an error. */
  async verifyWorker(workerId: string, opts: CallOptions = {}): Promise<RegistryWorkerStatus> {
    const id = requireId(workerId, 'worker_id');
    const r = await this.http.json<unknown>({ method: 'GET', path: `/api/v1/verify/${encodeURIComponent(id)}`, idempotent: true, acceptStatus: [404] }, opts);
    return r.status === 404 ? unknownStatus(id) : readStatus(id, r.body);
  }

  /** The confirmed ban list. */
  async banList(query: { limit?: number } = {}, opts: CallOptions = {}): Promise<RegistryBanEntry[]> {
    const limit = Math.max(1, Math.min(10_000, Math.floor(query.limit ?? 500)));
    const r = await this.http.json<unknown>({ method: 'GET', path: '/api/v1/ban-list', query: { limit }, idempotent: true }, opts);
    const body = r.body as unknown;
    // Accept a bare array (pyhall) or an envelope {entries|ban_list: [...]}.
    const list = Array.isArray(body) ? body : ((body as Record<string, unknown> | null)?.['entries'] ?? (body as Record<string, unknown> | null)?.['ban_list']);
    if (!Array.isArray(list)) {
      throw new HallApiError({ status: r.status, code: CLIENT_CODES.BAD_RESPONSE, detail: 'the ban list is not a JSON array.', request: 'GET /api/v1/ban-list' });
    }
    return list
      .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object' && typeof (e as Record<string, unknown>)['sha256'] === 'string')
      .map((e) => ({
        sha256: String(e['sha256']).toLowerCase().replace(/^sha256:/, ''),
        reason: str(e['reason']) ?? '',
        reported_at: str(e['reported_at']) ?? '',
        source: str(e['source']) ?? '',
        ...(typeof e['review_status'] === 'string' ? { review_status: e['review_status'] as string } : {}),
      }));
  }

  /** Whether a package hash is on the confirmed ban list. */
  async isHashBanned(hash: string, opts: CallOptions & { limit?: number } = {}): Promise<boolean> {
    const h = normalHash(hash);
    const list = await this.banList({ limit: opts.limit ?? 10_000 }, opts);
    return list.some((e) => e.sha256 === h);
  }

  /** The registry's health endpoint. */
  async health(opts: CallOptions = {}): Promise<Record<string, unknown>> {
    const r = await this.http.json<unknown>({ method: 'GET', path: '/health', idempotent: true, anonymous: true }, opts);
    if (!r.body || typeof r.body !== 'object') {
      throw new HallApiError({ status: r.status, code: CLIENT_CODES.BAD_RESPONSE, detail: 'the registry health answer is not a JSON object.', request: 'GET /health' });
    }
    return r.body as Record<string, unknown>;
  }

  /** Reports a bad package hash (bearer token required). It stays pending until the registry reviews it. */
  async reportHash(hash: string, report: { reason: string; evidenceUrl?: string }, opts: CallOptions = {}): Promise<Record<string, unknown>> {
    const json: Record<string, unknown> = { sha256: normalHash(hash), reason: requireId(report.reason, 'reason') };
    if (report.evidenceUrl !== undefined) json['evidence_url'] = report.evidenceUrl;
    const r = await this.http.json<unknown>({ method: 'POST', path: '/api/v1/ban-list/report', json, idempotent: false }, opts);
    return (r.body && typeof r.body === 'object' ? r.body : {}) as Record<string, unknown>;
  }

  /** Submits a full-package attestation for a worker (bearer token required). */
  async submitAttestation(sub: RegistryAttestationSubmission, opts: CallOptions = {}): Promise<RegistryAttestationRecord> {
    const id = requireId(sub.workerId, 'workerId');
    const json: Record<string, unknown> = {
      worker_species_id: requireId(sub.workerSpeciesId, 'workerSpeciesId'),
      package_hash: normalHash(sub.packageHash),
      worker_version: requireId(sub.workerVersion, 'workerVersion'),
    };
    if (sub.manifestPath !== undefined) json['manifest_path'] = sub.manifestPath;
    if (sub.aiGenerated !== undefined) json['ai_generated'] = sub.aiGenerated;
    if (sub.aiService !== undefined) json['ai_service'] = sub.aiService;
    if (sub.aiModel !== undefined) json['ai_model'] = sub.aiModel;
    if (sub.aiSessionFingerprint !== undefined) json['ai_session_fingerprint'] = sub.aiSessionFingerprint;
    const path = `/api/v1/workers/${encodeURIComponent(id)}/attest`;
    const r = await this.http.json<unknown>({ method: 'PUT', path, json, idempotent: false }, opts);
    if (!r.body || typeof r.body !== 'object') {
      throw new HallApiError({ status: r.status, code: CLIENT_CODES.BAD_RESPONSE, detail: 'the attestation answer is not a JSON object.', request: `PUT ${path}` });
    }
    return r.body as RegistryAttestationRecord;
  }

  /**
   * Reads the registry status of these workers into the cache (entries still fresh are kept).
   * Failures are reported, never thrown: a worker whose lookup failed has no hash (fail closed).
   */
  async prefetch(workerIds: readonly string[], opts: CallOptions = {}): Promise<RegistryPrefetchReport> {
    const ids = [...new Set(workerIds)];
    if (ids.length > MAX_PREFETCH) {
      throw new HallApiError({ status: 0, code: CLIENT_CODES.INVALID_ARGUMENT, detail: `prefetch takes at most ${MAX_PREFETCH} worker ids per call.` });
    }
    const report: RegistryPrefetchReport = { cached: [], failed: [] };
    const todo = ids.filter((id) => {
      const hit = this.cache.get(id);
      if (hit && hit.expiresAt > this.now()) {
        report.cached.push(id);
        return false;
      }
      return true;
    });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < todo.length) {
        const id = todo[next++]!;
        try {
          const status = await this.verifyWorker(id, opts);
          this.cache.set(id, { status, expiresAt: this.now() + this.ttlMs });
          report.cached.push(id);
        } catch (err) {
          if (opts.signal?.aborted) throw err;
          this.cache.delete(id);
          report.failed.push({ worker_id: id, code: err instanceof HallApiError ? err.code : CLIENT_CODES.UNREACHABLE });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PREFETCH_CONCURRENCY, todo.length) }, worker));
    if (this.shareCounts) await this.flushDecisionCounts(opts);
    return report;
  }

  /**
   * The registered package hash of a prefetched worker, synchronously: null when it is not cached,
   * the entry has expired, the worker is not `active`, or it is banned. Pass this (or
   * `workerHashLookup()`) to routing as the registry's hash source.
   */
  getWorkerHash(workerId: string): string | null {
    const hit = this.cache.get(workerId);
    if (!hit || hit.expiresAt <= this.now()) return null;
    const s = hit.status;
    return s.status === 'active' && !s.banned && s.current_hash ? s.current_hash : null;
  }

  /** `getWorkerHash` as a free function (for `getRegisteredHash`-style callbacks). */
  workerHashLookup(): (workerId: string) => string | null {
    return (workerId) => this.getWorkerHash(workerId);
  }

  /** The cached status of a worker, if fresh. */
  cachedStatus(workerId: string): RegistryWorkerStatus | null {
    const hit = this.cache.get(workerId);
    return hit && hit.expiresAt > this.now() ? hit.status : null;
  }

  /** Counts a routing decision per selected worker (sent only with shareDecisionCounts). */
  recordDecision(decision: { selected_worker_species_id?: string | null } | null | undefined): void {
    const species = decision?.selected_worker_species_id;
    if (!species || this.counts.size >= 10_000) return;
    this.counts.set(species, (this.counts.get(species) ?? 0) + 1);
  }

  private async flushDecisionCounts(opts: CallOptions): Promise<void> {
    if (this.counts.size === 0) return;
    const decisions = [...this.counts].map(([worker_id, count]) => ({ worker_id, count }));
    this.counts.clear();
    try {
      await this.http.json({ method: 'POST', path: '/api/v1/telemetry/decisions', json: { decisions }, idempotent: false }, opts);
    } catch {
      // Telemetry never fails a prefetch.
    }
  }
}
