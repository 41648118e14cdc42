// Driving the Hall Monitor in Chromium: a tab per sign-in (sessionStorage is per tab), the screens
// by their hash, a readiness mark per screen, and what a tab did on the network and in its console.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';

export const ARTIFACTS = new URL('../../test-artifacts/monitor/', import.meta.url).pathname;

export const SCREENS = ['status', 'feed', 'denials', 'approvals', 'crew', 'evidence', 'rules'] as const;
export type ScreenId = (typeof SCREENS)[number];

/** What marks each screen as drawn. */
const READY: Record<ScreenId, string> = {
  status: '[data-card="today"]',
  feed: '[data-feed-state="live"]',
  denials: '[data-denials]',
  approvals: '[data-queue] > *',
  crew: 'table.crew',
  evidence: '[data-log]:not([data-log="running"])',
  rules: '[data-card="current-rules"]',
};

export interface Tab {
  page: Page;
  /** Every request the tab made (URL, whether it carried Authorization, Cookie). */
  requests: { url: string; authorization: boolean; cookie: boolean }[];
  /** Console errors and uncaught page errors (a CSP violation shows up here too). */
  errors: string[];
}

export async function openTab(context: BrowserContext, base: string): Promise<Tab> {
  const page = await context.newPage();
  const tab: Tab = { page, requests: [], errors: [] };
  page.on('request', (r) => {
    const h = r.headers();
    tab.requests.push({ url: r.url(), authorization: 'authorization' in h, cookie: 'cookie' in h });
  });
  page.on('console', (m) => m.type() === 'error' && tab.errors.push(m.text()));
  page.on('pageerror', (e) => tab.errors.push(e.message));
  await page.goto(`${base}/monitor`);
  await page.waitForSelector('#token');
  return tab;
}

export async function signIn(tab: Tab, token: string): Promise<void> {
  await tab.page.fill('#token', token);
  await tab.page.click('form.signin button[type=submit]');
  await tab.page.waitForSelector('body[data-signed-in="true"] [data-screen="status"] [data-card="today"]');
}

let visits = 0;

/** Opens a screen (drawn afresh even when it is the one showing) and waits until it is drawn. */
export async function show(tab: Tab, screen: ScreenId, query = ''): Promise<void> {
  const q = new URLSearchParams(query);
  q.set('visit', String(++visits));
  const hash = `#/${screen}?${q}`;
  await tab.page.evaluate((h) => (location.hash = h), hash);
  await tab.page.waitForSelector(`section[data-screen="${screen}"] ${READY[screen]}`, { timeout: 15_000 });
}

export async function navLabels(tab: Tab): Promise<string[]> {
  return tab.page.locator('#nav a').allInnerTexts();
}

export async function screenshot(tab: Tab, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await tab.page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
