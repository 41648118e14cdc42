// artifactHashPreimage must equal Python json.dumps(sort_keys=True) of the 13-field dict,
// here checked against util's pyJsonDumps on awkward inputs.
import { describe, expect, it } from 'vitest';
import { artifactHashPreimage, computeArtifactHash, parseRouteInput, pyJsonDumps, sha256Hex } from '../../src/index.js';
import { input } from './fixtures.js';

const odd = [
  { ...input, tenant_id: 'ten\u00e9\u2028"q"\\', correlation_id: '\x00\x1f\x7f', capability_id: '\ud83d\ude00/x' },
  { ...input, request: { '\uff01': 1, '\ud83d\ude00': 2, b: [1, 'two', null, true, { z: 0.5, a: -0 }], a: {} }, blast_score: 7 },
  { ...input, blast_radius: { data: 1e-7, network: 1.5e300 }, privilege_context: { k: [] }, tenant_credential: 'tok\n', dry_run: true },
];

describe('artifactHashPreimage', () => {
  it('equals the generic Python json.dumps emulation', () => {
    for (const raw of odd) {
      const i = parseRouteInput(raw);
      const full = {
        blast_radius: i.blast_radius,
        blast_score: i.blast_score,
        capability_id: i.capability_id,
        correlation_id: i.correlation_id,
        data_label: i.data_label,
        dry_run: i.dry_run,
        env: i.env,
        privilege_context: i.privilege_context,
        qos_class: i.qos_class,
        request: i.request,
        tenant_credential: i.tenant_credential,
        tenant_id: i.tenant_id,
        tenant_risk: i.tenant_risk,
      };
      expect(artifactHashPreimage(i)).toBe(pyJsonDumps(full));
      expect(computeArtifactHash(i)).toBe(sha256Hex(pyJsonDumps(full)));
    }
  });
});
