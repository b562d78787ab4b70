import type { TestApp } from './app';

/** What `seedSearchScenario` created, by name. */
export interface SearchScenario {
  ledgerId: string;
  balances: { usd: string; eur: string; big: string };
  identityId: string;
  tx: Record<string, string>;
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
  return { ledgerId, balances: { usd, eur, big }, identityId, tx };
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
];
