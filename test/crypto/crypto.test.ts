import { afterEach, describe, expect, it } from 'vitest';
import {
  createEd25519Signer,
  createEd25519Verifier,
  ed25519PublicKeyFromSeed,
  ed25519Sign,
  ed25519Verify,
  exportEd25519PrivateJwk,
  exportEd25519PublicJwk,
  ed25519JwkThumbprint,
  generateEd25519KeyPair,
  getEd25519Backend,
  hmacSha256Hex,
  importEd25519PrivateJwk,
  importEd25519PublicJwk,
  isSignerNamespace,
  readJwks,
  readJwksAsync,
  setEd25519Backend,
  Ed25519PrivateJwkSchema,
  Ed25519PublicJwkSchema,
  type Ed25519Backend,
} from '../../src/crypto/index.js';
import { fromHex, toHex, utf8 } from '../../src/util/index.js';

afterEach(() => setEd25519Backend('auto'));

// RFC 8032 §7.1, tests 1 and 3.
const RFC8032 = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    pub: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    msg: 'af82',
    sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

const BACKENDS: Ed25519Backend[] = ['webcrypto', 'noble'];

describe('Ed25519', () => {
  it('detects WebCrypto Ed25519 on Node 20', async () => {
    expect(await getEd25519Backend()).toBe('webcrypto');
  });

  for (const backend of BACKENDS) {
    it(`RFC 8032 vectors with the ${backend} backend`, async () => {
      setEd25519Backend(backend);
      for (const v of RFC8032) {
        expect(toHex(await ed25519PublicKeyFromSeed(fromHex(v.seed)))).toBe(v.pub);
        expect(toHex(await ed25519Sign(fromHex(v.seed), fromHex(v.msg)))).toBe(v.sig);
        expect(await ed25519Verify(fromHex(v.pub), fromHex(v.msg), fromHex(v.sig))).toBe(true);
        const bad = fromHex(v.sig);
        bad[0]! ^= 1;
        expect(await ed25519Verify(fromHex(v.pub), fromHex(v.msg), bad)).toBe(false);
      }
    });

    it(`${backend}: never throws on hostile keys and signatures`, async () => {
      setEd25519Backend(backend);
      const msg = utf8('m');
      expect(await ed25519Verify(new Uint8Array(31), msg, new Uint8Array(64))).toBe(false);
      expect(await ed25519Verify(new Uint8Array(32).fill(0xff), msg, new Uint8Array(64))).toBe(false);
      expect(await ed25519Verify(fromHex(RFC8032[0]!.pub), msg, new Uint8Array(63))).toBe(false);
      expect(await ed25519Verify(fromHex(RFC8032[0]!.pub), msg, new Uint8Array(64).fill(0xff))).toBe(false);
      const v = await createEd25519Verifier(new Uint8Array(5));
      expect(await v.verify(msg, new Uint8Array(64))).toBe(false);
      await expect(ed25519Sign(new Uint8Array(16), msg)).rejects.toThrow(/32 bytes/);
    });
  }

  it('signatures cross between backends', async () => {
    const pair = await generateEd25519KeyPair();
    const msg = utf8('cross-backend');
    setEd25519Backend('webcrypto');
    const s1 = await ed25519Sign(pair.seed, msg);
    setEd25519Backend('noble');
    const s2 = await ed25519Sign(pair.seed, msg);
    expect(toHex(s1)).toBe(toHex(s2)); // Ed25519 is deterministic
    expect(await ed25519Verify(pair.publicKey, msg, s1)).toBe(true);
    setEd25519Backend('webcrypto');
    expect(await ed25519Verify(pair.publicKey, msg, s2)).toBe(true);
    const signer = await createEd25519Signer(pair.seed);
    expect(signer.backend).toBe('webcrypto');
    expect(toHex(await signer.sign(msg))).toBe(toHex(s1));
  });

  it('generates distinct key pairs with both backends', async () => {
    for (const backend of BACKENDS) {
      setEd25519Backend(backend);
      const a = await generateEd25519KeyPair();
      const b = await generateEd25519KeyPair();
      expect(a.seed.length).toBe(32);
      expect(toHex(a.publicKey)).not.toBe(toHex(b.publicKey));
      expect(toHex(await ed25519PublicKeyFromSeed(a.seed))).toBe(toHex(a.publicKey));
    }
  });
});

describe('JWK', () => {
  it('round-trips public and private JWKs (raw ↔ JWK), with kid and ns', async () => {
    const pair = await generateEd25519KeyPair();
    const pub = exportEd25519PublicJwk(pair.publicKey, { ns: 'org.acme' });
    expect(pub).toMatchObject({ kty: 'OKP', crv: 'Ed25519', ns: 'org.acme' });
    expect(pub.kid).toBe(ed25519JwkThumbprint(pair.publicKey));
    const priv = exportEd25519PrivateJwk(pair, { ns: 'org.acme', kid: 'acme-2026' });
    expect(Ed25519PublicJwkSchema.safeParse(pub).success).toBe(true);
    expect(Ed25519PrivateJwkSchema.safeParse(priv).success).toBe(true);
    const back = await importEd25519PrivateJwk(JSON.parse(JSON.stringify(priv)));
    expect(toHex(back.seed)).toBe(toHex(pair.seed));
    expect(toHex(back.publicKey)).toBe(toHex(pair.publicKey));
    expect(back).toMatchObject({ kid: 'acme-2026', ns: 'org.acme' });
    const imported = importEd25519PublicJwk(pub);
    expect(toHex(imported.publicKey)).toBe(toHex(pair.publicKey));
    // WebCrypto reads our JWK and its signatures verify with our raw key
    const { ns: _ns, kid: _kid, ...std } = priv;
    const key = await crypto.subtle.importKey('jwk', std, { name: 'Ed25519' }, false, ['sign']);
    // Cast: TS 5.9's lib wants ArrayBuffer-backed views; these bytes are never on a SharedArrayBuffer.
    const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, utf8('x') as Uint8Array<ArrayBuffer>));
    expect(await ed25519Verify(pair.publicKey, utf8('x'), sig)).toBe(true);
  });

  it('RFC 7638 thumbprint of the RFC 8037 example key', () => {
    // RFC 8037 appendix A.3: thumbprint of the A.2 public key
    const x = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(ed25519JwkThumbprint(x)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('refuses malformed JWKs with JWK_INVALID; zod agrees', async () => {
    const pair = await generateEd25519KeyPair();
    const good = exportEd25519PrivateJwk(pair);
    const other = await generateEd25519KeyPair();
    const bad: unknown[] = [
      null,
      [],
      { ...good, kty: 'EC' },
      { ...good, crv: 'X25519' },
      { ...good, x: good.x + 'A' },
      { ...good, x: good.x.replace(/.$/, '=') },
      { ...good, ns: 'wrk.acme' },
      { ...good, ns: 'org.Acme' },
      { ...good, kid: '' },
    ];
    for (const b of bad) {
      expect(() => importEd25519PublicJwk(b)).toThrow(expect.objectContaining({ code: 'JWK_INVALID' }));
      expect(Ed25519PublicJwkSchema.safeParse(b).success).toBe(false);
    }
    await expect(importEd25519PrivateJwk({ ...good, d: good.d.slice(1) })).rejects.toMatchObject({ code: 'JWK_INVALID' });
    await expect(importEd25519PrivateJwk({ ...good, x: exportEd25519PublicJwk(other.publicKey).x })).rejects.toMatchObject({ code: 'JWK_INVALID' });
    expect(() => readJwks({ keys: 'x' })).toThrow(expect.objectContaining({ code: 'JWKS_INVALID' }));
    expect(readJwks({ keys: [good, { kty: 'RSA' }] })).toHaveLength(1);
  });

  it('readJwksAsync (WebCrypto thumbprints) agrees with readJwks', async () => {
    const a = await generateEd25519KeyPair();
    const b = await generateEd25519KeyPair();
    const { kid: _k, ...noKid } = exportEd25519PublicJwk(a.publicKey, { ns: 'x.alice' });
    const set = { keys: [noKid, exportEd25519PublicJwk(b.publicKey, { kid: 'b-1' }), { kty: 'OKP', crv: 'Ed25519', x: 'short' }] };
    const sync = readJwks(set);
    const async_ = await readJwksAsync(set);
    expect(async_.map((k) => [k.kid, k.ns, toHex(k.publicKey)])).toEqual(sync.map((k) => [k.kid, k.ns, toHex(k.publicKey)]));
    expect(sync.map((k) => k.kid)).toEqual([ed25519JwkThumbprint(a.publicKey), 'b-1']);
    await expect(readJwksAsync([])).rejects.toMatchObject({ code: 'JWKS_INVALID' });
  });

  it('signer namespaces', () => {
    for (const ok of ['org.acme', 'x.alice', 'org.a-b-9']) expect(isSignerNamespace(ok)).toBe(true);
    for (const no of ['wrk.acme', 'org.', 'x.', 'org.Acme', 'org.a.b', 'org.a_b', 'cap.x', 'org.é']) expect(isSignerNamespace(no)).toBe(false);
  });
});

describe('HMAC-SHA256', () => {
  it('RFC 4231 test case 2 and a UTF-8 string key', () => {
    expect(hmacSha256Hex(utf8('Jefe'), utf8('what do ya want for nothing?'))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    expect(hmacSha256Hex('Jefe', 'what do ya want for nothing?')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});
