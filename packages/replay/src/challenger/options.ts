import { isIP } from 'node:net';
import { CHALLENGER_ROLES } from '@shadow/contracts';
import { ReplayError } from '../errors.js';
import { ReplaySampler } from '../sampling/replay-sampler.js';
import type { ReplaySamplingOptions } from '../sampling/types.js';

/** One challenger: a deployment that receives replayed requests. */
export interface ChallengerOptions {
  /** Stable id (ShadowResult.challengerId, SideEffect.origin). Letters, digits, `.`, `_`, `-`, `@`. Required. */
  id: string;
  /** Human-readable label, e.g. `pricing@2.4.0-rc1`. @default the id */
  name?: string | undefined;
  /** `http(s)://host:port[/prefix]`; every replayed request goes there and nowhere else. Required. */
  baseUrl: string;
  /** `candidate` (under test) or `secondary` (a second copy of live: the noise baseline). @default 'candidate' */
  role?: string | undefined;
  /** Requests in flight at once (also the pool's connection count). @default 32 */
  maxConcurrency?: number | undefined;
  /** Token-bucket rate limit, requests per second; null = unlimited. @default null */
  maxRatePerSecond?: number | null | undefined;
  /** Bucket size (requests that may go at once after an idle period). @default max(1, rate / 10) */
  burst?: number | undefined;
  /** Whole-request deadline: connect to last body byte. @default 10000 */
  timeoutMs?: number | undefined;
  /** Response bytes kept; a longer body is cut, the result marked truncated with errorKind `body_too_large`. @default 1048576 */
  maxResponseBytes?: number | undefined;
  /** Sampling on top of the tap's, per challenger. @default replay everything */
  sampling?: ReplaySamplingOptions | undefined;
  /** Headers added to every request (replace captured ones of the same name), e.g. the shadow's own credentials. @default {} */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Only exchanges of these live services (CapturedExchange.service) go to this challenger. @default every service */
  services?: readonly string[] | undefined;
  /**
   * The `Host` header the challenger receives: `challenger` (its base URL's host, GoReplay's default)
   * or `original` (the captured one, like GoReplay's `--http-original-host`), so an app that builds
   * URLs from `Host` answers as it did live. Either way the connection goes to `baseUrl` only.
   * @default 'challenger'
   */
  host?: HostMode | undefined;
}

export const HOST_MODES = ['challenger', 'original'] as const;
export type HostMode = (typeof HOST_MODES)[number];

export interface ResolvedChallenger {
  readonly id: string;
  readonly name: string;
  readonly baseUrl: URL;
  readonly role: string;
  readonly maxConcurrency: number;
  readonly maxRatePerSecond: number | null;
  readonly burst: number;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly sampler: ReplaySampler;
  readonly headers: Readonly<Record<string, string>>;
  /** null = every service */
  readonly services: ReadonlySet<string> | null;
  readonly host: HostMode;
}

const ID = /^[A-Za-z0-9._@-]{1,128}$/;

function int(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ReplayError('REPLAY_INVALID_OPTION', `${field} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

export function resolveChallenger(options: ChallengerOptions, field = 'challenger'): ResolvedChallenger {
  if (typeof options.id !== 'string' || !ID.test(options.id)) {
    throw new ReplayError('REPLAY_INVALID_OPTION', `${field}.id must be 1-128 letters, digits, ".", "_", "-" or "@", got ${JSON.stringify(options.id)}`);
  }
  if (typeof options.baseUrl !== 'string' || !URL.canParse(options.baseUrl)) {
    throw new ReplayError('REPLAY_INVALID_OPTION', `${field}.baseUrl must be an http:// or https:// URL, got ${JSON.stringify(options.baseUrl)}`);
  }
  const baseUrl = new URL(options.baseUrl);
  if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') {
    throw new ReplayError('REPLAY_INVALID_OPTION', `${field}.baseUrl must use http: or https:, got ${JSON.stringify(baseUrl.protocol)}`);
  }
  if (baseUrl.search !== '' || baseUrl.hash !== '' || baseUrl.username !== '') {
    throw new ReplayError(
      'REPLAY_INVALID_OPTION',
      `${field}.baseUrl must not carry a query, fragment or credentials (use headers), got ${JSON.stringify(options.baseUrl)}`,
    );
  }
  const role = options.role ?? 'candidate';
  if (!(CHALLENGER_ROLES as readonly string[]).includes(role)) {
    throw new ReplayError('REPLAY_INVALID_OPTION', `${field}.role must be one of ${CHALLENGER_ROLES.join(', ')}, got ${JSON.stringify(role)}`);
  }
  const host = options.host ?? 'challenger';
  if (!HOST_MODES.includes(host)) {
    throw new ReplayError('REPLAY_INVALID_OPTION', `${field}.host must be one of ${HOST_MODES.join(', ')}, got ${JSON.stringify(host)}`);
  }
  // TLS to the challenger is verified against its own name, sent as SNI; an IP literal has no SNI,
  // and undici would then derive SNI from the captured Host: refused rather than verified against live's name.
  if (host === 'original' && baseUrl.protocol === 'https:' && isIP(baseUrl.hostname.replace(/^\[|\]$/g, '')) !== 0) {
    throw new ReplayError(
      'REPLAY_INVALID_OPTION',
      `${field}.host "original" needs a DNS name in an https baseUrl (TLS is verified against it), got ${JSON.stringify(options.baseUrl)}`,
    );
  }
  const rate = options.maxRatePerSecond ?? null;
  if (rate !== null && (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0)) {
    throw new ReplayError('REPLAY_INVALID_OPTION', `${field}.maxRatePerSecond must be a positive number or null, got ${JSON.stringify(rate)}`);
  }
  return Object.freeze({
    id: options.id,
    name: options.name ?? options.id,
    baseUrl,
    role,
    maxConcurrency: int(`${field}.maxConcurrency`, options.maxConcurrency, 32, 1, 10_000),
    maxRatePerSecond: rate,
    burst: int(`${field}.burst`, options.burst, rate === null ? 1 : Math.max(1, Math.ceil(rate / 10)), 1, 1_000_000),
    timeoutMs: int(`${field}.timeoutMs`, options.timeoutMs, 10_000, 1, 3_600_000),
    maxResponseBytes: int(`${field}.maxResponseBytes`, options.maxResponseBytes, 1024 * 1024, 0, 64 * 1024 * 1024),
    sampler: new ReplaySampler(options.sampling, `${field}.sampling`),
    headers: Object.freeze({ ...(options.headers ?? {}) }),
    services: options.services === undefined ? null : new Set(options.services),
    host,
  });
}

/** Resolves a list, rejecting duplicate ids. */
export function resolveChallengers(list: readonly ChallengerOptions[], field = 'challengers'): readonly ResolvedChallenger[] {
  if (!Array.isArray(list) || list.length === 0) {
    throw new ReplayError('REPLAY_INVALID_OPTION', `${field} must list at least one challenger`);
  }
  const seen = new Set<string>();
  return Object.freeze(
    list.map((c, i) => {
      const resolved = resolveChallenger(c, `${field}[${i}]`);
      if (seen.has(resolved.id)) throw new ReplayError('REPLAY_INVALID_OPTION', `${field}[${i}].id "${resolved.id}" is used twice`);
      seen.add(resolved.id);
      return resolved;
    }),
  );
}
