import type { SqlRunner } from './invariants';
import { waitFor } from './wait';

/** Allocations whose shadow transaction is not posted yet. */
export async function pendingShadows(ds: SqlRunner): Promise<number> {
  const [r] = await ds.query(
    `SELECT count(*)::int AS n FROM lineage_shadow_postings WHERE shadow_transaction_id IS NULL`,
  );
  return r.n;
}

/** Waits until the shadow projection has caught up with every committed allocation. */
export async function shadowsCaughtUp(ds: SqlRunner, ms = 20000): Promise<void> {
  await waitFor(async () => ((await pendingShadows(ds)) === 0 ? true : undefined), ms, 'shadows');
}

/**
 * Once caught up, the shadow ledger equals the typed positions (reference §2.3: `amount` =
 * shadow debits, `spent` = shadow credits; held = the shadow's open inflight credits), every
 * allocation has exactly one shadow transaction and every shadow transaction one allocation,
 * of the allocation's amount. Returns the violations (empty = all hold).
 */
export async function shadowMismatches(ds: SqlRunner): Promise<string[]> {
  const positions: { k: string }[] = await ds.query(`
    SELECT p.balance_id || '/' || p.provider || ': received ' || p.received || ' spent ' ||
           p.spent || ' held ' || p.held || ' vs shadow ' || COALESCE(b.debit_balance::text, '-') ||
           ' / ' || COALESCE(b.credit_balance::text, '-') || ' / ' ||
           COALESCE(b.inflight_credit_balance::text, '-') AS k
    FROM lineage_positions p
    LEFT JOIN lineage_shadow_balances s ON s.balance_id = p.balance_id AND s.provider = p.provider
    LEFT JOIN balances b ON b.balance_id = s.shadow_balance_id
    WHERE b.balance_id IS NULL OR b.debit_balance <> p.received OR b.credit_balance <> p.spent
       OR b.inflight_credit_balance <> p.held OR b.inflight_debit_balance <> 0`);
  const aggregates: { k: string }[] = await ds.query(`
    SELECT 'aggregate of ' || s.balance_id AS k
    FROM lineage_shadow_balances s JOIN balances a ON a.balance_id = s.shadow_balance_id
    WHERE s.provider = ''
      AND a.balance <> (SELECT COALESCE(SUM(p.received - p.spent), 0) FROM lineage_positions p
                        WHERE p.balance_id = s.balance_id)`);
  const postings: { k: string }[] = await ds.query(`
    SELECT 'allocation ' || a.id || ' (' || a.kind || ' ' || a.amount || ') has ' ||
           count(t.transaction_id) || ' shadow(s)' AS k
    FROM lineage_allocations a
    LEFT JOIN lineage_shadow_postings p ON p.allocation_id = a.id
    LEFT JOIN transactions t ON t.transaction_id = p.shadow_transaction_id
                            AND t.precise_amount = a.amount
    GROUP BY a.id HAVING count(t.transaction_id) <> 1`);
  const orphans: { k: string }[] = await ds.query(`
    SELECT 'shadow row ' || t.transaction_id || ' mirrors no allocation' AS k
    FROM transactions t JOIN lineage_shadow_balances s
      ON s.shadow_balance_id IN (t.source, t.destination)
    WHERE s.provider = ''
      AND NOT EXISTS (SELECT 1 FROM lineage_shadow_postings p
                      WHERE p.shadow_transaction_id = t.transaction_id)`);
  return [...positions, ...aggregates, ...postings, ...orphans].map((r) => r.k);
}
