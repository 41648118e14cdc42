// The Hall Monitor's files as the Hall serves them (worker/generated/monitor-assets.ts and
// client-sdk.ts, committed): they are the current build of monitor/ and src/client/ (run
// `node scripts/build-monitor.mjs` when this fails), they never hand markup to an HTML parser,
// and the whole page stays within its 60 KB gzip budget (`npm run bench monitor` prints the sizes).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_SDK_MODULE, MONITOR_ASSETS_MODULE, buildMonitor } from '../../scripts/build-monitor.mjs';
import { MONITOR_BUDGET_GZIP, pageWeight } from '../../bench/monitor.js';
import { MONITOR_JS } from '../../worker/generated/monitor-assets.js';

describe('the Hall Monitor files', () => {
  it('are the current build of monitor/ and src/client/', async () => {
    const { modules } = await buildMonitor();
    for (const file of [CLIENT_SDK_MODULE, MONITOR_ASSETS_MODULE]) {
      expect(readFileSync(file, 'utf8') === modules[file], `${file} is stale: run \`node scripts/build-monitor.mjs\``).toBe(true);
    }
  });

  it('never use an HTML sink (the CSP requires Trusted Types, so one would throw)', () => {
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'createContextualFragment', 'DOMParser', 'eval(', 'new Function']) {
      expect(MONITOR_JS.includes(sink), sink).toBe(false);
    }
  });

  it('weigh at most 60 KB gzip in total (HTML, app.js, app.css, /sdk/client.js, /sdk/verify.js)', () => {
    const { gzip, files } = pageWeight();
    expect(files.map((f) => f.name)).toEqual(['index.html', 'app.js', 'app.css', '/sdk/client.js', '/sdk/verify.js']);
    expect(gzip).toBeLessThanOrEqual(MONITOR_BUDGET_GZIP);
  });
});
