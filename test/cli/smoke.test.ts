// The shared Hall options: where the Hall is, which token, and what a user sees when either is wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hallTarget, reportHallError, CliUsageError } from '../../cli/hall.js';
import { parseCliOptions } from '../../cli/options.js';
import { HallApiError } from '../../src/client/index.js';
import { startLiveHall, type LiveHall } from '../client/live-hall.js';

let hall: LiveHall;
beforeAll(async () => {
  hall = await startLiveHall();
});
afterAll(async () => hall?.close());

describe('Hall options', () => {
  it('--hall beats EDGEHALL_URL beats the local default; the token comes from the named variable only', () => {
    const p = parseCliOptions(['--hall', hall.url, '--token-env', 'MY_TOKEN'], { hall: 'string', 'token-env': 'string' });
    if (typeof p === 'string') throw new Error(p);
    process.env['MY_TOKEN'] = hall.demoToken;
    try {
      expect(hallTarget(p, { tokenRequired: true })).toMatchObject({ url: hall.url, tokenEnv: 'MY_TOKEN', token: hall.demoToken });
    } finally {
      delete process.env['MY_TOKEN'];
    }
    const q = parseCliOptions([], {});
    if (typeof q === 'string') throw new Error(q);
    expect(() => hallTarget(q, { tokenRequired: true })).toThrow(CliUsageError);
    expect(hallTarget(q, { tokenRequired: false }).url).toBe(process.env['EDGEHALL_URL'] ?? 'http://127.0.0.1:8787');
  });

  it('a token passed where a variable name belongs is refused without echoing it', () => {
    const p = parseCliOptions(['--token-env', 'demo-0123456789abcdef0123'], { 'token-env': 'string' });
    if (typeof p === 'string') throw new Error(p);
    expect(() => hallTarget(p, { tokenRequired: true })).toThrow(/NAME of an environment variable/);
  });

  it('an unreachable Hall exits 3 with a sentence; a refusal exits 1', () => {
    const t = { url: 'http://127.0.0.1:9', tokenEnv: 'EDGEHALL_TOKEN', token: undefined };
    expect(reportHallError(new HallApiError({ status: 0, code: 'CLIENT_UNREACHABLE', detail: 'connection refused.' }), t, false)).toBe(3);
    expect(reportHallError(new HallApiError({ status: 403, code: 'TENANT_FORBIDDEN', detail: 'no.' }), t, false)).toBe(1);
  });
});
