import { Injectable } from '@nestjs/common';
import type { RequestClaim } from '@libs/core/request-claim';
import type { Tx } from '@libs/core/unit-of-work';
import {
  keepsAnswer,
  StoredAnswer,
  StoredKey,
  Verdict,
  verdictOn,
} from '../domain/idempotency-key';
import { idempotencyAnswerLost, idempotencyKeyInUse } from '../domain/idempotency.errors';
import { AnswerSeal } from './answer-seal';
import { IdempotencySettings } from './idempotency-settings';
import { IdempotencyStore } from './ports/idempotency-store';

/** A request that came with an Idempotency-Key: whose key, and a digest of what it asked. */
export interface KeyedRequest {
  /** The API key that sent it (`master` for the master key). */
  scope: string;
  key: string;
  requestHash: string;
}

/**
 * The key of one running request, as the unit of work sees it (libs/core/request-claim.ts): in
 * each database transaction the request opens, the key's lock is taken first (a duplicate waits
 * here until the first one's transaction ends, and then finds its record); the first transaction
 * that writes records the key before it commits, so the key and the effect commit together.
 */
export class KeyClaim implements RequestClaim {
  private effect = false;
  private answered = false;
  /** The key turned out taken by another request while this one ran: it changed nothing. */
  private taken = false;

  constructor(
    readonly request: KeyedRequest,
    private readonly store: IdempotencyStore,
    private readonly retentionMs: number,
  ) {}

  get pending(): boolean {
    return !this.effect && !this.answered;
  }

  /** Whether the key was recorded with an effect of this request. */
  get withEffect(): boolean {
    return this.effect;
  }

  get lostToAnother(): boolean {
    return this.taken;
  }

  async open(tx: Tx): Promise<void> {
    const { scope, key } = this.request;
    await this.store.lock(tx, scope, key);
    if (await this.store.find(scope, key, this.retentionMs, tx)) {
      this.taken = true;
      throw idempotencyKeyInUse();
    }
  }

  close(tx: Tx): Promise<boolean> {
    const { scope, key, requestHash } = this.request;
    return this.store.recordEffect(tx, scope, key, requestHash, this.retentionMs);
  }

  committed(): void {
    this.effect = true;
  }

  /** The request is answered: nothing it still runs (work it started) takes the key. */
  end(): void {
    this.answered = true;
  }
}

/**
 * Idempotency-Key with Stripe's semantics (docs/architecture.md, "Idempotency keys"): the first
 * answer to a key is the answer to every retry of the same request with it.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly settings: IdempotencySettings,
    private readonly seal: AnswerSeal,
  ) {}

  /** Before the request runs: the answer for a key already recorded, or the claim to run with. */
  async begin(request: KeyedRequest): Promise<{ verdict: Verdict } | { claim: KeyClaim }> {
    const found = await this.store.find(request.scope, request.key, this.settings.retentionMs);
    if (found) return { verdict: this.verdict(found, request) };
    return { claim: new KeyClaim(request, this.store, this.settings.retentionMs) };
  }

  /** The verdict on a record, its answer unsealed (one that does not open is lost). */
  private verdict(found: StoredKey, request: KeyedRequest): Verdict {
    const verdict = verdictOn(found, request.requestHash);
    if (!('replay' in verdict)) return verdict;
    const body = this.seal.open(verdict.replay.body, request.scope, request.key);
    return body ? { replay: { ...verdict.replay, body } } : { refuse: idempotencyAnswerLost() };
  }

  /**
   * Once the answer is made, before it is sent: kept with the key. A request that found its key
   * taken while it ran gets the verdict on the record that took it instead of its own answer.
   */
  async finish(claim: KeyClaim, answer: StoredAnswer): Promise<Verdict | undefined> {
    claim.end();
    const { scope, key, requestHash } = claim.request;
    const retention = this.settings.retentionMs;
    if (claim.lostToAnother) {
      const found = await this.store.find(scope, key, retention);
      return found ? this.verdict(found, claim.request) : { refuse: idempotencyKeyInUse() };
    }
    if (!claim.withEffect && !keepsAnswer(answer.status, false)) return undefined;
    const sealed = { ...answer, body: this.seal.seal(answer.body, scope, key) };
    if (claim.withEffect) await this.store.answer(scope, key, sealed);
    else await this.store.recordAnswer(scope, key, requestHash, sealed, retention);
    return undefined;
  }

  /** Deletes expired keys, a batch at a time. @returns how many. */
  async prune(batch = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.store.prune(this.settings.retentionMs, batch);
      total += n;
      if (n < batch) return total;
    }
  }
}
