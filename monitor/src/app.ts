// What every screen is handed: the Hall client, who the token is, and where to draw.
import type { HallClient, HallLogClient, HallWhoami } from '/sdk/client.js';
import type { Child } from './dom.js';

export interface App {
  client: HallClient;
  /** The tenant logs' checkpoints and proofs. */
  log: HallLogClient;
  who: HallWhoami;
  /** Go to another screen (a hash such as `#/feed?deny_code=DENY_NO_MATCHING_RULE`). */
  go(hash: string): void;
  /** The token stopped working (revoked, rotated): back to the sign-in. */
  signOut(message?: string): void;
}

export interface Screen {
  id: string;
  title: string;
  /** Whether this token may see the screen at all. */
  visible(who: HallWhoami): boolean;
  /** Draws into `root`; `signal` aborts when the user leaves the screen (stop timers, polls). */
  render(app: App, root: HTMLElement, params: URLSearchParams, signal: AbortSignal): Promise<void>;
}

export type { Child };
