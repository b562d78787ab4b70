import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fund lineage (issue 14): which provider the money of a `track_fund_lineage` balance came from,
 * and which providers each of its debits spent, kept exact in the database transaction of the
 * money move itself.
 *
 * * `lineage_tags`: the provider a row was accepted with. `meta_data.BLNK_LINEAGE_PROVIDER` is
 *   read once, when the accepted request's row is inserted; a worker's outcome inherits its
 *   QUEUED row's tag and a commit or void its hold's, so a later change of `meta_data` (the
 *   metadata route) never changes where money came from.
 * * `lineage_positions`: per tracked balance and provider, `received` (credits tagged with the
 *   provider, or carried over from a tracked source), `spent` (allocated to debits) and `held`
 *   (reserved by inflight holds). `position_seq` orders providers by first arrival (FIFO / LIFO).
 * * `lineage_allocations`: what each row credited, received, spent, held or released, per
 *   provider (append-only); `lineage_holds` what each hold still reserves.
 *
 * All of it is written by one statement trigger on `transactions`, so every path that appends
 * rows (skip_queue and group-committed batches, the workers' drain, commits, voids, refunds, bulk
 * batches) keeps it, a rolled-back or refused request leaves nothing, and it runs while the
 * engine holds the row locks of the balances involved: the positions of a balance change only
 * under that balance's lock, so concurrent spends allocate one after the other, in the order
 * the balance saw them.
 */
export class FundLineage1733650000000 implements MigrationInterface {
  name = 'FundLineage1733650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE balances
        ADD CONSTRAINT balances_allocation_strategy_known
          CHECK (allocation_strategy IN ('FIFO', 'LIFO', 'PROPORTIONAL')),
        ADD CONSTRAINT balances_lineage_needs_identity
          CHECK (NOT track_fund_lineage OR identity_id IS NOT NULL)`);
    await q.query(
      `CREATE INDEX balances_track_fund_lineage_idx ON balances (balance_id) WHERE track_fund_lineage`,
    );
    await q.query(`
      CREATE TABLE lineage_tags (
        transaction_id TEXT PRIMARY KEY REFERENCES transactions (transaction_id),
        provider TEXT NOT NULL CHECK (provider <> '')
      )`);
    await q.query(`
      CREATE TABLE lineage_positions (
        balance_id TEXT NOT NULL REFERENCES balances (balance_id),
        provider TEXT NOT NULL,
        position_seq BIGSERIAL NOT NULL,
        received NUMERIC NOT NULL DEFAULT 0,
        spent NUMERIC NOT NULL DEFAULT 0,
        held NUMERIC NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (balance_id, provider),
        CONSTRAINT lineage_positions_within_received
          CHECK (received >= 0 AND spent >= 0 AND held >= 0 AND spent + held <= received)
      )`);
    await q.query(`
      CREATE TABLE lineage_allocations (
        id BIGSERIAL PRIMARY KEY,
        transaction_id TEXT NOT NULL REFERENCES transactions (transaction_id),
        balance_id TEXT NOT NULL REFERENCES balances (balance_id),
        provider TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('credit', 'receive', 'debit', 'hold', 'release')),
        amount NUMERIC NOT NULL CHECK (amount > 0)
      )`);
    await q.query(
      `CREATE INDEX lineage_allocations_transaction_idx ON lineage_allocations (transaction_id, id)`,
    );
    await q.query(`
      CREATE TABLE lineage_holds (
        transaction_id TEXT NOT NULL REFERENCES transactions (transaction_id),
        provider TEXT NOT NULL,
        ord INTEGER NOT NULL,
        open NUMERIC NOT NULL CHECK (open >= 0),
        PRIMARY KEY (transaction_id, provider)
      )`);

    // The providers' shares of `amount` from what `balance` has free, in allocation order.
    // FIFO / LIFO: the oldest / newest provider first, each up to what it has free. PROPORTIONAL:
    // floor(amount * free / total) each, the units left over (fewer than the providers) one each
    // to the largest remainders, equal remainders to the older provider. Never more than free,
    // never more than `amount`; what no provider covers stays unattributed.
    await q.query(`
      CREATE FUNCTION lineage_split(p_balance TEXT, p_strategy TEXT, p_amount NUMERIC)
      RETURNS TABLE (provider TEXT, amount NUMERIC, ord INTEGER)
      LANGUAGE sql STABLE SET search_path = blnk AS $$
        WITH f AS (
          SELECT lp.provider, lp.position_seq, lp.received - lp.spent - lp.held AS free
          FROM lineage_positions lp
          WHERE lp.balance_id = p_balance AND lp.received - lp.spent - lp.held > 0
        ),
        seq AS (
          SELECT f.provider, f.free,
                 row_number() OVER w AS ord,
                 COALESCE(SUM(f.free) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
          FROM f
          WINDOW w AS (ORDER BY CASE WHEN p_strategy = 'LIFO' THEN -f.position_seq ELSE f.position_seq END)
        ),
        tot AS (SELECT SUM(free) AS total FROM f),
        prop AS (
          SELECT f.provider, f.position_seq,
                 div(LEAST(p_amount, tot.total) * f.free, tot.total) AS base,
                 mod(LEAST(p_amount, tot.total) * f.free, tot.total) AS rem,
                 LEAST(p_amount, tot.total) AS eff
          FROM f, tot
        ),
        ranked AS (
          SELECT prop.*, row_number() OVER (ORDER BY rem DESC, position_seq) AS rk,
                 eff - SUM(base) OVER () AS leftover,
                 row_number() OVER (ORDER BY position_seq) AS ord
          FROM prop
        )
        SELECT s.provider, LEAST(s.free, p_amount - s.before), s.ord::int
        FROM seq s
        WHERE p_strategy <> 'PROPORTIONAL' AND s.before < p_amount
        UNION ALL
        SELECT r.provider, r.base + CASE WHEN r.rk <= r.leftover THEN 1 ELSE 0 END, r.ord::int
        FROM ranked r
        WHERE p_strategy = 'PROPORTIONAL' AND r.base + CASE WHEN r.rk <= r.leftover THEN 1 ELSE 0 END > 0
        ORDER BY 3
      $$`);

    await q.query(`
      CREATE FUNCTION lineage_credit(p_tx TEXT, p_balance TEXT, p_provider TEXT, p_amount NUMERIC, p_kind TEXT)
      RETURNS void LANGUAGE plpgsql SET search_path = blnk AS $$
      BEGIN
        IF p_amount <= 0 THEN RETURN; END IF;
        INSERT INTO lineage_positions AS lp (balance_id, provider, received)
          VALUES (p_balance, p_provider, p_amount)
          ON CONFLICT (balance_id, provider) DO UPDATE SET received = lp.received + EXCLUDED.received;
        INSERT INTO lineage_allocations (transaction_id, balance_id, provider, kind, amount)
          VALUES (p_tx, p_balance, p_provider, p_kind, p_amount);
      END $$`);

    // One money row, in the order the statement inserted them (ids are assigned in that order).
    await q.query(`
      CREATE FUNCTION lineage_apply_row(
        p_tx TEXT, p_source TEXT, p_destination TEXT, p_amount NUMERIC, p_status TEXT,
        p_settles TEXT, p_tag TEXT, p_source_tracked BOOLEAN, p_strategy TEXT,
        p_destination_tracked BOOLEAN)
      RETURNS void LANGUAGE plpgsql SET search_path = blnk AS $$
      DECLARE
        a RECORD;
        left_over NUMERIC;
        y NUMERIC;
      BEGIN
        IF p_status = 'INFLIGHT' THEN
          -- A hold reserves its providers now; the destination receives them when committed.
          IF p_source_tracked THEN
            FOR a IN SELECT * FROM lineage_split(p_source, p_strategy, p_amount) LOOP
              UPDATE lineage_positions SET held = held + a.amount
                WHERE balance_id = p_source AND provider = a.provider;
              INSERT INTO lineage_holds (transaction_id, provider, ord, open)
                VALUES (p_tx, a.provider, a.ord, a.amount);
              INSERT INTO lineage_allocations (transaction_id, balance_id, provider, kind, amount)
                VALUES (p_tx, p_source, a.provider, 'hold', a.amount);
            END LOOP;
          END IF;
          RETURN;
        END IF;

        IF p_settles IS NOT NULL THEN
          -- A commit spends, a void releases, what the hold reserved, in the hold's order.
          left_over := p_amount;
          IF p_source_tracked THEN
            FOR a IN SELECT h.provider, h.open FROM lineage_holds h
                     WHERE h.transaction_id = p_settles AND h.open > 0 ORDER BY h.ord FOR UPDATE LOOP
              EXIT WHEN left_over <= 0;
              y := LEAST(a.open, left_over);
              left_over := left_over - y;
              UPDATE lineage_holds SET open = open - y
                WHERE transaction_id = p_settles AND provider = a.provider;
              IF p_status = 'VOID' THEN
                UPDATE lineage_positions SET held = held - y
                  WHERE balance_id = p_source AND provider = a.provider;
                INSERT INTO lineage_allocations (transaction_id, balance_id, provider, kind, amount)
                  VALUES (p_tx, p_source, a.provider, 'release', y);
              ELSE
                UPDATE lineage_positions SET held = held - y, spent = spent + y
                  WHERE balance_id = p_source AND provider = a.provider;
                INSERT INTO lineage_allocations (transaction_id, balance_id, provider, kind, amount)
                  VALUES (p_tx, p_source, a.provider, 'debit', y);
                IF p_destination_tracked THEN
                  PERFORM lineage_credit(p_tx, p_destination, a.provider, y, 'receive');
                END IF;
              END IF;
            END LOOP;
          ELSIF p_status = 'APPLIED' AND p_destination_tracked AND p_tag IS NOT NULL THEN
            PERFORM lineage_credit(p_tx, p_destination, p_tag, p_amount, 'credit');
          END IF;
          RETURN;
        END IF;

        IF p_status <> 'APPLIED' THEN RETURN; END IF;
        IF p_source_tracked THEN
          FOR a IN SELECT * FROM lineage_split(p_source, p_strategy, p_amount) LOOP
            UPDATE lineage_positions SET spent = spent + a.amount
              WHERE balance_id = p_source AND provider = a.provider;
            INSERT INTO lineage_allocations (transaction_id, balance_id, provider, kind, amount)
              VALUES (p_tx, p_source, a.provider, 'debit', a.amount);
            -- The providers go with the money to a destination that tracks lineage too.
            IF p_destination_tracked THEN
              PERFORM lineage_credit(p_tx, p_destination, a.provider, a.amount, 'receive');
            END IF;
          END LOOP;
        ELSIF p_destination_tracked AND p_tag IS NOT NULL THEN
          PERFORM lineage_credit(p_tx, p_destination, p_tag, p_amount, 'credit');
        END IF;
      END $$`);

    await q.query(`
      CREATE FUNCTION lineage_on_transactions() RETURNS trigger
      LANGUAGE plpgsql SET search_path = blnk AS $$
      DECLARE r RECORD;
      BEGIN
        -- The provider of each accepted row, from the request; derived rows inherit theirs.
        INSERT INTO lineage_tags (transaction_id, provider)
          SELECT n.transaction_id, n.meta_data->>'BLNK_LINEAGE_PROVIDER' FROM new_rows n
          WHERE n.outcome_of IS NULL AND n.settles IS NULL AND n.refund_of IS NULL
            AND jsonb_typeof(n.meta_data->'BLNK_LINEAGE_PROVIDER') = 'string'
            AND n.meta_data->>'BLNK_LINEAGE_PROVIDER' <> '';
        -- Inheriting costs a probe per outcome or settlement row: only once any tag exists.
        IF EXISTS (SELECT 1 FROM lineage_tags) THEN
          INSERT INTO lineage_tags (transaction_id, provider)
            SELECT n.transaction_id, t.provider FROM new_rows n
            JOIN lineage_tags t ON t.transaction_id = COALESCE(n.outcome_of, n.settles);
        END IF;
        -- Without any tracking balance there is nothing more to do (one probe of a partial index).
        IF NOT EXISTS (SELECT 1 FROM balances WHERE track_fund_lineage) THEN
          RETURN NULL;
        END IF;
        FOR r IN
          SELECT n.transaction_id, n.source, n.destination, n.precise_amount, n.status, n.settles,
                 t.provider, s.track_fund_lineage AS s_tracked, s.allocation_strategy,
                 d.track_fund_lineage AS d_tracked
          FROM new_rows n
          JOIN balances s ON s.balance_id = n.source
          JOIN balances d ON d.balance_id = n.destination
          LEFT JOIN lineage_tags t ON t.transaction_id = n.transaction_id
          WHERE n.status IN ('APPLIED', 'INFLIGHT', 'VOID')
            AND (s.track_fund_lineage OR d.track_fund_lineage)
          ORDER BY n.id
        LOOP
          PERFORM lineage_apply_row(r.transaction_id, r.source, r.destination, r.precise_amount,
            r.status, r.settles, r.provider, r.s_tracked, r.allocation_strategy, r.d_tracked);
        END LOOP;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER lineage_on_transactions AFTER INSERT ON transactions
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION lineage_on_transactions()`);

    // Shadow balances and shadow transactions (Blnk's wire): a projection of the tables above,
    // posted after commit by the LineageShadowJob. `lineage_shadow_balances` maps a tracked
    // balance and provider to its shadow balance (provider '' = the balance's aggregate; a real
    // provider is never ''). `lineage_shadow_postings` has one row per allocation, written with
    // it by the trigger below in the money move's transaction: `shadow_transaction_id` NULL
    // until the job posts the shadow row and sets it in the same database transaction, so each
    // allocation is projected exactly once, whatever crashes in between.
    await q.query(`
      CREATE TABLE lineage_shadow_balances (
        balance_id TEXT NOT NULL REFERENCES balances (balance_id),
        provider TEXT NOT NULL,
        shadow_balance_id TEXT NOT NULL UNIQUE REFERENCES balances (balance_id),
        PRIMARY KEY (balance_id, provider)
      )`);
    await q.query(`
      CREATE TABLE lineage_shadow_postings (
        allocation_id BIGINT PRIMARY KEY REFERENCES lineage_allocations (id),
        shadow_transaction_id TEXT UNIQUE REFERENCES transactions (transaction_id),
        posted_at TIMESTAMPTZ,
        CONSTRAINT lineage_shadow_postings_posted CHECK ((shadow_transaction_id IS NULL) = (posted_at IS NULL))
      )`);
    await q.query(`
      CREATE INDEX lineage_shadow_postings_pending ON lineage_shadow_postings (allocation_id)
        WHERE shadow_transaction_id IS NULL`);
    await q.query(`
      CREATE FUNCTION lineage_shadow_enqueue() RETURNS trigger
      LANGUAGE plpgsql SET search_path = blnk AS $$
      BEGIN
        INSERT INTO lineage_shadow_postings (allocation_id) SELECT id FROM new_rows;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER lineage_shadow_enqueue AFTER INSERT ON lineage_allocations
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION lineage_shadow_enqueue()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER lineage_shadow_enqueue ON lineage_allocations`);
    await q.query(`DROP FUNCTION lineage_shadow_enqueue()`);
    await q.query(`DROP TABLE lineage_shadow_postings`);
    await q.query(`DROP TABLE lineage_shadow_balances`);
    await q.query(`DROP TRIGGER lineage_on_transactions ON transactions`);
    await q.query(`DROP FUNCTION lineage_on_transactions()`);
    await q.query(`DROP FUNCTION lineage_apply_row(TEXT, TEXT, TEXT, NUMERIC, TEXT, TEXT, TEXT,
      BOOLEAN, TEXT, BOOLEAN)`);
    await q.query(`DROP FUNCTION lineage_credit(TEXT, TEXT, TEXT, NUMERIC, TEXT)`);
    await q.query(`DROP FUNCTION lineage_split(TEXT, TEXT, NUMERIC)`);
    await q.query(`DROP TABLE lineage_holds`);
    await q.query(`DROP TABLE lineage_allocations`);
    await q.query(`DROP TABLE lineage_positions`);
    await q.query(`DROP TABLE lineage_tags`);
    await q.query(`DROP INDEX balances_track_fund_lineage_idx`);
    await q.query(`
      ALTER TABLE balances
        DROP CONSTRAINT balances_lineage_needs_identity,
        DROP CONSTRAINT balances_allocation_strategy_known`);
  }
}
