import { Injectable } from '@nestjs/common';
import type { Tx } from '@libs/core/unit-of-work';
import {
  BalancePostingService,
  Endpoint,
  endpointKey,
} from '../../balance/application/balance-posting.service';
import { Balance, BalanceAmounts, commitHold, releaseHold } from '../../balance/domain/balance';
import { isLineageIndicator } from '@libs/core/lineage-provider';
import { FundsRules, post } from '../domain/posting';
import type { Transaction } from '../domain/transaction';
import {
  balanceMissing,
  currencyMismatch,
  shadowBalanceRefused,
  duplicateReference,
  sameBalance,
} from '../domain/transaction.errors';
import { TransactionRepository } from './ports/transaction.repository';

/**
 * One money move (or a batch of them) inside one database transaction. `open` resolves and locks
 * every balance the work will touch, all at once and in id order, so no lock is ever taken out of
 * order; the moves then run in memory, in request order, and `flush` writes all rows in one
 * statement and all touched balances in another. Splits, holds, commits, voids, refunds, bulk
 * batches and dry runs all go through here.
 */
export class PostingSession {
  private readonly balances = new Map<string, Balance>();
  private readonly before = new Map<string, BalanceAmounts>();
  private readonly rows: Transaction[] = [];
  /** Balances written by this session, with how many postings touched each. */
  private touched = new Map<string, number>();
  private taken = new Set<string>();
  /** References claimed in this session; those no appended row carries are claimed at flush. */
  private claimed: string[] = [];
  private ids = new Map<string, string>();
  /** `@indicator` balances this session created (virtual in a dry run). */
  created = new Set<string>();

  constructor(
    readonly tx: Tx,
    private readonly book: BalancePostingService,
    private readonly transactions: TransactionRepository,
    /** Fund lineage's shadow postings: the only session that may touch shadow balances. */
    private readonly shadow = false,
  ) {}

  async open(endpoints: Endpoint[], balanceIds: string[] = []): Promise<void> {
    const resolution = await this.book.resolve(this.tx, endpoints);
    this.ids = resolution.ids;
    this.created = resolution.created;
    const locked = await this.book.lock(this.tx, [...resolution.ids.values(), ...balanceIds]);
    for (const [id, b] of locked) {
      this.balances.set(id, b);
      this.before.set(id, snapshot(b));
    }
  }

  /** Balance id of an endpoint resolved by `open`. */
  idOf(identifier: string, currency: string): string {
    return this.ids.get(endpointKey({ identifier, currency })) ?? identifier;
  }

  balance(id: string): Balance {
    const b = this.balances.get(id);
    if (!b) throw balanceMissing(id);
    return b;
  }

  /** Learns which of `references` are taken already (one query for a whole batch). */
  async loadTakenReferences(references: string[]): Promise<void> {
    for (const r of await this.transactions.existingReferences(this.tx, references))
      this.taken.add(r);
  }

  /** Refuses a reference that is taken or already used in this session, before funds are looked at. */
  claimReferences(references: string[]): void {
    for (const r of references) {
      if (this.taken.has(r)) throw duplicateReference(r);
      this.taken.add(r);
      this.claimed.push(r);
    }
  }

  async checkReferences(references: string[]): Promise<void> {
    await this.loadTakenReferences(references);
    this.claimReferences(references);
  }

  /** Appends a transfer or a hold (`row.status` INFLIGHT) after the funds check. */
  transfer(row: Transaction, rules: FundsRules): void {
    const [source, destination] = this.pair(row);
    post(source, destination, row.preciseAmount, { inflight: row.status === 'INFLIGHT', rules });
    this.append(row);
  }

  /** Appends a commit (APPLIED child) or a void (VOID child) of a hold. */
  settle(row: Transaction): void {
    const [source, destination] = this.pair(row);
    if (row.status === 'VOID') releaseHold(source, destination, row.preciseAmount);
    else commitHold(source, destination, row.preciseAmount);
    this.append(row);
  }

  /** Appends a row that moves no money (a REJECTED outcome). */
  note(row: Transaction): void {
    this.rows.push(row);
  }

  /**
   * Remembers the current amounts and rows; the returned function puts them back. Lets a batch
   * undo one group (all legs of a split) without giving up the rest of the batch.
   */
  checkpoint(): () => void {
    const amounts = new Map([...this.balances].map(([id, b]) => [id, snapshot(b)]));
    const rows = this.rows.length;
    const touched = new Map(this.touched);
    const taken = new Set(this.taken);
    const claimed = this.claimed.length;
    return () => {
      for (const [id, a] of amounts) Object.assign(this.balances.get(id)!, a);
      this.rows.length = rows;
      this.touched = touched;
      this.taken = taken;
      this.claimed.length = claimed;
    };
  }

  get appended(): readonly Transaction[] {
    return this.rows;
  }

  /** A locked balance as it is now and as it was when the session opened (for previews). */
  state(id: string): { balance: Balance; before: BalanceAmounts } | undefined {
    const balance = this.balances.get(id);
    return balance && { balance, before: this.before.get(id)! };
  }

  async flush(): Promise<void> {
    await this.transactions.insert(this.tx, this.rows);
    const carried = new Set(this.rows.map((r) => r.reference));
    await this.transactions.claim(
      this.tx,
      this.claimed.filter((r) => !carried.has(r)),
    );
    const ids = [...this.touched.keys()];
    await this.book.save(
      this.tx,
      ids.map((id) => this.balances.get(id)!),
      ids.map((id) => this.touched.get(id)!),
    );
  }

  private pair(row: Transaction): [Balance, Balance] {
    if (row.source === row.destination) throw sameBalance();
    const source = this.balance(row.source);
    const destination = this.balance(row.destination);
    for (const b of [source, destination]) {
      if (b.currency !== row.currency)
        throw currencyMismatch(b.balanceId, b.currency, row.currency);
      if (!this.shadow && isLineageIndicator(b.indicator)) throw shadowBalanceRefused(b.balanceId);
    }
    return [source, destination];
  }

  private append(row: Transaction): void {
    this.rows.push(row);
    for (const id of [row.source, row.destination])
      this.touched.set(id, (this.touched.get(id) ?? 0) + 1);
  }
}

function snapshot(b: BalanceAmounts): BalanceAmounts {
  return {
    balance: b.balance,
    creditBalance: b.creditBalance,
    debitBalance: b.debitBalance,
    inflightBalance: b.inflightBalance,
    inflightCreditBalance: b.inflightCreditBalance,
    inflightDebitBalance: b.inflightDebitBalance,
  };
}

/**
 * Where every posting session comes from: one provider, so how a session is wired (the balance
 * book, the transaction log) is decided once for the synchronous path, the drain, holds, refunds,
 * bulk batches and dry runs alike.
 */
@Injectable()
export class PostingSessions {
  constructor(
    private readonly book: BalancePostingService,
    private readonly transactions: TransactionRepository,
  ) {}

  /**
   * A new session in the database transaction `tx`; `open` it with what the work touches.
   * `shadow`: fund lineage's projection, the one writer of shadow balances.
   */
  start(tx: Tx, opts: { shadow?: boolean } = {}): PostingSession {
    return new PostingSession(tx, this.book, this.transactions, opts.shadow ?? false);
  }
}
