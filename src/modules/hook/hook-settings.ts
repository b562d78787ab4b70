/** How hooks are called; built from AuthSettings by the module, replaceable in tests. */
export class HookSettings {
  constructor(
    /** The server secret key: the HMAC key of X-Blnk-Signature (reference §7.2). */
    readonly secret: string = '',
    /** Wait before the first retry; later ones double, up to maxRetryDelayMs (upper half jittered). */
    readonly firstRetryDelayMs: number = 200,
    readonly maxRetryDelayMs: number = 5_000,
    /** The most of a hook's answer that is read; a longer answer is a failure. */
    readonly maxAnswerBytes: number = 64 * 1024,
    /** How long a process trusts its list of active hooks when another process may change it. */
    readonly cacheTtlMs: number = 5_000,
    /** Fire-and-forget calls (post-hooks, non-blocking pre-hooks) in flight at once per process. */
    readonly maxBackgroundCalls: number = 64,
    /** Fire-and-forget calls waiting for a slot; past this, new ones are dropped and logged. */
    readonly maxQueuedBackgroundCalls: number = 10_000,
    /**
     * The longest a transaction waits for its blocking hooks, whatever their timeout and retries
     * add up to (up to 300 s × 11 attempts): a hook still busy then counts as unreachable.
     */
    readonly maxPreHookWaitMs: number = 60_000,
  ) {}
}

/**
 * The HMAC key of hook calls, for a process that has no AuthSettings (`neraca workers`): provided
 * globally, it is used instead of the master key of AuthSettings.
 */
export class HookSigningKey {
  constructor(readonly secret: string) {}
}
