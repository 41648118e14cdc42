// Runs every examples/sdk-*.ts and checks what it prints (the README quotes these examples).
import { afterEach, describe, expect, it, vi } from 'vitest';

async function runExample(name: string): Promise<string[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  try {
    await import(`../../examples/${name}.ts`);
  } finally {
    spy.mockRestore();
  }
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe('examples', () => {
  it('sdk-route', async () => {
    const out = await runExample('sdk-route');
    expect(out[0]).toBe('allowed: true wrk.doc.summarizer rr_summarize');
    expect(out[1]).toMatch(/^artifact_hash: [0-9a-f]{64}$/);
    expect(out[2]).toBe(
      'events: evt.gov.blast_scored, evt.os.worker.attestation_skipped, evt.os.task.routed, evt.os.worker.selected, evt.os.policy.gated',
    );
    expect(out[3]).toBe('denied: DENY_UNKNOWN_TENANT');
    expect(out[4]).toBe('invalid: env, blast_score');
  });

  it('sdk-policy', async () => {
    expect(await runExample('sdk-policy')).toEqual([
      'held: DENY_REQUIRES_HUMAN_APPROVAL high-risk tenant finance',
      'approved: true human_approved apr_42 pol.acme.v3',
      'policy deny: DENY_POLICY_GATE no restricted data in dev',
      'banned: DENY_WORKER_BANNED',
    ]);
  });

  it('sdk-lint', async () => {
    expect(await runExample('sdk-lint')).toEqual([
      'ok: false',
      'error never_matches at rules.2.match.env',
      'warning no_candidates at rules.2.decision.candidate_workers_ranked',
      'warning unreachable at rules.1',
      'level: WCP-Standard | missing for WCP-Full: 4',
      'ids: true false org.acme',
    ]);
  });
});
