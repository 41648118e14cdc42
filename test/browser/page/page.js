// Runs in the browser: imports only the built edgehall/verify bundle and checks the fixtures the
// test exported from a live local Hall. Verdicts go into the page and into window.__verdicts.
import { verifyChain, verifyReceipt, verifyManifest } from './edgehall-verify.js';

const rows = document.getElementById('rows');
function row(check, verdict) {
  const tr = document.createElement('tr');
  const ok = verdict.ok === true;
  const detail = ok ? (verdict.verified !== undefined ? `${verdict.verified} receipts` : verdict.trust_statement ?? '') : `${verdict.code ?? verdict.deny_code}${verdict.broken_at_seq !== undefined ? ` at seq ${verdict.broken_at_seq}` : ''}: ${verdict.message ?? ''}`;
  tr.innerHTML = `<td>${check}</td><td class="${ok ? 'ok' : 'bad'}">${ok ? 'valid' : 'rejected'}</td><td><code></code></td>`;
  tr.querySelector('code').textContent = detail;
  rows.appendChild(tr);
}

const verdicts = {};
try {
  const fx = await (await fetch('./fixtures.json')).json();
  document.getElementById('sub').textContent = `Hall ${fx.hallUrl} · tenant ${fx.tenant} · ${fx.chain.length} receipts · ${navigator.userAgent}`;
  const enc = new TextEncoder();
  verdicts.chain = await verifyChain(fx.chain, fx.hallKeys);
  verdicts.firstReceipt = await verifyReceipt(fx.chain[0], fx.hallKeys);
  verdicts.tampered = await verifyChain(fx.tampered, fx.hallKeys);
  verdicts.cut = await verifyChain(fx.cut, fx.hallKeys);
  verdicts.foreignKey = await verifyReceipt(fx.chain[0], fx.otherKeys);
  const m = { packageHash: fx.packageHash, workerId: fx.workerId, speciesId: fx.speciesId, keys: fx.namespaceKeys };
  verdicts.manifest = await verifyManifest({ ...m, manifestBytes: enc.encode(fx.manifestText) });
  verdicts.manifestTampered = await verifyManifest({ ...m, manifestBytes: enc.encode(fx.manifestTamperedText) });
  verdicts.manifestOtherPackage = await verifyManifest({ ...m, packageHash: fx.otherPackageHash, manifestBytes: enc.encode(fx.manifestText) });
  verdicts.userAgent = navigator.userAgent;
  row('receipt chain exported from the Hall', verdicts.chain);
  row('first receipt alone', verdicts.firstReceipt);
  row('chain with a receipt edited', verdicts.tampered);
  row('chain with a receipt removed', verdicts.cut);
  row('receipt against another key set', verdicts.foreignKey);
  row('Ed25519 manifest', verdicts.manifest);
  row('manifest edited after signing', verdicts.manifestTampered);
  row('manifest against another package', verdicts.manifestOtherPackage);
} catch (err) {
  verdicts.error = String(err && err.stack || err);
  document.getElementById('sub').textContent = `error: ${verdicts.error}`;
}
window.__verdicts = verdicts;
document.body.dataset.done = '1';
