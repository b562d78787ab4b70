/** Anything that runs SQL and returns rows: a TypeORM DataSource, or the benchmark's pg client. */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<any>;
}

/*
 * The ledger invariants of DESIGN.md §5, checked straight from the database with plain SQL
 * (PostgreSQL 15 and PGlite alike). Each check compares two things the engine writes separately
 * (a balance's fields and the rows that moved it, a hold and its settlements, a refund and what it
 * reverses), so each can fail; `test/integration/invariants.spec.ts` corrupts a database on
 * purpose for every one of them. Only the engine's typed columns are read, never `meta_data`:
 * the client writes that, so it proves nothing.
 */

/**
 * Every invariant that holds at any moment, queue drained or not. Returns a list of violations
 * (empty = all hold), so a failing test shows every problem at once.
 */
export async function checkInvariants(ds: SqlRunner): Promise<string[]> {
  return [
    ...(await currencySums(ds)),
    ...(await balanceFields(ds)),
    ...(await overdrafts(ds)),
    ...(await holdSettlements(ds)),
    ...(await refunds(ds)),
  ];
}

/** Double entry: per currency, what one balance gained another lost. */
async function currencySums(ds: SqlRunner): Promise<string[]> {
  const sums: { currency: string; total: string }[] = await ds.query(
    `SELECT currency, sum(balance)::text AS total FROM balances GROUP BY currency
     HAVING sum(balance) <> 0 ORDER BY currency`,
  );
  return sums.map((s) => `sum of ${s.currency} balances is ${s.total}, not 0`);
}

const HELD = 'its open holds less their commits and voids';

/**
 * Settled fields are the sums of the APPLIED rows (commits included: they are APPLIED rows);
 * inflight fields are the open holds (INFLIGHT rows) minus what their commits and voids (rows
 * with `settles`) released, counted on the hold's own source and destination.
 */
async function balanceFields(ds: SqlRunner): Promise<string[]> {
  const rows: {
    balance_id: string;
    credit_balance: string;
    debit_balance: string;
    inflight_credit_balance: string;
    inflight_debit_balance: string;
    applied_credit: string;
    applied_debit: string;
    held_credit: string;
    held_debit: string;
    bad: boolean[];
  }[] = await ds.query(`
    WITH applied_in AS (
      SELECT destination AS id, sum(precise_amount) AS total FROM transactions
      WHERE status = 'APPLIED' GROUP BY destination
    ), applied_out AS (
      SELECT source AS id, sum(precise_amount) AS total FROM transactions
      WHERE status = 'APPLIED' GROUP BY source
    ), held_in AS (
      SELECT destination AS id, sum(precise_amount) AS total FROM transactions
      WHERE status = 'INFLIGHT' GROUP BY destination
    ), held_out AS (
      SELECT source AS id, sum(precise_amount) AS total FROM transactions
      WHERE status = 'INFLIGHT' GROUP BY source
    ), released AS (
      SELECT h.source, h.destination, s.precise_amount
      FROM transactions s JOIN transactions h ON h.transaction_id = s.settles
      WHERE s.settles IS NOT NULL AND s.status IN ('APPLIED', 'VOID')
    ), released_in AS (
      SELECT destination AS id, sum(precise_amount) AS total FROM released GROUP BY destination
    ), released_out AS (
      SELECT source AS id, sum(precise_amount) AS total FROM released GROUP BY source
    ), expected AS (
      SELECT b.balance_id, b.credit_balance, b.debit_balance, b.inflight_credit_balance,
             b.inflight_debit_balance,
             COALESCE(ai.total, 0) AS applied_credit,
             COALESCE(ao.total, 0) AS applied_debit,
             COALESCE(hi.total, 0) - COALESCE(ri.total, 0) AS held_credit,
             COALESCE(ho.total, 0) - COALESCE(ro.total, 0) AS held_debit
      FROM balances b
      LEFT JOIN applied_in ai ON ai.id = b.balance_id
      LEFT JOIN applied_out ao ON ao.id = b.balance_id
      LEFT JOIN held_in hi ON hi.id = b.balance_id
      LEFT JOIN held_out ho ON ho.id = b.balance_id
      LEFT JOIN released_in ri ON ri.id = b.balance_id
      LEFT JOIN released_out ro ON ro.id = b.balance_id
    )
    SELECT balance_id, credit_balance::text, debit_balance::text,
           inflight_credit_balance::text, inflight_debit_balance::text,
           applied_credit::text, applied_debit::text, held_credit::text, held_debit::text,
           ARRAY[credit_balance <> applied_credit, debit_balance <> applied_debit,
                 inflight_credit_balance <> held_credit, inflight_debit_balance <> held_debit] AS bad
    FROM expected
    WHERE credit_balance <> applied_credit OR debit_balance <> applied_debit
       OR inflight_credit_balance <> held_credit OR inflight_debit_balance <> held_debit
    ORDER BY balance_id`);
  const problems: string[] = [];
  for (const r of rows) {
    const fields: [string, string, string, string][] = [
      ['credit_balance', r.credit_balance, r.applied_credit, 'its APPLIED rows'],
      ['debit_balance', r.debit_balance, r.applied_debit, 'its APPLIED rows'],
      ['inflight_credit_balance', r.inflight_credit_balance, r.held_credit, HELD],
      ['inflight_debit_balance', r.inflight_debit_balance, r.held_debit, HELD],
    ];
    fields.forEach(([name, actual, expected, rows], i) => {
      if (r.bad[i])
        problems.push(`balance ${r.balance_id}: ${name} is ${actual}, ${rows} say ${expected}`);
    });
  }
  return problems;
}

/**
 * No balance's available amount (balance − inflight debits) is below zero, unless a row that
 * debited it was allowed to overdraw: allow_overdraft without a limit (refunds always have it)
 * means no floor; a positive overdraft_limit (major units) is a floor of −round(limit ×
 * precision), with or without allow_overdraft, as the funds check of reference §5.6 applies it;
 * with several, the largest. Only APPLIED and INFLIGHT rows debited the balance: a QUEUED row has
 * not moved money, and a REJECTED one never will.
 */
async function overdrafts(ds: SqlRunner): Promise<string[]> {
  const rows: { balance_id: string; available: string; floor: string; limited: boolean }[] =
    await ds.query(`
    WITH permission AS (
      SELECT source AS id,
             bool_or(allow_overdraft AND overdraft_limit = 0) AS unlimited,
             max(round(overdraft_limit * precision)) AS limit_minor
      FROM transactions WHERE status IN ('APPLIED', 'INFLIGHT') GROUP BY source
    )
    SELECT b.balance_id, (b.balance - b.inflight_debit_balance)::text AS available,
           (-COALESCE(p.limit_minor, 0))::text AS floor, COALESCE(p.limit_minor, 0) > 0 AS limited
    FROM balances b LEFT JOIN permission p ON p.id = b.balance_id
    WHERE b.balance - b.inflight_debit_balance < -COALESCE(p.limit_minor, 0)
      AND NOT COALESCE(p.unlimited, false)
    ORDER BY b.balance_id`);
  return rows.map((r) =>
    !r.limited
      ? `balance ${r.balance_id} went below zero without an overdraft allowed: available ${r.available}`
      : `balance ${r.balance_id} went below its overdraft limit: available ${r.available}, floor ${r.floor}`,
  );
}

/**
 * A hold is settled at most once in full: its commits and its void together never exceed its
 * amount, it has at most one void, and a commit or void settles a row that is a hold.
 */
async function holdSettlements(ds: SqlRunner): Promise<string[]> {
  const problems: string[] = [];
  const over: {
    hold: string;
    amount: string;
    settled: string;
    beyond: boolean;
    voids: number;
  }[] = await ds.query(`
    SELECT h.transaction_id AS hold, h.precise_amount::text AS amount,
           sum(s.precise_amount)::text AS settled, sum(s.precise_amount) > h.precise_amount AS beyond,
           count(*) FILTER (WHERE s.status = 'VOID')::int AS voids
    FROM transactions h JOIN transactions s ON s.settles = h.transaction_id
    WHERE h.status = 'INFLIGHT' AND s.status IN ('APPLIED', 'VOID')
    GROUP BY h.transaction_id, h.precise_amount
    HAVING sum(s.precise_amount) > h.precise_amount OR count(*) FILTER (WHERE s.status = 'VOID') > 1
    ORDER BY h.transaction_id`);
  for (const o of over) {
    if (o.beyond)
      problems.push(
        `hold ${o.hold} settled beyond its amount: ${o.settled} committed or voided of ${o.amount}`,
      );
    if (o.voids > 1) problems.push(`hold ${o.hold} voided ${o.voids} times`);
  }
  const orphans: { transaction_id: string; settles: string; status: string | null }[] =
    await ds.query(`
      SELECT s.transaction_id, s.settles, h.status
      FROM transactions s LEFT JOIN transactions h ON h.transaction_id = s.settles
      WHERE s.settles IS NOT NULL AND h.status IS DISTINCT FROM 'INFLIGHT'
      ORDER BY s.transaction_id`);
  for (const o of orphans)
    problems.push(
      `row ${o.transaction_id} settles ${o.settles}, which is not a hold (${o.status ?? 'missing'})`,
    );
  return problems;
}

/**
 * A refund (any row with refund_of: its QUEUED row, the outcome, the synchronous row) reverses an
 * APPLIED row: the same amount and currency, source and destination swapped.
 */
async function refunds(ds: SqlRunner): Promise<string[]> {
  const rows: {
    transaction_id: string;
    refund_of: string;
    target_status: string | null;
    swapped: boolean;
    same_amount: boolean;
  }[] = await ds.query(`
    SELECT r.transaction_id, r.refund_of, t.status AS target_status,
           (r.source = t.destination AND r.destination = t.source) AS swapped,
           (r.precise_amount = t.precise_amount AND r.currency = t.currency) AS same_amount
    FROM transactions r LEFT JOIN transactions t ON t.transaction_id = r.refund_of
    WHERE r.refund_of IS NOT NULL
      AND (t.transaction_id IS NULL OR t.status <> 'APPLIED'
           OR r.source IS DISTINCT FROM t.destination OR r.destination IS DISTINCT FROM t.source
           OR r.precise_amount <> t.precise_amount OR r.currency <> t.currency)
    ORDER BY r.transaction_id`);
  const problems: string[] = [];
  for (const r of rows) {
    const of = `refund ${r.transaction_id} of ${r.refund_of}`;
    if (r.target_status === null) {
      problems.push(`${of}: the refunded row does not exist`);
      continue;
    }
    if (r.target_status !== 'APPLIED')
      problems.push(`${of}: the refunded row is ${r.target_status}, not APPLIED`);
    if (!r.swapped) problems.push(`${of}: source and destination are not swapped`);
    if (!r.same_amount) problems.push(`${of}: amount or currency differs from the refunded row`);
  }
  return problems;
}

/**
 * Every accepted queued request reached exactly one terminal outcome: meant to run once the work
 * list is empty, so pending work is itself reported. Each QUEUED or SCHEDULED row has one outcome
 * row (outcome_of), APPLIED, INFLIGHT or REJECTED; every outcome belongs to a queued row; no work
 * item is left for a row that already has its outcome. (A queued commit or void leaves no row of
 * its own when it is refused, so its outcome is the hold's settlements, checked above.)
 */
export async function checkQueuedOutcomes(ds: SqlRunner): Promise<string[]> {
  const problems: string[] = [];
  const pending: { kind: string; n: number; failing: number; last_error: string | null }[] =
    await ds.query(`
      SELECT kind, count(*)::int AS n, count(*) FILTER (WHERE attempts > 0)::int AS failing,
             max(last_error) AS last_error
      FROM queued_work GROUP BY kind ORDER BY kind`);
  for (const p of pending)
    problems.push(
      `${p.n} ${p.kind} work items still pending` +
        (p.failing ? ` (${p.failing} failing, e.g. ${p.last_error})` : ''),
    );
  const missing: {
    transaction_id: string;
    reference: string;
    outcomes: number;
    pending: boolean;
  }[] = await ds.query(`
      SELECT q.transaction_id, q.reference, count(o.transaction_id)::int AS outcomes,
             EXISTS (SELECT 1 FROM queued_work w WHERE w.kind = 'transaction'
                     AND w.transaction_id = q.transaction_id) AS pending
      FROM transactions q LEFT JOIN transactions o ON o.outcome_of = q.transaction_id
      WHERE q.status IN ('QUEUED', 'SCHEDULED')
      GROUP BY q.transaction_id, q.reference HAVING count(o.transaction_id) <> 1
      ORDER BY q.transaction_id`);
  for (const m of missing) {
    if (m.outcomes === 0 && m.pending) continue; // counted above as pending work
    problems.push(
      m.outcomes === 0
        ? `queued row ${m.transaction_id} (${m.reference}) has no outcome and no pending work`
        : `queued row ${m.transaction_id} (${m.reference}) has ${m.outcomes} outcomes`,
    );
  }
  const strays: {
    transaction_id: string;
    status: string;
    outcome_of: string;
    queued_status: string | null;
  }[] = await ds.query(`
    SELECT o.transaction_id, o.status, o.outcome_of, q.status AS queued_status
    FROM transactions o LEFT JOIN transactions q ON q.transaction_id = o.outcome_of
    WHERE o.outcome_of IS NOT NULL
      AND (o.status NOT IN ('APPLIED', 'INFLIGHT', 'REJECTED')
           OR q.status IS NULL OR q.status NOT IN ('QUEUED', 'SCHEDULED'))
    ORDER BY o.transaction_id`);
  for (const s of strays) {
    if (!['APPLIED', 'INFLIGHT', 'REJECTED'].includes(s.status))
      problems.push(`outcome ${s.transaction_id} of ${s.outcome_of} is ${s.status}, not terminal`);
    if (s.queued_status === null || !['QUEUED', 'SCHEDULED'].includes(s.queued_status))
      problems.push(
        `outcome ${s.transaction_id} names ${s.outcome_of}, which is ${s.queued_status ?? 'missing'}, not a queued row`,
      );
  }
  const again: { work_id: string; transaction_id: string }[] = await ds.query(`
    SELECT w.work_id, w.transaction_id FROM queued_work w
    WHERE w.kind = 'transaction'
      AND EXISTS (SELECT 1 FROM transactions o WHERE o.outcome_of = w.transaction_id)
    ORDER BY w.seq`);
  for (const a of again)
    problems.push(
      `work item ${a.work_id} would apply ${a.transaction_id} again: it already has its outcome`,
    );
  return problems;
}
