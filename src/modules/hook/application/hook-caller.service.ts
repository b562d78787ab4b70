import { Injectable, Logger } from '@nestjs/common';
import { blnkSignature } from '@libs/core/blnk-signature';
import { Clock } from '@libs/core/clock';
import { stringifyJson } from '@libs/core/json';
import type { Hook } from '../domain/hook';
import { AttemptOutcome, backoffMs, evaluateAttempt, isRetryable } from '../domain/hook-answer';
import { HookSettings } from '../hook-settings';
import { ActiveHooks } from './active-hooks';
import { HookRepository } from './ports/hook.repository';
import { HookTimer, HookTransport } from './ports/hook-transport';

/** The transaction as the API presents it (its JSON): the `data` of a hook call. */
export type TransactionPayload = Record<string, unknown>;

/** What the blocking pre-hooks decided about one transaction. */
export interface HookVerdict {
  approved: boolean;
  /** Why it was refused: the hook's own `message`, or what went wrong calling it. */
  message?: string;
  /** The hook that refused it. */
  hookId?: string;
}

/** How one call of one hook (all its attempts) ended. */
export interface HookCallReport {
  hookId: string;
  outcome: AttemptOutcome;
  attempts: number;
}

const APPROVED: HookVerdict = Object.freeze({ approved: true });

/**
 * Calls transaction hooks (reference §7.2): `POST <url>` with
 * `{"transaction_id","hook_type","timestamp","data"}`, signed like webhooks, one attempt per
 * `timeout` seconds and up to `retry_count` retries with exponential backoff and jitter.
 *
 * Beyond Blnk, a PRE_TRANSACTION hook with `blocking: true` is a gate: `runPreHooks` waits for
 * every blocking hook (in parallel) and refuses the transaction on the first failure. A blocking
 * hook that cannot be reached or times out refuses too, unless `fail_open`. Every other hook is
 * called in the background, as Blnk's are, with a bound on the calls in flight.
 *
 * Neither method may be called inside a database transaction: they read the hook list (cached)
 * and write each hook's last_run / last_success on the pool, and wait on the network.
 */
@Injectable()
export class HookCallerService {
  private readonly logger = new Logger('Hooks');
  private readonly pending = new Set<Promise<unknown>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly active: ActiveHooks,
    private readonly repo: HookRepository,
    private readonly transport: HookTransport,
    private readonly timer: HookTimer,
    private readonly clock: Clock,
    private readonly settings: HookSettings,
  ) {}

  /**
   * Before a transaction is applied: the blocking PRE_TRANSACTION hooks decide (called at once,
   * in parallel; the first refusal is the verdict, without waiting for the others); the others
   * are fired and not awaited. Approved at once when there is no blocking hook.
   */
  /** Whether any active PRE_TRANSACTION hook exists (cached): without one, nothing is asked. */
  async hasPreHooks(): Promise<boolean> {
    return (await this.active.list()).some((h) => h.type === 'PRE_TRANSACTION');
  }

  async runPreHooks(transaction: TransactionPayload): Promise<HookVerdict> {
    const hooks = (await this.active.list()).filter((h) => h.type === 'PRE_TRANSACTION');
    for (const hook of hooks) if (!hook.blocking) this.callInBackground(hook, transaction);
    const gates = hooks.filter((h) => h.blocking);
    if (!gates.length) return APPROVED;
    const wait = this.settings.maxPreHookWaitMs;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const verdict = await new Promise<HookVerdict>((resolve) => {
      let left = gates.length;
      const decided = new Set<string>();
      const decide = (hook: Hook, v: HookVerdict) => {
        if (decided.has(hook.id)) return;
        decided.add(hook.id);
        if (!v.approved) resolve(v);
        else if (--left === 0) resolve(APPROVED);
      };
      for (const hook of gates) {
        const call = this.call(hook, transaction).then(
          (report) => verdictOf(hook, report),
          (e: unknown): HookVerdict => {
            this.logger.error(`pre-transaction hook ${hook.id} failed: ${String(e)}`);
            return refusal(hook, `could not be called: ${String(e)}`);
          },
        );
        this.track(call);
        void call.then((v) => decide(hook, v));
      }
      // Hooks still busy at the deadline count as unreachable; their calls finish unawaited.
      deadline = setTimeout(() => {
        for (const hook of gates) {
          const late = `did not answer within ${wait} ms`;
          decide(hook, hook.failOpen ? APPROVED : refusal(hook, late));
        }
      }, wait);
    });
    clearTimeout(deadline);
    return verdict;
  }

  /** After an outcome is committed: every active POST_TRANSACTION hook, in the background. */
  runPostHooks(transaction: TransactionPayload): void {
    this.track(
      this.active.list().then(
        (hooks) => {
          for (const hook of hooks) {
            if (hook.type === 'POST_TRANSACTION') this.callInBackground(hook, transaction);
          }
        },
        (e: unknown) => this.logger.error(`post-transaction hooks not called: ${String(e)}`),
      ),
    );
  }

  /** Calls one hook for one transaction, with its retries, and records how it went. */
  async call(hook: Hook, transaction: TransactionPayload): Promise<HookCallReport> {
    const txId = transaction.transaction_id;
    const body = stringifyJson({
      transaction_id: typeof txId === 'string' ? txId : '',
      hook_type: hook.type,
      timestamp: this.clock.now().toISOString(),
      data: transaction,
    });
    let outcome: AttemptOutcome = { result: 'unreachable', reason: 'not called' };
    let attempts = 0;
    for (let retry = 0; retry <= hook.retryCount; retry++) {
      if (retry > 0) {
        const { firstRetryDelayMs, maxRetryDelayMs } = this.settings;
        await this.timer.sleep(
          backoffMs(retry, firstRetryDelayMs, maxRetryDelayMs, this.timer.random()),
        );
      }
      attempts++;
      outcome = evaluateAttempt(
        await this.transport.post({
          url: hook.url,
          headers: this.headers(hook, body),
          body,
          timeoutMs: hook.timeout * 1000,
          maxBodyBytes: this.settings.maxAnswerBytes,
        }),
      );
      this.record(hook, outcome.result === 'success');
      if (outcome.result === 'success' || !isRetryable(outcome)) break;
    }
    if (outcome.result !== 'success') {
      this.logger.warn(
        `${hook.type} hook ${hook.id} failed after ${attempts} attempt(s): ${outcome.message ?? outcome.reason}`,
      );
    }
    return { hookId: hook.id, outcome, attempts };
  }

  /** Resolves once every background call and status write started so far has finished. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private headers(hook: Hook, body: string): Record<string, string> {
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    return {
      'Content-Type': 'application/json',
      'X-Blnk-Signature': blnkSignature(this.settings.secret, timestamp, body),
      'X-Blnk-Timestamp': String(timestamp),
      'X-Hook-ID': hook.id,
      'X-Hook-Type': hook.type,
    };
  }

  /** last_run / last_success after each attempt, as Blnk; never on the caller's path. */
  private record(hook: Hook, success: boolean): void {
    this.track(
      this.repo
        .recordRun(hook.id, this.clock.now(), success)
        .catch((e: unknown) =>
          this.logger.error(`last_run of hook ${hook.id} not recorded: ${String(e)}`),
        ),
    );
  }

  /**
   * A call nobody waits for. At most `maxBackgroundCalls` run at once, so a slow hook under load
   * cannot pile up sockets and memory without bound; the rest wait their turn, and past
   * `maxQueuedBackgroundCalls` waiting, new ones are dropped with an error in the log.
   */
  private callInBackground(hook: Hook, transaction: TransactionPayload): void {
    if (this.waiting.length >= this.settings.maxQueuedBackgroundCalls) {
      this.logger.error(`${hook.type} hook ${hook.id} not called: too many calls waiting`);
      return;
    }
    const run = async () => {
      await this.slot();
      try {
        await this.call(hook, transaction);
      } catch (e) {
        this.logger.error(`${hook.type} hook ${hook.id} failed: ${String(e)}`);
      } finally {
        // The slot goes straight to the next waiting call, so none can slip in between.
        const next = this.waiting.shift();
        if (next) next();
        else this.running--;
      }
    };
    this.track(run());
  }

  private async slot(): Promise<void> {
    if (this.running < this.settings.maxBackgroundCalls) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

function refusal(hook: Hook, reason: string): HookVerdict {
  return { approved: false, message: `pre-transaction hook ${hook.id} ${reason}`, hookId: hook.id };
}

/** A blocking hook's call as a verdict: `fail_open` only covers a hook that gave no answer. */
function verdictOf(hook: Hook, { outcome }: HookCallReport): HookVerdict {
  if (outcome.result === 'success') return APPROVED;
  if (outcome.result === 'unreachable') {
    return hook.failOpen ? APPROVED : refusal(hook, `could not be reached: ${outcome.reason}`);
  }
  if (outcome.message) return { approved: false, message: outcome.message, hookId: hook.id };
  return refusal(hook, outcome.reason ?? 'refused the transaction');
}
