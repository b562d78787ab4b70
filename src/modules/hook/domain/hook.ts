import { hookInvalid } from './hook.errors';

export const HOOK_TYPES = ['PRE_TRANSACTION', 'POST_TRANSACTION'] as const;
export type HookType = (typeof HOOK_TYPES)[number];

/** A transaction hook (reference §2.11), plus Neraca's `blocking` and `fail_open`. */
export interface Hook {
  id: string;
  name: string;
  url: string;
  type: HookType;
  active: boolean;
  /** Seconds one attempt may take. */
  timeout: number;
  /** Attempts after the first one. */
  retryCount: number;
  /** PRE_TRANSACTION only: the transaction waits for the answer, which can veto it. */
  blocking: boolean;
  /** A blocking hook that times out or cannot be reached lets the transaction through. */
  failOpen: boolean;
  createdAt: Date;
  lastRun: Date | null;
  lastSuccess: boolean;
}

/** What a client may set (POST and PUT take the same body; PUT replaces). */
export type HookInput = Omit<Hook, 'id' | 'createdAt' | 'lastRun' | 'lastSuccess'> & {
  /** POST only: a caller-chosen id (reference §1.4); absent = `hook_<uuid>`. */
  id?: string;
};

export const DEFAULT_TIMEOUT_SECONDS = 30;
/** Beyond Blnk (which has no bound): a blocking hook holds a request for up to this long per try. */
export const MAX_TIMEOUT_SECONDS = 300;
export const DEFAULT_RETRY_COUNT = 3;
export const MAX_RETRY_COUNT = 10;
export const MAX_HOOK_URL_LENGTH = 2048;
export const MAX_HOOK_NAME_LENGTH = 512;
/** Beyond Blnk (no bound): every hook of a type is called for every transaction. */
export const MAX_HOOKS_PER_TYPE = 100;
const HOOK_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Fields a hook read back from GET may carry when it is sent again: the server's, ignored. */
const READ_ONLY_FIELDS = new Set(['created_at', 'last_run', 'last_success']);
const FIELDS = new Set([
  'id',
  'name',
  'url',
  'type',
  'active',
  'timeout',
  'retry_count',
  'blocking',
  'fail_open',
  ...READ_ONLY_FIELDS,
]);

type Action = 'register' | 'update';

/** Blnk binds the body into a Go struct first: a wrong type is "invalid hook data". */
function bindError(reason: string): never {
  throw hookInvalid('invalid hook data', reason);
}

function optional<T>(
  body: Record<string, unknown>,
  key: string,
  check: (v: unknown) => v is T,
  type: string,
): T | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!check(v)) bindError(`${key} must be ${type}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
/** A JSON integer; integers beyond 2^53 arrive as bigint from the lossless parser. */
const isInteger = (v: unknown): v is number | bigint =>
  typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));

/** Blnk's bounds: timeout ≤ 0 → 30; retry_count < 0 → 3, > 10 → 10 (reference §2.11). */
function timeoutOf(v: number | bigint | undefined): number {
  if (v === undefined || v <= 0) return DEFAULT_TIMEOUT_SECONDS;
  return v > MAX_TIMEOUT_SECONDS ? MAX_TIMEOUT_SECONDS : Number(v);
}

function retryCountOf(v: number | bigint | undefined): number {
  if (v === undefined) return 0;
  if (v < 0) return DEFAULT_RETRY_COUNT;
  return v > MAX_RETRY_COUNT ? MAX_RETRY_COUNT : Number(v);
}

/** Why a hook URL cannot be called, or undefined when it can. */
function urlProblem(url: string): string | undefined {
  if (!url) return 'hook URL is required';
  if (url.length > MAX_HOOK_URL_LENGTH) {
    return `hook URL must be at most ${MAX_HOOK_URL_LENGTH} characters`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'hook URL must be an absolute http or https URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return 'hook URL must be an absolute http or https URL';
  }
  // fetch refuses to send a request to a URL with credentials: the hook could never be called.
  if (parsed.username || parsed.password) return 'hook URL must not contain credentials';
  const port = Number(parsed.port);
  if (parsed.port && (port === 0 || BAD_PORTS.has(port))) {
    return `hook URL port ${port} is one that HTTP clients refuse to call (the Fetch standard's bad ports)`;
  }
  return undefined;
}

/** The Fetch standard's "bad ports": fetch fails at once on these, so such a hook is never called. */
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
  103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
  512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
  6669, 6679, 6697, 10080,
]);

/**
 * The body of POST or PUT /hooks as a hook's settings, with Blnk's defaults and bounds. Unknown
 * fields are refused (a typo in `blocking` must not leave a hook that vetoes nothing); the
 * server's own fields (`created_at`, `last_run`, `last_success`) are accepted and ignored, so a
 * hook read back with GET can be sent again.
 * @throws DomainError HOOK_INVALID
 */
export function parseHookInput(body: unknown, action: Action): HookInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    bindError('the body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !FIELDS.has(k));
  if (unknown.length) bindError(`unknown field ${unknown.sort().join(', ')}`);
  const id = optional(b, 'id', isString, 'a string');
  const name = optional(b, 'name', isString, 'a string') ?? '';
  const url = optional(b, 'url', isString, 'a string') ?? '';
  const type = optional(b, 'type', isString, 'a string') ?? '';
  const active = optional(b, 'active', isBoolean, 'true or false') ?? false;
  const timeout = optional(b, 'timeout', isInteger, 'an integer');
  const retryCount = optional(b, 'retry_count', isInteger, 'an integer');
  const blocking = optional(b, 'blocking', isBoolean, 'true or false') ?? false;
  const failOpen = optional(b, 'fail_open', isBoolean, 'true or false') ?? false;

  const failed = `failed to ${action} hook`;
  const problem = urlProblem(url);
  if (problem) throw hookInvalid(failed, problem);
  if (!(HOOK_TYPES as readonly string[]).includes(type)) {
    throw hookInvalid(failed, `invalid hook type: ${type} (PRE_TRANSACTION or POST_TRANSACTION)`);
  }
  if (action === 'register' && id !== undefined && id !== '' && !HOOK_ID.test(id)) {
    throw hookInvalid(failed, 'id must be 1 to 128 letters, digits or _ . : -');
  }
  if (name.length > MAX_HOOK_NAME_LENGTH) {
    throw hookInvalid(failed, `name must be at most ${MAX_HOOK_NAME_LENGTH} characters`);
  }
  if (type === 'POST_TRANSACTION' && (blocking || failOpen)) {
    const field = blocking ? 'blocking' : 'fail_open';
    throw hookInvalid(
      failed,
      `${field} applies to PRE_TRANSACTION hooks only: a POST_TRANSACTION hook runs after the outcome is committed and cannot veto it`,
    );
  }
  if (failOpen && !blocking) {
    throw hookInvalid(failed, 'fail_open applies to blocking hooks only (set blocking: true)');
  }
  return {
    ...(id ? { id } : {}),
    name,
    url,
    type: type as HookType,
    active,
    timeout: timeoutOf(timeout),
    retryCount: retryCountOf(retryCount),
    blocking,
    failOpen,
  };
}

/** `?type=` of GET /hooks: absent = both types. @throws DomainError HOOK_INVALID */
export function parseHookTypeFilter(value: string | undefined): HookType | undefined {
  if (value === undefined || value === '') return undefined;
  if ((HOOK_TYPES as readonly string[]).includes(value)) return value as HookType;
  throw hookInvalid(
    'failed to list hooks',
    `invalid hook type: ${value} (PRE_TRANSACTION or POST_TRANSACTION)`,
  );
}
