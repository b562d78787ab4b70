import { RunReconciliationUseCase } from '../../src/modules/reconciliation/application/run-reconciliation.use-case';
import type { TestApp } from './app';
import { waitFor } from './wait';

/** What `seedSearchScenario` created, by name. */
export interface SearchScenario {
  ledgerId: string;
  balances: { usd: string; eur: string; big: string };
  identityId: string;
  tx: Record<string, string>;
  /** Reconciliation runs by name, as GET /reconciliation/:id shows them once finished. */
  runs: Record<'matched' | 'dry' | 'none', Record<string, unknown>>;
}

/** The run names of the scenario, oldest run first. */
export const RUN_NAMES = ['matched', 'dry', 'none'] as const;

/**
 * Carries run `id` to its end whether or not this server's run job is on: leases it (or another
 * open run) under an owner of its own and steps it; while the job holds the lease, waits for it.
 * Returns the run as GET /reconciliation/:id shows it.
 */
export async function driveRun(t: TestApp, id: string): Promise<Record<string, unknown>> {
  const runs = t.app.get(RunReconciliationUseCase);
  const owner = `search-scenario-${id}`;
  return waitFor(
    async () => {
      const r = await t.http('GET', `/reconciliation/${id}`);
      if (r.json.status === 'completed' || r.json.status === 'failed') return r.json;
      let run = await runs.lease(owner);
      while (run) run = await runs.step(run, owner);
      return undefined;
    },
    30_000,
    `reconciliation ${id}`,
  );
}

/** POST /reconciliation/start-instant with rows that match by amount and reference. */
export async function startInstantRun(
  t: TestApp,
  ruleId: string,
  rows: { id: string; amount: number; reference: string }[],
  dryRun = false,
): Promise<string> {
  const r = await t.http('POST', '/reconciliation/start-instant', {
    external_transactions: rows.map((row) => ({
      ...row,
      currency: 'USD',
      description: `statement line ${row.id}`,
      date: new Date().toISOString(),
    })),
    strategy: 'one_to_one',
    matching_rule_ids: [ruleId],
    dry_run: dryRun,
  });
  if (r.status !== 200) throw new Error(`start-instant: ${r.status} ${r.text}`);
  return r.json.reconciliation_id as string;
}

/** A rule matching a statement line to the transaction of the same amount and reference. */
export async function amountAndReferenceRule(t: TestApp): Promise<string> {
  const r = await t.http('POST', '/reconciliation/matching-rules', {
    name: 'same amount and reference',
    criteria: [
      { field: 'amount', operator: 'equals' },
      { field: 'reference', operator: 'equals' },
    ],
  });
  if (r.status !== 201) throw new Error(`matching rule: ${r.status} ${r.text}`);
  return r.json.rule_id as string;
}

/** A run's §12 document: GET /reconciliation/:id's fields, times as unix seconds. */
export function runDocument(run: Record<string, unknown>): Record<string, unknown> {
  const seconds = (v: unknown) => Math.floor(Date.parse(String(v)) / 1000);
  const doc: Record<string, unknown> = {
    id: run.reconciliation_id,
    reconciliation_id: run.reconciliation_id,
    upload_id: run.upload_id,
    status: run.status,
    strategy: run.strategy,
    matched_transactions: run.matched_transactions,
    unmatched_transactions: run.unmatched_transactions,
    is_dry_run: run.is_dry_run,
    started_at: seconds(run.started_at),
  };
  if (run.completed_at !== null) doc.completed_at = seconds(run.completed_at);
  return doc;
}

const transfer = async (
  t: TestApp,
  reference: string,
  source: string,
  destination: string,
  amount: number,
  currency: string,
  description: string,
  meta_data: Record<string, unknown> = {},
) => {
  const r = await t.http('POST', '/transactions', {
    amount,
    precision: 100,
    currency,
    reference,
    description,
    source,
    destination,
    allow_overdraft: true,
    skip_queue: true,
    meta_data,
  });
  if (r.status !== 201) throw new Error(`POST /transactions: ${r.status} ${r.text}`);
  return r.json.transaction_id as string;
};

/**
 * A small, fixed data set both search adapters are asked about: a ledger, three balances (one of
 * a big integer), an identity and transactions whose descriptions, currencies, amounts and
 * metadata the scenario queries pick apart.
 */
export async function seedSearchScenario(t: TestApp): Promise<SearchScenario> {
  const ledger = await t.http('POST', '/ledgers', {
    name: 'Scenario Treasury',
    meta_data: { team: 'ops' },
  });
  const ledgerId = ledger.json.ledger_id as string;
  const identity = await t.http('POST', '/identities', {
    identity_type: 'individual',
    first_name: 'Adaeze',
    last_name: 'Okonkwo',
    country: 'NG',
    dob: '1990-05-17T00:00:00Z',
  });
  const identityId = identity.json.identity_id as string;
  const balance = async (currency: string, meta: Record<string, unknown>) =>
    (
      await t.http('POST', '/balances', {
        ledger_id: ledgerId,
        currency,
        identity_id: identityId,
        meta_data: meta,
      })
    ).json.balance_id as string;
  const usd = await balance('USD', { tier: 'gold' });
  const eur = await balance('EUR', { tier: 'silver' });
  const big = await balance('USD', { tier: 'whale' });
  const tx: Record<string, string> = {};
  tx.rent = await transfer(t, 'sc-rent', usd, '@Landlord', 12.5, 'USD', 'Monthly rent payment', {
    kind: 'rent',
    n: 3,
  });
  tx.salary = await transfer(t, 'sc-salary', '@Payroll', usd, 45, 'USD', 'Salary for March', {
    kind: 'salary',
    n: 10,
  });
  tx.bonus = await transfer(t, 'sc-bonus', '@Payroll', usd, 80, 'USD', 'Quarterly bonus payment', {
    kind: 'salary',
    n: 20,
  });
  tx.coffee = await transfer(t, 'sc-coffee', usd, '@Cafe', 3.2, 'USD', 'Coffee with the team', {
    kind: 'food',
  });
  tx.euro = await transfer(t, 'sc-euro', '@World', eur, 30, 'EUR', 'Euro rent deposit', {
    kind: 'rent',
    n: 7,
  });
  tx.whale = await t
    .http('POST', '/transactions', {
      precise_amount: '123456789012345678901234567890',
      precision: 100,
      currency: 'USD',
      reference: 'sc-whale',
      description: 'Whale settlement',
      source: '@World',
      destination: big,
      allow_overdraft: true,
      skip_queue: true,
    })
    .then((r) => {
      if (r.status !== 201) throw new Error(r.text);
      return r.json.transaction_id as string;
    });
  const runs = await seedRuns(t);
  return { ledgerId, balances: { usd, eur, big }, identityId, tx, runs };
}

/**
 * Three finished runs: one matching the rent transaction (and a line matching nothing), a dry
 * run of the same lines, and one matching nothing. Their start times are set an hour apart
 * (oldest first) so that sorting on started_at (unix seconds) has no ties.
 */
async function seedRuns(t: TestApp): Promise<SearchScenario['runs']> {
  const rule = await amountAndReferenceRule(t);
  // Statement line ids are unique per source: each run gets lines of its own.
  const lines = (run: string) => [
    { id: `sc-${run}-rent`, amount: 12.5, reference: 'sc-rent' },
    { id: `sc-${run}-none`, amount: 999.99, reference: 'sc-nothing' },
  ];
  const ids = {
    matched: await startInstantRun(t, rule, lines('matched')),
    dry: await startInstantRun(t, rule, lines('dry'), true),
    none: await startInstantRun(t, rule, lines('none').slice(1)),
  };
  const out: Record<string, Record<string, unknown>> = {};
  for (const [i, name] of RUN_NAMES.entries()) {
    await driveRun(t, ids[name]);
    await t.ds.query(
      `UPDATE reconciliations SET started_at = now() - $2 * interval '1 hour'
       WHERE reconciliation_id = $1`,
      [ids[name], RUN_NAMES.length - i],
    );
    out[name] = (await t.http('GET', `/reconciliation/${ids[name]}`)).json;
  }
  // The queries below pick the runs apart by these counts: they must differ as intended.
  const counts = RUN_NAMES.map((n) => [
    out[n].matched_transactions,
    out[n].unmatched_transactions,
    out[n].is_dry_run,
  ]);
  if (JSON.stringify(counts) !== '[[1,1,false],[1,1,true],[0,1,false]]') {
    throw new Error(`scenario runs: unexpected counts ${JSON.stringify(counts)}`);
  }
  return out as SearchScenario['runs'];
}

/** A query of the shared scenario and, for the adapter suites, the hits it must find. */
export interface ScenarioQuery {
  name: string;
  collection: string;
  body: Record<string, unknown>;
  /** Names of `tx` (transactions) or literal ids; order matters when `ordered`. */
  expect: (s: SearchScenario) => string[];
  ordered?: boolean;
}

/** The ids of the scenario's runs that `keep` selects, in RUN_NAMES order (oldest first). */
const runIds = (s: SearchScenario, keep: (run: Record<string, unknown>) => boolean = () => true) =>
  RUN_NAMES.map((n) => s.runs[n])
    .filter(keep)
    .map((r) => String(r.reconciliation_id));

export const SCENARIO_QUERIES: ScenarioQuery[] = [
  {
    name: 'a word',
    collection: 'transactions',
    body: { q: 'rent', query_by: 'description', sort_by: 'amount:asc' },
    expect: (s) => [s.tx.rent, s.tx.euro],
    ordered: true,
  },
  {
    name: 'two words, the last a prefix',
    collection: 'transactions',
    body: { q: 'quarterly pay', query_by: 'description' },
    expect: (s) => [s.tx.bonus],
  },
  {
    name: 'one typo in a word of six letters',
    collection: 'transactions',
    body: { q: 'salery', query_by: 'description,reference' },
    expect: (s) => [s.tx.salary],
  },
  {
    name: 'no typo allowed in a word of three letters',
    collection: 'transactions',
    body: { q: 'tea', query_by: 'description', prefix: false },
    expect: () => [],
  },
  {
    name: 'filter by currency and amount range',
    collection: 'transactions',
    body: { q: '*', filter_by: 'currency:=USD && amount:[10..50]', sort_by: 'amount:desc' },
    expect: (s) => [s.tx.salary, s.tx.rent],
    ordered: true,
  },
  {
    name: 'or, parentheses, not equal',
    collection: 'transactions',
    body: {
      filter_by: '(currency:=EUR || amount:<4) && status:!=REJECTED',
      sort_by: 'amount:asc',
    },
    expect: (s) => [s.tx.coffee, s.tx.euro],
    ordered: true,
  },
  {
    name: 'nested metadata, numeric and list',
    collection: 'transactions',
    body: { filter_by: 'meta_data.kind:[rent,salary] && meta_data.n:>=7', sort_by: 'amount:asc' },
    expect: (s) => [s.tx.euro, s.tx.salary, s.tx.bonus],
    ordered: true,
  },
  {
    name: 'not in a list',
    collection: 'transactions',
    body: { filter_by: 'meta_data.kind:!=[rent,salary] && currency:=USD', sort_by: 'amount:asc' },
    expect: (s) => [s.tx.coffee, s.tx.whale],
    ordered: true,
  },
  {
    name: 'balances of a ledger by metadata',
    collection: 'balances',
    body: { q: '*', filter_by: 'meta_data.tier:=gold || meta_data.tier:=whale' },
    expect: (s) => [s.balances.usd, s.balances.big],
  },
  {
    name: 'a ledger by name',
    collection: 'ledgers',
    body: { q: 'treasury', query_by: 'name' },
    expect: (s) => [s.ledgerId],
  },
  {
    name: 'an identity by last name with a typo',
    collection: 'identities',
    body: { q: 'okonkwu', query_by: 'first_name,last_name' },
    expect: (s) => [s.identityId],
  },
  {
    name: 'reconciliations by status',
    collection: 'reconciliations',
    body: { q: 'completed', query_by: 'status', filter_by: 'status:=completed' },
    expect: (s) => runIds(s, (r) => r.status === 'completed'),
  },
  {
    name: 'reconciliations sorted by started_at',
    collection: 'reconciliations',
    body: { filter_by: 'started_at:>0', sort_by: 'started_at:asc' },
    expect: (s) => runIds(s),
    ordered: true,
  },
  {
    name: 'reconciliations newest first by default',
    collection: 'reconciliations',
    body: { q: '*' },
    expect: (s) => runIds(s).reverse(),
    ordered: true,
  },
  {
    name: 'reconciliations that matched something, not dry runs',
    collection: 'reconciliations',
    body: { filter_by: 'matched_transactions:>=1 && is_dry_run:false' },
    expect: (s) => runIds(s, (r) => Number(r.matched_transactions) >= 1 && !r.is_dry_run),
  },
  {
    name: 'dry reconciliations',
    collection: 'reconciliations',
    body: { filter_by: 'is_dry_run:=true', sort_by: 'started_at:desc' },
    expect: (s) => runIds(s, (r) => r.is_dry_run === true),
  },
  {
    name: 'reconciliations by id list and count range',
    collection: 'reconciliations',
    body: {
      filter_by: `unmatched_transactions:[1..5] && reconciliation_id:!=[sc-nope]`,
      sort_by: 'completed_at:desc,started_at:desc',
    },
    expect: (s) => runIds(s, (r) => Number(r.unmatched_transactions) >= 1).reverse(),
    ordered: true,
  },
];

/**
 * How a suite reads a search that must reflect a change: PostgreSQL at once (one probe, which
 * must answer), Typesense once the feed has carried it (probed until it answers).
 */
export type Eventually = <T>(probe: () => Promise<T | undefined>, what: string) => Promise<T>;

export const atOnce: Eventually = async (probe, what) => {
  const v = await probe();
  if (v === undefined) throw new Error(`not visible at once: ${what}`);
  return v;
};

/**
 * A run whose status and counts change as it goes: seen `started` with nothing counted while
 * this server's run job is held (and counted so in a status facet), then `completed` with its
 * counts and completed_at once it has run. Either way the document is the GET's.
 */
export async function expectRunFollowed(
  t: TestApp,
  s: SearchScenario,
  eventually: Eventually,
  holdRunJob: () => () => void,
): Promise<void> {
  const search = (body: unknown) => t.http('POST', '/search/reconciliations', body);
  const rule = await amountAndReferenceRule(t);
  const release = holdRunJob();
  let id = '';
  try {
    id = await startInstantRun(t, rule, [
      { id: 'sc-follow-coffee', amount: 3.2, reference: 'sc-coffee' },
    ]);
    const get = (await t.http('GET', `/reconciliation/${id}`)).json;
    expect(get.status).toBe('started');
    const started = await eventually(async () => {
      const r = await search({ filter_by: `reconciliation_id:=${id}` });
      return r.json.hits[0]?.document;
    }, 'the started run');
    expect(started).toEqual(runDocument(get));
    const all = `reconciliation_id:[${[...runIds(s), id].join(',')}]`;
    const f = await search({ filter_by: all, facet_by: 'status,strategy', per_page: 0 });
    expect(f.json.found).toBe(4);
    expect(f.json.facet_counts).toEqual([
      {
        field_name: 'status',
        counts: [
          { count: 3, highlighted: 'completed', value: 'completed' },
          { count: 1, highlighted: 'started', value: 'started' },
        ],
        stats: { total_values: 2 },
      },
      {
        field_name: 'strategy',
        counts: [{ count: 4, highlighted: 'one_to_one', value: 'one_to_one' }],
        stats: { total_values: 1 },
      },
    ]);
  } finally {
    release();
  }
  const done = await driveRun(t, id);
  expect(done).toMatchObject({ status: 'completed', matched_transactions: 1 });
  const completed = await eventually(async () => {
    const r = await search({ filter_by: `reconciliation_id:=${id} && status:=completed` });
    return r.json.hits[0]?.document;
  }, 'the completed run');
  expect(completed).toEqual(runDocument(done));
  expect(completed.completed_at).toBeGreaterThanOrEqual(completed.started_at as number);
}
