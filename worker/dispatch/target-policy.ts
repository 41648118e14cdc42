// The Hall's rules for where it may dispatch, checked when a record is enrolled and again at every
// dispatch (a record may predate a rule change, or come from the seed): URL schemes and hosts,
// Service bindings the operator listed for the namespace, and secret names scoped to the namespace.
import type { DispatchTarget } from '../../src/routing/index.js';
import { dispatchSecretProblem } from '../../src/dispatch/secret-name.js';
import type { HallEnv } from '../env.js';

export interface DispatchPolicy {
  /** HALL_LOCAL_DEV = "1": loopback and private targets allowed (and http:// on loopback). */
  localDev: boolean;
  /** binding name → namespaces that may dispatch through it (HALL_DISPATCH_SERVICES). */
  services: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface TargetProblem {
  path: (string | number)[];
  message: string;
}

const ENTRY = /^([A-Z][A-Z0-9_]{0,63})=((?:org|x)\.[a-z0-9][a-z0-9-]{0,62})$/;

/** HALL_DISPATCH_SERVICES as a map; an entry that does not parse grants nothing. */
export function parseDispatchServices(raw: string | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const part of (raw ?? '').split(',')) {
    const m = ENTRY.exec(part.trim());
    if (!m) continue;
    const set = out.get(m[1]!) ?? new Set<string>();
    set.add(m[2]!);
    out.set(m[1]!, set);
  }
  return out;
}

export function dispatchPolicyOf(env: HallEnv): DispatchPolicy {
  return { localDev: env.HALL_LOCAL_DEV === '1', services: parseDispatchServices(env.HALL_DISPATCH_SERVICES) };
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

function ipv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

/** Loopback, private, link-local, CGNAT or unspecified: addresses a public Hall must never call. */
export function isInternalHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (LOOPBACK_NAMES.has(h) || h.endsWith('.localhost')) return true;
  const v4 = ipv4(h);
  if (v4) {
    const [a, b] = v4 as [number, number];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (h.startsWith('[')) {
    // Any IPv6 literal that is not plainly global unicast (2000::/3) is treated as internal,
    // which covers ::1, ::, fc00::/7, fe80::/10 and IPv4-mapped forms.
    return !/^\[[23][0-9a-f]{0,3}:/.test(h);
  }
  return false;
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return LOOPBACK_NAMES.has(h) || h.endsWith('.localhost') || /^127\./.test(h);
}

/** Why `raw` may not be a dispatch URL under `policy` (null when it may). */
export function dispatchUrlProblem(raw: string, policy: DispatchPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.username || url.password) return 'must not carry credentials; name a Worker secret in auth_secret instead';
  if (url.hash) return 'must not have a #fragment';
  if (url.protocol === 'https:') {
    if (isInternalHost(url.hostname) && !policy.localDev) {
      return `names an internal address (${url.hostname}); only a Hall in local development (HALL_LOCAL_DEV=1) dispatches to loopback or private hosts`;
    }
    return null;
  }
  if (url.protocol === 'http:') {
    if (policy.localDev && isLoopbackHost(url.hostname)) return null;
    return policy.localDev
      ? 'uses http:// for a host that is not loopback; use https://, or http://127.0.0.1 for a local target'
      : 'uses http://; a dispatch target is https:// (http://127.0.0.1 only when the Hall runs in local development)';
  }
  return `uses ${url.protocol.slice(0, 16)}; a dispatch target is an https:// URL`;
}

/** Every way `target` breaks the dispatch rules for a worker of namespace `ns`. */
export function dispatchTargetProblems(target: DispatchTarget, ns: string, policy: DispatchPolicy): TargetProblem[] {
  const problems: TargetProblem[] = [];
  if (target.kind === 'service') {
    const allowed = policy.services.get(target.service);
    if (!allowed || !allowed.has(ns)) {
      problems.push({
        path: ['dispatch', 'service'],
        message: `Service binding ${target.service} is not one this Hall lets ${ns} dispatch through (HALL_DISPATCH_SERVICES lists BINDING=namespace pairs; ask the operator to add ${target.service}=${ns})`,
      });
    }
    return problems;
  }
  const urlProblem = dispatchUrlProblem(target.url, policy);
  if (urlProblem) problems.push({ path: ['dispatch', 'url'], message: `the dispatch URL ${urlProblem}` });
  if (target.auth_secret !== undefined) {
    const secretProblem = dispatchSecretProblem(target.auth_secret, ns);
    if (secretProblem) problems.push({ path: ['dispatch', 'auth_secret'], message: `${target.auth_secret} ${secretProblem}` });
  }
  return problems;
}
