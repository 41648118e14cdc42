import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

describe('GET /wcp/health', () => {
  it('answers inside workerd', async () => {
    const res = await SELF.fetch('http://hall.test/wcp/health');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('ok');
  });
  it('answers 404 problem+json for unknown paths', async () => {
    const res = await SELF.fetch('http://hall.test/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});
