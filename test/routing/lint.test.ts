import { describe, expect, it } from 'vitest';
import { checkWorkerCompliance, isWcpId, lintRules, tenantNamespaceOf, wcpIdProblem } from '../../src/index.js';
import { rules, workers } from './fixtures.js';

const r = (rule_id: string, match: object, extra: object = {}) => ({
  rule_id,
  match,
  decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.a.b' }], ...extra },
});

describe('lintRules', () => {
  it('passes a clean rule set', () => {
    expect(lintRules(rules)).toEqual({ ok: true, issues: [] });
  });

  it("reports pyhall's shadow finding (which denies prod/edge)", () => {
    const rep = lintRules({ rules: [r('all', {}), r('specific', { capability_id: 'cap.a.b' })] });
    expect(rep.ok).toBe(false);
    expect(rep.issues).toContainEqual(expect.objectContaining({ code: 'reference_shadow', severity: 'error' }));
    expect(rep.issues).toContainEqual(expect.objectContaining({ code: 'unreachable', path: ['rules', 1] }));
  });

  it('finds unreachable rules the reference misses', () => {
    // pyhall: "prod" does not cover {"in": ["prod"]}; two rules together covering a third; env split.
    const rep = lintRules({
      rules: [
        r('a', { capability_id: 'cap.a.b', env: 'prod' }),
        r('b', { capability_id: 'cap.a.b', env: { in: ['prod'] } }),
        r('c', { capability_id: 'cap.x.y', env: { in: ['dev', 'stage'] } }),
        r('d', { capability_id: 'cap.x.y', env: { in: ['prod', 'edge'] } }),
        r('e', { capability_id: 'cap.x.y' }),
      ],
    });
    const unreachable = rep.issues.filter((i) => i.code === 'unreachable').map((i) => i.path[1]);
    expect(unreachable).toEqual([1, 4]);
    expect(rep.issues.some((i) => i.code === 'reference_shadow')).toBe(false);
  });

  it('reports conditions that can never match, bad ids and schema errors with paths', () => {
    const rep = lintRules({
      rules: [
        r('a', { env: 'PROD' }),
        r('b', { capability_id: 'cap.Doc.Summarize' }, { required_controls_suggested: ['audit'] }),
        { rule_id: 'c', match: { env: { in: 'dev' } } },
      ],
    });
    const codes = rep.issues.map((i) => `${i.code}@${i.path.join('.')}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'never_matches@rules.0.match.env',
        'id_grammar@rules.1.match.capability_id',
        'control_id@rules.1.decision.required_controls_suggested.0',
        'schema@rules.2.match.env.in',
      ]),
    );
    expect(rep.ok).toBe(false);
  });
});

describe('WCP identifiers', () => {
  it('follows spec §3.2', () => {
    expect(isWcpId('cap', 'cap.doc.summarize')).toBe(true);
    expect(isWcpId('cap', 'cap.doc.pdf.extract')).toBe(true);
    expect(isWcpId('ctrl', 'ctrl.obs.audit-log-append-only')).toBe(true);
    expect(isWcpId('cap', 'cap.Doc.Summarize')).toBe(false);
    expect(isWcpId('cap', 'cap.doc.pdf_extract')).toBe(false);
    expect(isWcpId('cap', 'cap.doc.pdf.native.extract')).toBe(false);
    expect(isWcpId('cap', 'cap')).toBe(false);
    expect(isWcpId('cap', 'cap.' + 'a'.repeat(61))).toBe(false);
    expect(isWcpId('wrk', 'cap.doc.summarize')).toBe(false);
    expect(isWcpId(undefined, 'pol.x')).toBe(true);
    expect(wcpIdProblem('foo.bar')).toMatch(/unknown namespace/);
  });

  it('extracts tenant signer namespaces (§12)', () => {
    expect(tenantNamespaceOf('org.acme.summarizer')).toBe('org.acme');
    expect(tenantNamespaceOf('x.alice.tool')).toBe('x.alice');
    expect(tenantNamespaceOf('wrk.acme.summarizer')).toBeNull();
    expect(tenantNamespaceOf('org.Acme.x')).toBeNull();
  });
});

describe('worker compliance', () => {
  it('grades records Basic / Standard / Full with reasons', () => {
    expect(checkWorkerCompliance(workers[0]).level).toBe('WCP-Standard');
    const full = checkWorkerCompliance({
      ...workers[1],
      blast_radius: { data: 1, network: 0, financial: 0, time: 1, reversibility: 'reversible' },
      risk_tier: 'low',
    });
    expect(full).toMatchObject({ level: 'WCP-Full', levels: { 'WCP-Full': { ok: true, reasons: [] } } });
    const basic = checkWorkerCompliance({ worker_species_id: 'wrk.a.b', capabilities: ['cap.a.b'] });
    expect(basic.level).toBe('WCP-Basic');
    expect(basic.levels['WCP-Standard'].reasons[0]).toMatch(/currently_implements/);
    const none = checkWorkerCompliance({ worker_species_id: 'Wrk_A', capabilities: [] });
    expect(none.level).toBeNull();
    expect(none.levels['WCP-Basic'].reasons).toHaveLength(2);
    const specForm = checkWorkerCompliance({ ...workers[1], attestation: { code_hash: 'sha256:' + 'a'.repeat(64) } });
    expect(specForm.levels['WCP-Full'].reasons.join(' ')).toMatch(/no "sha256:" prefix/);
  });
});
