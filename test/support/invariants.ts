/** Anything that runs SQL and returns rows: a TypeORM DataSource, or the benchmark's pg client. */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<any>;
}

/**
 * The ledger invariants of DESIGN.md §5, checked straight from the database. Returns a list of
 * violations (empty = all hold), so a failing test shows every problem at once.
 */
export async function checkInvariants(ds: SqlRunner): Promise<string[]> {
  const problems: string[] = [];
  const sums: { currency: string; total: string; inflight: string }[] = await ds.query(
    `SELECT currency, sum(balance)::text AS total, sum(inflight_balance)::text AS inflight FROM balances GROUP BY currency`,
  );
  for (const s of sums) {
    if (BigInt(s.total) !== 0n) problems.push(`sum of ${s.currency} balances is ${s.total}, not 0`);
    if (BigInt(s.inflight) !== 0n)
      problems.push(`sum of ${s.currency} inflight balances is ${s.inflight}, not 0`);
  }
  const drift: {
    balance_id: string;
    credit: string;
    debit: string;
    expected_credit: string;
    expected_debit: string;
  }[] = await ds.query(`
      SELECT b.balance_id, b.credit_balance::text AS credit, b.debit_balance::text AS debit,
             COALESCE(c.total, 0)::text AS expected_credit, COALESCE(d.total, 0)::text AS expected_debit
      FROM balances b
      LEFT JOIN (SELECT destination, sum(precise_amount) AS total FROM transactions WHERE status = 'APPLIED' GROUP BY destination) c
        ON c.destination = b.balance_id
      LEFT JOIN (SELECT source, sum(precise_amount) AS total FROM transactions WHERE status = 'APPLIED' GROUP BY source) d
        ON d.source = b.balance_id
      WHERE b.credit_balance <> COALESCE(c.total, 0) OR b.debit_balance <> COALESCE(d.total, 0)`);
  for (const d of drift) {
    problems.push(
      `balance ${d.balance_id}: credit ${d.credit} / debit ${d.debit}, applied rows say ${d.expected_credit} / ${d.expected_debit}`,
    );
  }
  const dupes: { reference: string }[] = await ds.query(
    `SELECT reference FROM transactions GROUP BY reference HAVING count(*) > 1`,
  );
  for (const d of dupes) problems.push(`reference ${d.reference} appears more than once`);
  // A balance may only go below zero if some debit of it was allowed to overdraw (allow_overdraft,
  // an overdraft limit, or a refund, which always allows it).
  const negative: { balance_id: string; available: string }[] = await ds.query(
    `SELECT b.balance_id, (b.balance - b.inflight_debit_balance)::text AS available FROM balances b
     WHERE b.balance - b.inflight_debit_balance < 0
       AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.source = b.balance_id
                       AND (t.meta_data->>'allow_overdraft' = 'true' OR t.reference LIKE '%!_refund' ESCAPE '!'))`,
  );
  for (const n of negative)
    problems.push(`balance ${n.balance_id} went below zero: available ${n.available}`);
  return problems;
}

/**
 * Every accepted queued row (QUEUED or SCHEDULED) has exactly one outcome row once the work list
 * is empty. Returns violations.
 */
export async function checkQueuedOutcomes(ds: SqlRunner): Promise<string[]> {
  const problems: string[] = [];
  const [{ pending }] = await ds.query(`SELECT count(*)::int AS pending FROM queued_work`);
  if (pending) problems.push(`${pending} work items still pending`);
  const bad: { transaction_id: string; outcomes: number }[] = await ds.query(`
    SELECT q.transaction_id, count(o.transaction_id)::int AS outcomes
    FROM transactions q
    LEFT JOIN transactions o ON o.parent_transaction = q.transaction_id AND o.reference = q.reference || '_q'
    WHERE q.status IN ('QUEUED', 'SCHEDULED')
    GROUP BY q.transaction_id HAVING count(o.transaction_id) <> 1`);
  for (const b of bad) problems.push(`queued row ${b.transaction_id} has ${b.outcomes} outcomes`);
  return problems;
}
