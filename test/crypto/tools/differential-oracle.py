# Differential oracle: the check sequence of pyhall.attestation.PackageAttestationVerifier.verify,
# on CPython json/hmac, for edge-case manifests. Used only to generate test/crypto/vectors/differential.json.
# Local differential oracle mirroring pyhall's PackageAttestationVerifier.verify (not committed).
import json, sys, hmac as _hmac, hashlib, base64
KEYS=["schema_version","worker_id","worker_species_id","worker_version","package_hash","built_at_utc","build_source"]
def payload(m): return json.dumps({k: m.get(k) for k in KEYS}, sort_keys=True, separators=(",",":")).encode()
def ns_of(w):
    parts=w.split(".")
    if w.startswith("x.") and len(parts)>=2: return f"x.{parts[1]}"
    if w.startswith("org.") and len(parts)>=2: return f"org.{parts[1]}"
    raise ValueError("ns")
def verify(mbytes, computed, wid, sid, secret):
    if mbytes is None: return (False,"ATTEST_MANIFEST_MISSING",None)
    try:
        text=mbytes.decode("utf-8")
        text=text.replace("\r\n","\n").replace("\r","\n")
        manifest=json.loads(text)
    except Exception: return (False,"ATTEST_MANIFEST_MISSING",None)
    try:
        if manifest.get("worker_id")!=wid or manifest.get("worker_species_id")!=sid: return (False,"ATTEST_MANIFEST_ID_MISMATCH",None)
        eh=manifest.get("package_hash","")
        if not eh or eh!=computed: return (False,"ATTEST_HASH_MISMATCH",None)
        sig=manifest.get("signature_hmac_sha256","")
        sec=secret or ""
        if not sig or not sec: return (False,"ATTEST_SIGNATURE_MISSING",None)
        exp=_hmac.new(sec.encode("utf-8"), payload(manifest), hashlib.sha256).hexdigest()
        if not _hmac.compare_digest(sig,exp): return (False,"ATTEST_SIG_INVALID",None)
        ns=ns_of(wid)
        at=manifest.get("attested_at_utc","unknown")
        return (True,None,f"Package attested by namespace {ns} at {at}; package hash sha256:{computed}.")
    except AttributeError: return (False,"RAISE:AttributeError",None)
    except TypeError: return (False,"RAISE:TypeError",None)
    except ValueError: return (False,"RAISE:ValueError",None)
cases=json.load(sys.stdin)
out=[]
for c in cases:
    mb=None if c["manifest_b64"] is None else base64.b64decode(c["manifest_b64"])
    if c.get("resign"):
        try:
            m=json.loads(mb.decode("utf-8"))
            sig=_hmac.new(c["resign"].encode("utf-8"), payload(m), hashlib.sha256).hexdigest()
            mb=mb.replace(b"__SIG__", sig.encode())
        except Exception as e:
            pass
    ok,code,ts=verify(mb,c["hash"],c["wid"],c["sid"],c["secret"])
    out.append({"ok":ok,"code":code,"ts":ts,"manifest_b64": None if mb is None else base64.b64encode(mb).decode()})
json.dump(out,sys.stdout)
