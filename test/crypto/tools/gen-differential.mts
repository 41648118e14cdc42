// Regenerates ../vectors/differential.json: edge-case manifests, verdicts from differential-oracle.py
// (a transcription of pyhall PackageAttestationVerifier.verify run on CPython json/hmac).
// Run from the repo root: npx tsx test/crypto/tools/gen-differential.mts
import { execFileSync } from 'node:child_process';
import { verifyManifest } from '../../../src/attest/manifest/index.js';

const H = 'a6eeb3dd3aafc410838802130e3675527dcceadf6d2b1e817e2b97f62abf3bb6';
const base: Record<string, unknown> = {
  attested_at_utc: '2026-01-01T00:00:01Z', build_source: 'ci', built_at_utc: '2026-01-01T00:00:01Z',
  package_hash: H, schema_version: 'awp.v1', signature_hmac_sha256: '__SIG__',
  trust_statement: 'x', worker_id: 'org.acme.summarizer.i-1', worker_species_id: 'wrk.doc.summarizer', worker_version: '1.0.0',
};
type Case = { manifest_b64: string | null; hash: string; wid: string; sid: string; secret: string | null; resign?: string; label: string };
const cases: Case[] = [];
const b64 = (s: string | Uint8Array) => Buffer.from(s as any).toString('base64');
const add = (label: string, text: string | Uint8Array | null, o: Partial<Case> = {}) =>
  cases.push({ label, manifest_b64: text === null ? null : b64(text), hash: H, wid: 'org.acme.summarizer.i-1', sid: 'wrk.doc.summarizer', secret: 's3cret', resign: 's3cret', ...o });
const J = (m: Record<string, unknown>) => JSON.stringify(m, null, 2);
const rawValues: Record<string, string> = {
  int: '1', float: '1.0', exp: '1e5', Exp: '2E-7', neg0: '-0.0', negint: '-0', big: '123456789012345678901234567890',
  bigfloat: '1e400', nan: 'NaN', inf: 'Infinity', ninf: '-Infinity', tru: 'true', fals: 'false', nul: 'null',
  arr: '[1, 2.50, "a\\u00e9"]', obj: '{"z": 1, "a": {"\\ud83d\\ude80": [], "\\uffff": 0.1}}', emptyobj: '{}', emptyarr: '[]',
  uni: '"\\u6771\\ud83d\\ude80 <&> \\u2028 \\u007f \\u0000"', lone: '"\\ud800x"', esc: '"a\\/b\\tc\\"d\\\\"', small: '1.5e-7', tiny: '0.0001', huge: '12345678901234567.0',
};
for (const field of ['worker_version', 'build_source', 'built_at_utc', 'schema_version', 'attested_at_utc', 'trust_statement', 'extra_field']) {
  for (const [name, raw] of Object.entries(rawValues)) {
    const text = J({ ...base, [field]: '__RAW__' }).replace('"__RAW__"', raw);
    add(`${field}=${name}`, text);
  }
}
for (const f of ['worker_version', 'build_source', 'built_at_utc', 'schema_version', 'attested_at_utc']) {
  const m = { ...base }; delete m[f]; add(`drop ${f}`, J(m));
}
for (const [name, raw] of Object.entries({ ...rawValues, upper: '"__SIGU__"', emptystr: '""', zero: '0', zerof: '0.0', sp: '" "', nonascii: '"\\u00e9abc"', nonasciiraw: '"é"' })) {
  const text = J({ ...base, signature_hmac_sha256: '__RAW__' }).replace('"__RAW__"', raw);
  add(`sig=${name}`, text);
  add(`sig=${name} nosecret`, text, { secret: null });
}
{ const m = { ...base }; delete m.signature_hmac_sha256; add('no sig', J(m)); add('no sig no secret', J(m), { secret: null }); }
add('ok', J(base)); add('ok nosecret', J(base), { secret: null }); add('ok empty secret', J(base), { secret: '' });
add('ok wrong secret', J(base), { secret: 'other' }); add('ok unicode secret', J(base), { secret: 'ü🚀', resign: 'ü🚀' });
add('absent', null);
add('array', '[1,2]'); add('string', '"x"'); add('number', '5'); add('null', 'null'); add('true', 'true');
add('bom', new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(J(base))]));
add('latin1', Buffer.from(J({ ...base, build_source: 'cé' }), 'latin1'));
add('trailing comma', J(base).replace(/\n}$/, ',\n}'));
add('leading ws', '\n\t ' + J(base) + '\r\n ');
add('ctrl in string', J(base).replace('"ci"', '"c\ti"'));
add('extra data', J(base) + ' x');
add('empty', '');
add('dup keys', J(base).replace('"worker_id"', '"worker_id": "wrong", "worker_id"'));
add('dup sig', J(base).replace('"signature_hmac_sha256"', '"signature_hmac_sha256": 0, "signature_hmac_sha256"'));
add('single quotes', J(base).replace('"ci"', "'ci'"));
add('nested deep', J({ ...base, build_source: '__RAW__' }).replace('"__RAW__"', '['.repeat(50) + ']'.repeat(50)));
add('hash upper', J({ ...base, package_hash: H.toUpperCase() }));
add('hash prefix', J({ ...base, package_hash: 'sha256:' + H }));
add('hash int', J({ ...base, package_hash: 5 }));
add('wid int', J({ ...base, worker_id: 1 }));
add('sid missing', J((({ worker_species_id, ...r }) => r)(base)));
for (const wid of ['wrk.doc.summarizer.i-1', 'x.alice', 'x.', 'x..a', 'org.Acme.w', 'org', 'xx.a.b', 'org.ac me.w', 'x.é.w']) {
  add(`wid ${wid}`, J({ ...base, worker_id: wid }), { wid });
}
add('sid other', J(base), { sid: 'wrk.other' });
add('hash other', J(base), { hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
for (const c of cases) if (c.label.includes('sig=') || c.label.includes('sig ') ) c.resign = undefined;
const out = JSON.parse(execFileSync('python3', [new URL('./differential-oracle.py', import.meta.url).pathname], { input: JSON.stringify(cases) }).toString());
let bad = 0;
for (let i = 0; i < cases.length; i++) {
  const c = cases[i]!; const o = out[i];
  let mb = o.manifest_b64 === null ? null : new Uint8Array(Buffer.from(o.manifest_b64, 'base64'));
  if (c.label.startsWith('sig=upper') && mb) {
    // uppercase the (valid) signature the oracle inserted, then re-run the oracle logic expectation: SIG_INVALID
  }
  const v = await verifyManifest({ manifestBytes: mb, packageHash: c.hash, workerId: c.wid, speciesId: c.sid, secret: c.secret });
  const exp = o.code?.startsWith('RAISE:') ? { AttributeError: 'ATTEST_MANIFEST_INVALID', TypeError: 'ATTEST_SIGNATURE_MALFORMED', ValueError: 'ATTEST_NAMESPACE_INVALID' }[o.code.slice(6) as 'TypeError'] : o.code;
  const same = v.ok === o.ok && v.deny_code === exp && (!o.ok || v.trust_statement === o.ts);
  if (!same) { bad++; console.log('MISMATCH', c.label, JSON.stringify(o), JSON.stringify(v)); }
}
console.log(`${cases.length} cases, ${bad} mismatches, ok=${out.filter((o:any)=>o.ok).length}`, [...new Set(out.map((o:any)=>o.code))]);
import { writeFileSync } from 'node:fs';
const py = execFileSync('python3', ['--version']).toString().trim();
writeFileSync(new URL('../vectors/differential.json', import.meta.url).pathname, JSON.stringify({
  about: `Manifest edge cases; expected verdicts computed by CPython (${py}) json + hmac running pyhall's PackageAttestationVerifier.verify() check sequence (RAISE:<Exception> where it raises). Regenerate with the generator described in docs/attestation-manifests.md.`,
  cases: cases.map((c, i) => ({ label: c.label, manifest_b64: out[i].manifest_b64, package_hash: c.hash, worker_id: c.wid, species_id: c.sid, secret: c.secret, expected: { ok: out[i].ok, code: out[i].code, trust_statement: out[i].ts } })),
}, null, 0));
