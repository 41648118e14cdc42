// Phase timings as a `Server-Timing` header, only when the deployment opts in (HALL_SERVER_TIMING =
// "1"; the HTTP bench does): durations only, never content. Kept out of the handlers.
import type { AppendTiming } from '../log/tenant-log.js';
import type { HallEnv } from '../env.js';

export interface PhaseTimer {
  /** Closes the phase that began at the previous mark. */
  mark(name: string): void;
  /** Filled in by the tenant log (inside its Durable Object) when timing is on. */
  readonly log: AppendTiming | undefined;
  /** Sets `server-timing` on the response (no-op when timing is off). */
  apply(response: Response): Response;
}

const OFF: PhaseTimer = { mark: () => undefined, log: undefined, apply: (r) => r };

export function phaseTimer(env: HallEnv): PhaseTimer {
  if ((env as { HALL_SERVER_TIMING?: string }).HALL_SERVER_TIMING !== '1') return OFF;
  const marks: [string, number][] = [];
  let last = performance.now();
  const log: AppendTiming = { waitMs: 0, signMs: 0, writeMs: 0, batch: 0 };
  return {
    log,
    mark(name) {
      const now = performance.now();
      marks.push([name, now - last]);
      last = now;
    },
    apply(response) {
      const entries: [string, number][] = [...marks, ['log-wait', log.waitMs], ['log-sign', log.signMs], ['log-sqlite', log.writeMs]];
      const header = entries.map(([n, ms]) => `${n};dur=${ms.toFixed(2)}`).concat(`log-batch;desc="${log.batch}"`).join(', ');
      response.headers.set('server-timing', header);
      return response;
    },
  };
}
