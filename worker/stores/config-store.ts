// The configuration side of the Hall (KV): a tiny key/value interface so tests can inject failures.
import { StoreUnavailableError } from './errors.js';

export interface ConfigStore {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every key under `prefix` (follows KV list cursors). */
  list(prefix: string): Promise<string[]>;
}

/** KV key layout, in one place (documented in docs/hall-api.md). */
export const KV = {
  version: 'hall:version',
  rulesCurrent: 'rules:current',
  rules: (version: string) => `rules:${version}`,
  config: 'config',
  policy: 'policy',
  banList: 'banlist',
  worker: (workerId: string) => `worker:${workerId}`,
  workerPrefix: 'worker:',
  attestation: (workerId: string) => `attestation:${workerId}`,
  attestationPrefix: 'attestation:',
  namespace: (ns: string) => `ns:${ns}`,
  tenant: (tenantId: string) => `tenant:${tenantId}`,
  approver: (approverId: string) => `approver:${approverId}`,
  token: (tokenSha256Hex: string) => `token:${tokenSha256Hex}`,
} as const;

export class KvConfigStore implements ConfigStore {
  constructor(private readonly kv: KVNamespace) {}

  async get(key: string): Promise<string | null> {
    try {
      return await this.kv.get(key, 'text');
    } catch (err) {
      throw new StoreUnavailableError('kv', 'get', err);
    }
  }

  async put(key: string, value: string): Promise<void> {
    try {
      await this.kv.put(key, value);
    } catch (err) {
      throw new StoreUnavailableError('kv', 'put', err);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.kv.delete(key);
    } catch (err) {
      throw new StoreUnavailableError('kv', 'delete', err);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor: string | undefined;
    try {
      for (;;) {
        const page: KVNamespaceListResult<unknown, string> = await this.kv.list({ prefix, ...(cursor ? { cursor } : {}) });
        for (const k of page.keys) keys.push(k.name);
        if (page.list_complete) break;
        cursor = page.cursor;
      }
    } catch (err) {
      throw new StoreUnavailableError('kv', 'list', err);
    }
    return keys;
  }
}

/** A stored JSON object, or null when absent, unreadable or not an object (callers decide what that means). */
export function parseJsonObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
