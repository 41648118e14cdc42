// The kv-seed is a working default: records carry the right artifact_hash, the rules lint clean
// (no prod shadowing), the policy compiles, the examples are valid RouteInputs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RouteInputSchema, compilePolicy, lintRules, HallConfigSchema, tenantNamespaceOf } from '../../src/routing/index.js';
import { pyJsonDumpsCompact, sha256Hex } from '../../src/util/index.js';
import { buildSeedEntries, keysToCheck, seedPlan } from '../../scripts/kv-seed.mjs';

type Entry = { key: string; value: string };

const seed = new URL('../../kv-seed/', import.meta.url).pathname;
const read = (p: string) => JSON.parse(readFileSync(join(seed, p), 'utf8')) as unknown;

describe('kv-seed', () => {
  it('worker records carry pyhall artifact hashes and live in the demo namespace', () => {
    const files = readdirSync(join(seed, 'workers')).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(6);
    for (const f of files) {
      const { artifact_hash, ...rest } = read(`workers/${f}`) as Record<string, unknown>;
      expect(artifact_hash, f).toBe(`sha256:${sha256Hex(pyJsonDumpsCompact(rest))}`);
      expect(tenantNamespaceOf(rest['worker_id'])).toBe('org.demo');
    }
  });

  it('rules lint clean, policy compiles, config is a HallConfig with demo as signatory', () => {
    const report = lintRules(read('rules.json'));
    expect(report.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(() => compilePolicy(read('policy.json'))).not.toThrow();
    const cfg = HallConfigSchema.parse(read('config.json'));
    expect(cfg.require_signatory).toBe(true);
    expect(cfg.allowed_tenants).toContain('demo');
  });

  it('examples are valid RouteInputs for tenant demo', () => {
    for (const f of ['route.json', 'route-denied.json', 'route-require-human.json', 'route-prod.json']) {
      const input = RouteInputSchema.parse(read(`examples/${f}`));
      expect(input.tenant_id).toBe('demo');
    }
    for (const step of read('examples/pipeline.json') as unknown[]) expect(RouteInputSchema.safeParse(step).success).toBe(true);
  });

  it('builds the KV entries with only hashes of the demo tokens, and no worker:* keys (the registry is in D1)', () => {
    const token = 'a-demo-token-that-must-not-appear-anywhere';
    const approverToken = 'a-demo-approver-token-that-must-not-appear';
    const entries = buildSeedEntries(seed, { tokens: { HALL_DEMO_TENANT_TOKEN: token, HALL_DEMO_APPROVER_TOKEN: approverToken } }) as Entry[];
    expect(entries.some((e) => [token, approverToken].some((t) => e.value.includes(t) || e.key.includes(t)))).toBe(false);
    expect(entries.map((e) => e.key)).toEqual(expect.arrayContaining(['rules:current', 'config', 'policy', 'banlist', 'tenant:demo', 'approver:demo-approver', 'hall:version']));
    expect(entries.filter((e) => e.key.startsWith('worker:'))).toEqual([]);
    const approver = JSON.parse(entries.find((e) => e.key === 'approver:demo-approver')!.value) as Record<string, unknown>;
    expect(approver).toMatchObject({ approver_id: 'demo-approver', tenants: ['demo'], level: 'gatekeeper', token_sha256: sha256Hex(approverToken) });
    expect(JSON.parse(entries.find((e) => e.key === `token:${sha256Hex(approverToken)}`)!.value)).toEqual({ kind: 'approver', id: 'demo-approver' });
    const tenant = JSON.parse(entries.find((e) => e.key === 'tenant:demo')!.value) as Record<string, unknown>;
    expect(tenant).toMatchObject({ tenant_id: 'demo', namespaces: ['org.demo'], tenant_risk: 'low', data_label_floor: 'INTERNAL', token_sha256: sha256Hex(token) });
    expect(tenant).not.toHaveProperty('token_from');
  });

  it('keeps the old signature working: without an approver token there is no approver, without the tenant token it throws', () => {
    const entries = buildSeedEntries(seed, { tokens: { HALL_DEMO_TENANT_TOKEN: 'x'.repeat(43) } }) as Entry[];
    expect(entries.some((e) => e.key.startsWith('approver:'))).toBe(false);
    expect(() => buildSeedEntries(seed, { tokens: {} })).toThrow(/HALL_DEMO_TENANT_TOKEN/);
  });

  it('production mode (demo: false) has no tenant, approver or token, and no demo tenant in allowed_tenants', () => {
    const entries = buildSeedEntries(seed, { tokens: {}, demo: false }) as Entry[];
    expect(entries.filter((e) => /^(tenant|approver|token|worker):/.test(e.key))).toEqual([]);
    const config = JSON.parse(entries.find((e) => e.key === 'config')!.value) as { allowed_tenants: string[] };
    expect(config.allowed_tenants).not.toContain('demo');
    expect(HallConfigSchema.safeParse(config).success).toBe(true);
    expect(entries.map((e) => e.key)).toEqual(expect.arrayContaining(['rules:current', 'policy', 'banlist']));
  });
});

describe('seedPlan: seed only what is absent', () => {
  const tokens = { HALL_DEMO_TENANT_TOKEN: 't'.repeat(43), HALL_DEMO_APPROVER_TOKEN: 'a'.repeat(43) };
  const entries = buildSeedEntries(seed, { tokens }) as Entry[];
  const keys = (xs: Entry[]) => xs.map((e) => e.key);

  it('writes everything into an empty store', () => {
    expect(keys(seedPlan(entries, new Set()).write).sort()).toEqual(keys(entries).sort());
  });

  it('never overwrites a present key: rules pointer, config, policy, ban list, tenant, approver, hall:version', () => {
    const present = new Set(['rules:current', 'config', 'policy', 'banlist', 'tenant:demo', 'approver:demo-approver', 'hall:version', 'ns:org.demo']);
    const { write, kept } = seedPlan(entries, present);
    for (const k of present) expect(keys(write)).not.toContain(k);
    expect(kept).toEqual(expect.arrayContaining(['rules:current', 'config', 'tenant:demo']));
    // The seed's rules version key is immutable content, written only if absent.
    expect(keys(write).filter((k) => k.startsWith('rules:'))).toEqual([entries[0]!.key]);
  });

  it('a token index entry is written only with its own principal (a rotated token never comes back)', () => {
    // tenant:demo exists (its token was rotated, so the seed token's index entry is absent).
    const { write } = seedPlan(entries, new Set(['tenant:demo']));
    expect(keys(write)).not.toContain(`token:${sha256Hex(tokens.HALL_DEMO_TENANT_TOKEN)}`);
    expect(keys(write)).toContain(`token:${sha256Hex(tokens.HALL_DEMO_APPROVER_TOKEN)}`);
    expect(keysToCheck(entries).some((k: string) => k.startsWith('token:'))).toBe(false);
  });
});
