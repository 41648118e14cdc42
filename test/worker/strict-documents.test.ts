// "A typo opens the Hall" (issue 8, critical), against the real worker with real KV and D1: every
// document the edge Hall accepts is strict. The first test is the attack as reproduced on v0.1:
// PUT /admin/rules stored a rule whose "match" was misspelt "mach" (so it had no match and matched
// everything) and cap.payments.charge in prod with RESTRICTED data was allowed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEMO, addTenant, call, json, routeInput, seedKv, seedValue } from './helpers.js';

const ACME = 'acme-tenant-token-0123456789abcdef';
const put = (path: string, body: unknown) => call(path, { method: 'PUT', token: ADMIN, json: body });
const route = (body: unknown, token = DEMO) => call('/route', { method: 'POST', token, json: body });
const seedRules = () => structuredClone(seedValue(`rules:${(seedValue('rules:current') as { version: string }).version}`)) as { rules: Record<string, unknown>[] };
const currentVersion = async () => (await json(await call('/admin/rules', { token: ADMIN }))).version as string;
const issuePaths = (body: { issues?: { path: (string | number)[] }[] }) => (body.issues ?? []).map((i) => i.path.join('.'));

const payments = routeInput({ capability_id: 'cap.payments.charge', env: 'prod', data_label: 'RESTRICTED' });

beforeAll(seedKv);
afterAll(async () => {
  await put('/admin/rules', seedRules());
  await put('/admin/config', seedValue('config'));
  await put('/admin/policy', seedValue('policy'));
  await seedKv();
});

describe('PUT /admin/rules is strict', () => {
  it('refuses the typo attack (422 RULES_INVALID at rules.0.mach) and cap.payments.charge prod RESTRICTED stays denied', async () => {
    const before = await currentVersion();
    const typo = {
      rules: [
        {
          rule_id: 'r_only_cap_a_b',
          mach: { capability_id: 'cap.a.b' },
          decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.doc.summarizer', score_hint: 1 }] },
        },
      ],
    };
    const res = await put('/admin/rules', typo);
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.code).toBe('RULES_INVALID');
    expect(issuePaths(body)).toEqual(expect.arrayContaining(['rules.0.mach', 'rules.0.match']));
    expect(body.detail).toMatch(/Fix the listed rules/);
    const mach = body.issues.find((i: { path: unknown[] }) => i.path.join('.') === 'rules.0.mach');
    expect(mach).toMatchObject({ severity: 'error', code: 'unknown_key' });
    expect(mach.message).toMatch(/did you mean "match"/);
    expect(body.issues.find((i: { path: unknown[] }) => i.path.join('.') === 'rules.0.match').message).toMatch(/"match": \{\}/);

    expect(await currentVersion()).toBe(before);
    const { decision, receipt } = await json(await route(payments));
    expect(decision.denied).toBe(true);
    expect(decision.matched_rule_id).not.toBe('r_only_cap_a_b');
    expect(receipt.policy_decision).not.toBe('ALLOW');
  });

  it('refuses an out-of-enum value in an `in` list with the path down to the list index', async () => {
    const doc = seedRules();
    const n = doc.rules.length;
    doc.rules.push({
      rule_id: 'rr_typo_env',
      match: { capability_id: 'cap.doc.brief', env: { in: ['dev', 'production'] } },
      decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.doc.summarizer' }] },
    });
    const res = await put('/admin/rules', doc);
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.code).toBe('RULES_INVALID');
    expect(issuePaths(body)).toEqual([`rules.${n}.match.env.in.1`]);
    expect(body.issues[0]).toMatchObject({ code: 'out_of_enum', message: '"production" is not a WCP env (allowed: dev, stage, prod, edge)' });
    expect(body.detail).toContain(`rules.${n}.match.env.in.1`);
  });

  it('refuses a match key the matcher would ignore, and accepts an explicit catch-all with a warning', async () => {
    const doc = seedRules();
    const n = doc.rules.length;
    doc.rules.push({ rule_id: 'rr_request_key', match: { capability_id: 'cap.doc.brief', request: { amount: 1 } } });
    const res = await put('/admin/rules', doc);
    expect(res.status).toBe(422);
    expect(issuePaths(await json(res))).toContain(`rules.${n}.match.request`);

    const withCatchAll = seedRules();
    withCatchAll.rules.push({ rule_id: 'rr_last_resort', match: {}, decision: {} });
    const ok = await put('/admin/rules', withCatchAll);
    expect(ok.status, await ok.clone().text()).toBe(201);
    const stored = await json(ok);
    expect(stored.warnings).toContainEqual(expect.objectContaining({ severity: 'warning', code: 'catch_all', path: ['rules', n, 'match'] }));
    // The seed's cap.doc.summarize is not a WCP taxonomy id: a warning, never a refusal.
    expect(stored.warnings).toContainEqual(expect.objectContaining({ severity: 'warning', code: 'unknown_capability', message: expect.stringContaining("'cap.doc.summarize' is not in the WCP taxonomy") }));
    expect((await put('/admin/rules', seedRules())).status).toBe(201);
  });

  it('a tenant-scoped rule routes only the tenant it names', async () => {
    await addTenant('acme', ACME);
    const doc = seedRules();
    doc.rules.push({
      rule_id: 'rr_brief_acme',
      match: { capability_id: 'cap.doc.brief', env: 'dev', tenant_id: 'acme' },
      decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.doc.summarizer', score_hint: 1 }] },
    });
    const res = await put('/admin/rules', doc);
    expect(res.status, await res.clone().text()).toBe(201);

    const acme = await json(await route(routeInput({ tenant_id: 'acme', capability_id: 'cap.doc.brief', data_label: 'INTERNAL' }), ACME));
    expect(acme.decision.matched_rule_id).toBe('rr_brief_acme');
    expect(acme.decision.denied).toBe(false);
    const demo = await json(await route(routeInput({ capability_id: 'cap.doc.brief' })));
    expect(demo.decision.denied).toBe(true);
    expect(demo.decision.deny_reason_if_denied.code).toBe('DENY_NO_MATCHING_RULE');
    expect((await put('/admin/rules', seedRules())).status).toBe(201);
  });
});

describe('PUT /admin/config and /admin/policy are strict', () => {
  it('config: an unknown key is a 400 naming the key, and the stored config is unchanged', async () => {
    const before = (await json(await call('/admin/config', { token: ADMIN }))).config;
    const res = await put('/admin/config', { ...(seedValue('config') as object), requre_signatory: false });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(issuePaths(body)).toEqual(['requre_signatory']);
    expect(body.issues[0].message).toMatch(/did you mean "require_signatory"/);
    expect((await json(await call('/admin/config', { token: ADMIN }))).config).toEqual(before);
  });

  it('policy: a misspelt match, an out-of-enum value and an unknown supervisor level are 422 POLICY_INVALID with paths', async () => {
    const policy = structuredClone(seedValue('policy')) as { rules: Record<string, unknown>[] };
    const typo = structuredClone(policy);
    typo.rules[1] = { ...typo.rules[1], mach: typo.rules[1]!['match'] };
    delete typo.rules[1]!['match'];
    const res = await put('/admin/policy', typo);
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.code).toBe('POLICY_INVALID');
    expect(issuePaths(body)).toEqual(expect.arrayContaining(['rules.1.mach', 'rules.1.match']));

    const enumTypo = structuredClone(policy);
    enumTypo.rules[0]!['match'] = { env: 'prod', data_label: ['RESTRICTED', 'SECRET'] };
    expect(issuePaths(await json(await put('/admin/policy', enumTypo)))).toEqual(['rules.0.match.data_label.1']);

    const levelTypo = structuredClone(policy);
    levelTypo.rules[0]!['supervisor_level'] = 'gatekeepr';
    const lv = await put('/admin/policy', levelTypo);
    expect(lv.status).toBe(422);
    expect(issuePaths(await json(lv))).toEqual(['rules.0.supervisor_level']);

    // The seeded policy still governs: prod RESTRICTED needs a human.
    const { decision } = await json(await route(routeInput({ env: 'prod', data_label: 'RESTRICTED' })));
    expect(decision.denied).toBe(true);
    expect(decision.deny_reason_if_denied.code).toBe('DENY_REQUIRES_HUMAN_APPROVAL');
  });
});
