// The Hall Monitor end to end: the real `npm start` in a throwaway copy, real Chromium, the page
// the Hall serves at /monitor. Each token kind sees what it may (and no more); a /route shows up
// in the live feed within 2 s; an approval resolved through the UI lets the re-submitted request
// through; a worker record carrying markup stays text; every action is reachable by keyboard; the
// receipt chain is verified in the page, and a shrunk log and an edited receipt are named. A
// screenshot of every screen goes to test-artifacts/monitor/ (the README uses them).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HallClient, enrollmentArtifactHash, type HallRouteRequest } from '../../src/client/entry.js';
import { launchChromium } from '../browser/chromium.js';
import { deleteStoredReceipts, startMonitorHall, tamperStoredReceipt, type MonitorHall } from './hall.js';
import { SCREENS, navLabels, openTab, screenshot, show, signIn, type Tab } from './page.js';

const example = (name: string): HallRouteRequest => JSON.parse(readFileSync(new URL(`../../kv-seed/examples/${name}`, import.meta.url), 'utf8'));
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

let hall: MonitorHall;
let work: string;
let context: BrowserContext;
let tenant: HallClient;
let approvalId = '';
const tabs: Tab[] = [];
const signedIn = new Map<string, Tab>();

/** One signed-in tab per token, shared by the tests (sessionStorage is per tab). */
async function tab(token: string): Promise<Tab> {
  let t = signedIn.get(token);
  if (!t) {
    t = await openTab(context, hall.url);
    await signIn(t, token);
    signedIn.set(token, t);
  }
  return t;
}

/** A fresh tab, closed after the test. */
async function freshTab(): Promise<Tab> {
  const t = await openTab(context, hall.url);
  tabs.push(t);
  return t;
}

const route = (input: HallRouteRequest) => tenant.route({ ...input, correlation_id: crypto.randomUUID() });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edgehall-monitor-browser-'));
  [hall, context] = await Promise.all([startMonitorHall(), launchChromium(work, { width: 1280, height: 820 })]);
  tenant = new HallClient({ baseUrl: hall.url, token: hall.tenantToken });
  // A little history for every screen: allowed, denied (no rule), one waiting for a human.
  for (let i = 0; i < 3; i++) await route(example('route.json'));
  for (let i = 0; i < 2; i++) await route(example('route-denied.json'));
  await route(example('route-prod.json'));
  const pending = await route(example('route-require-human.json'));
  approvalId = String(pending.decision.pending_approval_id);
  // A worker whose record carries markup and script: it must show as text.
  await tenant.enroll({ worker_id: 'org.demo.markup-probe', worker_species_id: 'wrk.demo.markup-probe', capabilities: ['cap.doc.summarize'], name: XSS, description: XSS });
});

afterEach(async () => {
  for (const t of tabs.splice(0)) await t.page.close();
});

afterAll(async () => {
  await context?.close();
  await hall?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('GET /monitor', () => {
  it('is text/html with a CSP whose script-src has no unsafe-inline, and loads nothing from elsewhere', async () => {
    const res = await fetch(`${hall.url}/monitor`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(/script-src ([^;]*)/.exec(csp)?.[1]).toBe("'self'");
    expect(csp).not.toContain('unsafe-inline');
    const t = await freshTab();
    await screenshot(t, 'sign-in');
    await signIn(t, hall.tenantToken);
    for (const s of SCREENS.filter((s) => s !== 'rules')) await show(t, s);
    const origins = new Set(t.requests.map((r) => new URL(r.url).origin));
    expect([...origins]).toEqual([hall.url]);
    expect(t.errors).toEqual([]);
  });
});

describe('sign-in', () => {
  it('keeps the token in sessionStorage and sends it only as a bearer header, never a cookie', async () => {
    const t = await tab(hall.tenantToken);
    expect(await t.page.evaluate(() => Object.values(sessionStorage))).toContain(hall.tenantToken);
    expect(await t.page.evaluate(() => document.cookie)).toBe('');
    expect((await context.cookies(hall.url)).length).toBe(0);
    const api = t.requests.filter((r) => /\/wcp\/(whoami|stats|feed)/.test(r.url));
    expect(api.length).toBeGreaterThan(0);
    expect(api.every((r) => r.authorization && !r.cookie)).toBe(true);
    // The page's own files are fetched without the token.
    expect(t.requests.filter((r) => /\/monitor(\/|$|\?)/.test(r.url)).every((r) => !r.authorization)).toBe(true);
  });

  it('refuses a token the Hall does not know, and forgets it', async () => {
    const t = await freshTab();
    await t.page.fill('#token', 'not-a-real-token-0123456789');
    await t.page.click('form.signin button[type=submit]');
    await t.page.waitForSelector('form.signin [role=alert]');
    expect(await t.page.locator('form.signin [role=alert]').innerText()).toContain('not valid for this Hall');
    expect(await t.page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('a tenant token sees its own Hall without the approver and admin actions', async () => {
    const t = await tab(hall.tenantToken);
    expect(await navLabels(t)).toEqual(['Status', 'Live feed', 'Denials', 'Approvals', 'Crew', 'Evidence']);
    expect(await t.page.locator('[data-who]').innerText()).toBe('tenant demo');
    await show(t, 'approvals');
    expect(await t.page.locator(`[data-approval-id="${approvalId}"]`).count()).toBe(1);
    expect(await t.page.locator('[data-action]').count()).toBe(0);
    await show(t, 'crew');
    expect(await t.page.locator('[data-dropzone]').count()).toBe(1);
  });

  it('an approver token sees the approve / deny / escalate actions and no enrollment', async () => {
    const t = await tab(hall.approverToken);
    expect(await t.page.locator('[data-who]').innerText()).toContain('approver demo-approver');
    expect(await navLabels(t)).not.toContain('Rules');
    await show(t, 'approvals');
    const card = t.page.locator(`[data-approval-id="${approvalId}"]`);
    expect(await card.locator('[data-action]').allInnerTexts()).toEqual(['Approve', 'Deny', 'Escalate']);
    await show(t, 'crew');
    expect(await t.page.locator('[data-dropzone]').count()).toBe(0);
  });

  it('the admin token also sees Rules: the version in force and its lint report', async () => {
    const t = await tab(hall.adminToken);
    expect(await navLabels(t)).toContain('Rules');
    expect(await t.page.locator('[data-who]').innerText()).toContain('admin');
    await show(t, 'rules');
    const health = await tenant.health();
    expect(await t.page.locator('[data-value="current-version"]').innerText()).toBe(String(health['rules_version']));
    expect(await t.page.locator('[data-lint]').count()).toBeGreaterThan(0);
    await t.page.locator(`button[data-version="${String(health['rules_version'])}"]`).click();
    await t.page.waitForSelector('[data-version-panel] pre.json');
    expect(await t.page.locator('[data-version-panel] pre.json').innerText()).toContain('"rules"');
    await screenshot(t, 'rules');
  });
});

describe('live feed', () => {
  it('shows a /route made now within 2 s, and its receipt (verified) and matched rule in the detail', async () => {
    const t = await tab(hall.tenantToken);
    await show(t, 'feed');
    const { decision } = await route(example('route.json'));
    await t.page.waitForSelector(`tr[data-decision-id="${String(decision.decision_id)}"]`, { timeout: 2_000 });
    await t.page.locator(`tr[data-decision-id="${String(decision.decision_id)}"] button`).click();
    await t.page.waitForSelector('[data-detail] pre.json');
    const detail = await t.page.locator('[data-detail]').innerText();
    expect(detail).toContain('verified in this page');
    expect(detail).toContain(`"rule_id": "${String(decision.matched_rule_id)}"`);
    await screenshot(t, 'feed');
  });

  it('pauses: nothing new is drawn until it resumes, then it catches up', async () => {
    const t = await tab(hall.tenantToken);
    await show(t, 'feed');
    await t.page.getByRole('button', { name: 'Pause' }).click();
    await t.page.waitForSelector('[data-feed-state="paused"]');
    const { decision } = await route(example('route.json'));
    await t.page.waitForTimeout(2_500);
    expect(await t.page.locator(`tr[data-decision-id="${String(decision.decision_id)}"]`).count()).toBe(0);
    await t.page.getByRole('button', { name: 'Resume' }).click();
    await t.page.waitForSelector(`tr[data-decision-id="${String(decision.decision_id)}"]`, { timeout: 2_000 });
  });

  it('filters by outcome and deny code; the Denials chart links to the feed filtered by its code', async () => {
    const t = await tab(hall.tenantToken);
    await show(t, 'denials');
    expect(await t.page.locator('svg.chart rect.bar').count()).toBeGreaterThan(0);
    await screenshot(t, 'denials');
    await t.page.locator('a[data-code="DENY_NO_MATCHING_RULE"]').click();
    await t.page.waitForSelector('section[data-screen="feed"] [data-feed-state="live"]');
    await t.page.waitForSelector('tr[data-decision-id]');
    expect(await t.page.evaluate(() => location.hash)).toContain('deny_code=DENY_NO_MATCHING_RULE');
    const outcomes = await t.page.locator('tr[data-decision-id] td:nth-child(4)').allInnerTexts();
    expect(outcomes.length).toBeGreaterThanOrEqual(2);
    for (const o of outcomes) expect(o).toContain('DENY_NO_MATCHING_RULE');
    expect(await t.page.locator('input[name="deny_code"]').inputValue()).toBe('DENY_NO_MATCHING_RULE');
    await t.page.selectOption('select[name="denied"]', 'false');
    await t.page.fill('input[name="deny_code"]', '');
    await t.page.click('form.filters button[type=submit]');
    await t.page.waitForFunction(() => location.hash.includes('denied=false') && !location.hash.includes('deny_code'));
    await t.page.waitForSelector('tr[data-decision-id]');
    for (const o of await t.page.locator('tr[data-decision-id] td:nth-child(4)').allInnerTexts()) expect(o).toMatch(/^allowed/);
  });
});

describe('approvals', () => {
  it('approve through the UI with a reason: the re-submitted request is allowed and the resolution shows who and when', async () => {
    const t = await tab(hall.approverToken);
    await show(t, 'approvals');
    const card = t.page.locator(`[data-approval-id="${approvalId}"]`);
    expect(await card.locator('.countdown').innerText()).toMatch(/left$/);
    await card.locator('textarea').fill('checked the board minutes request');
    await screenshot(t, 'approvals');
    await card.locator('[data-action="approve"]').click();
    await t.page.waitForSelector(`[data-approval-id="${approvalId}"] [role=status]`);
    expect(await card.locator('[role=status]').innerText()).toContain('Approved by approver:demo-approver');

    const again = await tenant.route({ ...example('route-require-human.json'), correlation_id: crypto.randomUUID(), approval_id: approvalId });
    expect(again.decision.denied).toBe(false);
    expect(again.receipt['approval_id']).toBe(approvalId);

    await t.page.waitForSelector(`[data-resolved] tr[data-approval-id="${approvalId}"]`);
    const row = await t.page.locator(`[data-resolved] tr[data-approval-id="${approvalId}"]`).innerText();
    expect(row).toContain('approver:demo-approver');
    expect(row).toContain('checked the board minutes request');
    await show(t, 'feed', 'denied=false');
    await t.page.waitForSelector(`tr[data-decision-id="${String(again.decision.decision_id)}"]`, { timeout: 2_000 });
    expect(await t.page.locator(`tr[data-decision-id="${String(again.decision.decision_id)}"]`).innerText()).toContain('allowed (approved)');
  });
});

describe('crew', () => {
  it("shows a worker record's markup as text, never as elements", async () => {
    const t = await tab(hall.tenantToken);
    const errorsBefore = t.errors.length;
    await show(t, 'crew');
    const row = t.page.locator('tr[data-worker-id="org.demo.markup-probe"]');
    expect(await row.locator('[data-field="name"]').innerText()).toBe(XSS);
    expect(await t.page.locator('main img, main script').count()).toBe(0);
    await row.locator('summary', { hasText: /^record$/ }).click();
    expect(await row.locator('pre.json').innerText()).toContain(XSS.replace(/"/g, '\\"'));
    expect(await t.page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(t.errors.slice(errorsBefore)).toEqual([]);
  });

  it('shows each worker’s compliance level with the reasons it is not the next, and its last decision', async () => {
    const t = await tab(hall.tenantToken);
    await show(t, 'crew');
    const summarizer = t.page.locator('tr[data-worker-id="org.demo.doc-summarizer"]');
    expect(await summarizer.locator('.badge').first().innerText()).toMatch(/^(Basic|Standard|Full)$/);
    expect(await summarizer.innerText()).toMatch(/allowed/);
    expect(await summarizer.innerText()).toContain('not banned');
  });

  it('enrolls a dropped registry_record.json after the artifact-hash check, and refuses a tampered one', async () => {
    const t = await tab(hall.tenantToken);
    await show(t, 'crew');
    const record: Record<string, unknown> = { worker_id: 'org.demo.dropped', worker_species_id: 'wrk.demo.dropped', capabilities: ['cap.doc.summarize'], currently_implements: ['ctrl.obs.audit-log-append-only'], name: 'dropped in the monitor' };
    const good = { ...record, artifact_hash: enrollmentArtifactHash(record) };
    const bad = { ...good, name: 'changed after hashing' };
    const file = (r: unknown) => ({ name: 'registry_record.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(r, null, 2)) });

    await t.page.setInputFiles('#record-file', file(bad));
    await t.page.waitForSelector('[data-hash-check="mismatch"]');
    expect(await t.page.getByRole('button', { name: 'Enroll this worker' }).isDisabled()).toBe(true);

    await t.page.setInputFiles('#record-file', file(good));
    await t.page.waitForSelector('[data-hash-check="match"]');
    expect(await t.page.locator('[data-computed-hash]').innerText()).toBe(good.artifact_hash);
    await screenshot(t, 'crew');
    await t.page.getByRole('button', { name: 'Enroll this worker' }).click();
    await t.page.waitForSelector('[data-enroll-result] [role=status]');
    expect(await t.page.locator('[data-enroll-result]').innerText()).toContain('Enrolled org.demo.dropped');
    await t.page.waitForSelector('tr[data-worker-id="org.demo.dropped"]');
  });
});

describe('status', () => {
  it("shows health, rules version, keys, workers and today's counts", async () => {
    const t = await tab(hall.tenantToken);
    await show(t, 'status');
    const health = await tenant.health();
    expect(await t.page.locator('[data-value="status"]').innerText()).toBe('deciding (ok)');
    expect(await t.page.locator('[data-value="rules-version"]').innerText()).toBe(String(health['rules_version']));
    expect(Number(await t.page.locator('[data-value="allowed-today"]').innerText())).toBeGreaterThan(0);
    expect(Number(await t.page.locator('[data-value="denied-today"]').innerText())).toBeGreaterThan(0);
    const kid = String((await tenant.publicKeys()).keys[0]!['kid']);
    expect(await t.page.locator('[data-card="keys"]').innerText()).toContain(kid);
    await screenshot(t, 'status');
  });
});

describe('keyboard', () => {
  it('reaches every action of every screen with Tab alone, and Enter/Space work them', async () => {
    const t = await tab(hall.adminToken);
    const missed: Record<string, string[]> = {};
    for (const s of SCREENS) {
      await show(t, s, s === 'evidence' ? 'tenant_id=demo' : '');
      // Every visible control on the page, tagged so the Tab walk can be compared with it.
      const total = await t.page.evaluate(() => {
        const sel = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex="0"]';
        const all = [...document.querySelectorAll<HTMLElement>(sel)].filter((el) => el.checkVisibility());
        all.forEach((el, i) => (el.dataset['kb'] = String(i)));
        const w = window as unknown as { __reached: Set<string> };
        w.__reached = new Set();
        document.addEventListener('focusin', (e) => {
          const id = (e.target as HTMLElement).dataset?.['kb'];
          if (id) w.__reached.add(id);
        });
        // Start where a freshly loaded page starts: the first control (the skip link).
        all[0]!.focus();
        return all.length;
      });
      // Date-time inputs take one Tab per field (month, day, year, …): walk until every control is
      // reached, or three times round.
      for (let i = 0; i < 3 * total + 10; i++) {
        await t.page.keyboard.press('Tab');
        if (i % 10 === 9 && (await t.page.evaluate((n) => (window as unknown as { __reached: Set<string> }).__reached.size >= n, total))) break;
      }
      const lost = await t.page.evaluate(() => {
        const got = (window as unknown as { __reached: Set<string> }).__reached;
        return [...document.querySelectorAll<HTMLElement>('[data-kb]')].filter((el) => !got.has(el.dataset['kb']!)).map((el) => el.outerHTML.slice(0, 100));
      });
      if (lost.length) missed[s] = lost;
    }
    expect(missed, JSON.stringify(missed, null, 1)).toEqual({});

    // Working the page by keyboard: from the top, Tab to "Live feed", Enter; Tab to Pause, Space.
    await show(t, 'status');
    await t.page.evaluate(() => document.querySelector<HTMLElement>('a.skip')!.focus());
    for (let i = 0; i < 30; i++) {
      await t.page.keyboard.press('Tab');
      if ((await t.page.evaluate(() => document.activeElement?.textContent)) === 'Live feed') break;
    }
    await t.page.keyboard.press('Enter');
    await t.page.waitForSelector('section[data-screen="feed"] [data-feed-state="live"]');
    for (let i = 0; i < 40; i++) {
      await t.page.keyboard.press('Tab');
      if ((await t.page.evaluate(() => document.activeElement?.textContent)) === 'Pause') break;
    }
    await t.page.keyboard.press('Space');
    await t.page.waitForSelector('[data-feed-state="paused"]');
  });
});

describe('evidence', () => {
  let length = 0;

  it('verifies the chain in the page: "verified seq 1..N", and exports it as JSON Lines', async () => {
    const audit = await tenant.verifyChain('demo');
    expect(audit.ok).toBe(true);
    length = audit.verified;
    const t = await tab(hall.tenantToken);
    await show(t, 'evidence');
    expect(await t.page.locator('[data-verdict]').getAttribute('data-verdict')).toBe(`verified:${length}`);
    expect(await t.page.locator('[data-verdict]').innerText()).toContain(`verified seq 1..${length}`);
    expect(t.requests.some((r) => new URL(r.url).pathname === '/sdk/verify.js')).toBe(true);
    // The signed checkpoint: verified, the head included, consistent with the one seen on an earlier visit.
    expect(await t.page.locator('[data-log]').getAttribute('data-log')).toBe('consistent');
    expect(await t.page.locator('[data-log]').innerText()).toContain(`receipt seq ${length} is included`);
    await screenshot(t, 'evidence');
    const [download] = await Promise.all([t.page.waitForEvent('download'), t.page.getByRole('button', { name: 'Export the chain (JSON Lines)' }).click()]);
    expect(download.suggestedFilename()).toBe('receipts-demo.jsonl');
    const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(length);
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(Array.from({ length }, (_, i) => i + 1));
  });

  it('flags a log whose tree no longer extends the checkpoint this browser remembers', async () => {
    const t = await tab(hall.tenantToken);
    const key = 'edgehall.monitor.checkpoint.demo';
    const real = await t.page.evaluate((k) => localStorage.getItem(k), key);
    expect(real).not.toBeNull();
    // What this browser "saw" earlier: a smaller tree with another root — a history the Hall rewrote.
    await t.page.evaluate(([k, v]) => localStorage.setItem(k!, v!), [key, JSON.stringify({ ...JSON.parse(real!), tree_size: 2, root_hash: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))) })]);
    await show(t, 'evidence');
    expect(await t.page.locator('[data-log]').getAttribute('data-log')).toBe('rewritten');
    expect(await t.page.locator('[data-log]').innerText()).toContain('does not extend the one of 2');
    await t.page.evaluate(([k, v]) => localStorage.setItem(k!, v!), [key, real!]);
  });

  it('flags a log that shrank since this browser verified it (and since the Hall signed it)', async () => {
    expect(deleteStoredReceipts(hall, 'demo', length).length).toBeGreaterThan(0);
    const t = await tab(hall.tenantToken);
    await show(t, 'evidence');
    expect(await t.page.locator('[data-memory]').getAttribute('data-memory')).toBe('shrunk');
    expect(await t.page.locator('[data-memory]').innerText()).toContain('The log shrank');
    expect(await t.page.locator('[data-log]').getAttribute('data-log')).toBe('shrunk');
    expect(await t.page.locator('[data-log]').innerText()).toContain(`signed a log of ${length} receipts but served only ${length - 1}`);
  });

  it('names the first bad seq of a receipt edited in storage, and what is wrong', async () => {
    expect(tamperStoredReceipt(hall, 'demo', 2, 'capability_id', 'cap.payments.charge').length).toBeGreaterThan(0);
    const t = await tab(hall.tenantToken);
    await show(t, 'evidence');
    expect(await t.page.locator('[data-verdict]').getAttribute('data-verdict')).toBe('broken:2:RECEIPT_HASH_MISMATCH');
    expect(await t.page.locator('[data-verdict]').innerText()).toContain('Broken at seq 2');
    expect(await t.page.locator('tr[data-seq="2"]').getAttribute('class')).toContain('is-denied');
    await screenshot(t, 'evidence-tampered');
  });
});
