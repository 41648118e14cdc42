// The sign-in: a pasted token kept in sessionStorage (this tab only, gone when it closes) and sent
// as `Authorization: Bearer` by the SDK's HallClient — never a cookie, so no request the browser
// makes on its own carries it (no CSRF surface). The page talks only to the Hall that served it.
import { HallClient, HallLogClient } from '/sdk/client.js';

const TOKEN_KEY = 'edgehall.monitor.token';

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** A client for this origin's Hall with `token`; throws HallApiError INSECURE_URL on plain http off loopback. */
export function hallClient(token: string): HallClient {
  return new HallClient({ baseUrl: location.origin, token, timeoutMs: 10_000, retries: 1 });
}

/** The same Hall's tenant-log endpoints (checkpoints, inclusion and consistency proofs). */
export function hallLogClient(token: string): HallLogClient {
  return new HallLogClient({ baseUrl: location.origin, token, timeoutMs: 10_000, retries: 1 });
}
