// The kv-seed is a working default: records carry the right artifact_hash, the rules lint clean
// (no prod shadowing), the policy compiles, the examples are valid RouteInputs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RouteInputSchema, compilePolicy, lintRules, HallConfigSchema, tenantNamespaceOf } from '../../src/routing/index.js';
import { pyJsonDumpsCompact, sha256Hex } from '../../src/util/index.js';
import { buildSeedEntries } from '../../scripts/kv-seed.mjs';

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

  it('builds the KV entries with only a hash of the tenant token', () => {
    const token = 'a-demo-token-that-must-not-appear-anywhere';
    const entries = buildSeedEntries(seed, { tokens: { HALL_DEMO_TENANT_TOKEN: token } }) as { key: string; value: string }[];
    expect(entries.some((e) => e.value.includes(token) || e.key.includes(token))).toBe(false);
    expect(entries.map((e) => e.key)).toEqual(expect.arrayContaining(['rules:current', 'config', 'policy', 'banlist', 'tenant:demo', 'hall:version']));
  });
});
