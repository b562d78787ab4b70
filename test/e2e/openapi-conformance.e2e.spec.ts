import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { registeredRoutes } from '../../src/app/http-app';
import { HttpResult, startTestApp, TestApp } from '../support/app';
import { finishedRun, uploadStatement } from '../support/reconciliation';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

/**
 * Real responses of every route, success and error statuses, validated with ajv against the
 * schemas the OpenAPI document declares for that route and status. A route whose answer is not
 * what the document says, a status it does not declare, or a route this tour does not visit
 * fails the test, so the document cannot drift from the code. A route added later joins the tour.
 */
describe('responses conform to the OpenAPI document', () => {
  let t: TestApp;
  let doc: Document;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<string, ValidateFunction>();
  const visited = new Set<string>();
  const problems: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as Document;
    ajv.addSchema(doc as object, 'doc');
  });
  afterAll(() => t.close());

  const pointer = (...parts: string[]) =>
    parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

  /** Validates one real response of `route` ("POST /ledgers/{id}") against the document. */
  const check = <R extends Pick<HttpResult, 'status' | 'text' | 'json'>>(
    route: string,
    r: R,
  ): R => {
    const [method, path] = route.split(' ');
    visited.add(route);
    const op = doc.paths[path]?.[method.toLowerCase()];
    if (!op) {
      problems.push(`${route}: not in the document`);
      return r;
    }
    const status = String(r.status);
    const declared = op.responses[status] ?? op.responses.default;
    if (!declared) {
      problems.push(`${route}: status ${status} is not declared (${r.text.slice(0, 120)})`);
      return r;
    }
    const media = declared.content?.['application/json'];
    if (!media?.schema) {
      if (r.text && status !== '204') problems.push(`${route} ${status}: a body with no schema`);
      return r;
    }
    const key = `${route} ${status}`;
    let validate = compiled.get(key);
    if (!validate) {
      const ref = `doc#/${pointer('paths', path, method.toLowerCase(), 'responses', declared === op.responses[status] ? status : 'default', 'content', 'application/json', 'schema')}`;
      validate = ajv.compile({ $ref: ref });
      compiled.set(key, validate);
    }
    if (!validate(r.json)) {
      problems.push(`${key}: ${ajv.errorsText(validate.errors)} in ${r.text.slice(0, 200)}`);
    }
    return r;
  };

  it('every route answers what the document declares', async () => {
    const http = t.http;
    const noKey = { 'x-blnk-key': '' };
    check('GET /', await http('GET', '/'));
    check('GET /health', await http('GET', '/health'));
    check('GET /health/ready', await http('GET', '/health/ready'));
    check('GET /metrics', await http('GET', '/metrics'));

    // Ledgers
    const ledger = check('POST /ledgers', await http('POST', '/ledgers', { name: 'conform' }));
    const ledgerId = ledger.json.ledger_id as string;
    check('POST /ledgers', await http('POST', '/ledgers', { name: 5 }));
    check('POST /ledgers', await http('POST', '/ledgers', { name: 'x' }, noKey));
    check('GET /ledgers', await http('GET', '/ledgers'));
    check('GET /ledgers', await http('GET', '/ledgers?limit=x'));
    check('POST /ledgers/filter', await http('POST', '/ledgers/filter', { filters: [] }));
    check(
      'POST /ledgers/filter',
      await http('POST', '/ledgers/filter', { filters: [], include_count: true }),
    );
    check('POST /ledgers/filter', await http('POST', '/ledgers/filter', { filters: 'x' }));
    check('GET /ledgers/{id}', await http('GET', `/ledgers/${ledgerId}`));
    check('GET /ledgers/{id}', await http('GET', '/ledgers/ldg_missing'));
    check('PUT /ledgers/{id}', await http('PUT', `/ledgers/${ledgerId}`, { name: 'renamed' }));
    check('PUT /ledgers/{id}', await http('PUT', '/ledgers/ldg_missing', { name: 'x' }));

    // Balances
    const bal = (extra: Record<string, unknown> = {}) =>
      http('POST', '/balances', { ledger_id: ledgerId, currency: 'USD', ...extra });
    const a = check('POST /balances', await bal()).json.balance_id as string;
    const b = check('POST /balances', await bal({ indicator: '@conform-b' })).json
      .balance_id as string;
    check('POST /balances', await http('POST', '/balances', { currency: 'USD' }));
    check('GET /balances', await http('GET', '/balances'));
    check('POST /balances/filter', await http('POST', '/balances/filter', { filters: [] }));
    check(
      'POST /balances/filter',
      await http('POST', '/balances/filter', { filters: [], include_count: true }),
    );
    check(
      'GET /balances/indicator/{indicator}/currency/{currency}',
      await http('GET', '/balances/indicator/@conform-b/currency/USD'),
    );
    check(
      'GET /balances/indicator/{indicator}/currency/{currency}',
      await http('GET', '/balances/indicator/nobody/currency/USD'),
    );
    check('GET /balances/{id}', await http('GET', `/balances/${a}?with_queued=true`));
    check('GET /balances/{id}', await http('GET', '/balances/bln_missing'));
    // Historical balances and snapshots
    const atRoute = 'GET /balances/{id}/at';
    check(atRoute, await http('GET', `/balances/${a}/at?timestamp=2024-01-01T00:00:00Z`));
    check(atRoute, await http('GET', `/balances/${a}/at?from_source=true`));
    check(atRoute, await http('GET', `/balances/${a}/at?timestamp=yesterday`));
    check(atRoute, await http('GET', '/balances/bln_missing/at'));
    check('POST /balances-snapshots', await http('POST', '/balances-snapshots?batch_size=10'));
    check('POST /balances-snapshots', await http('POST', '/balances-snapshots?batch_size=0'));

    // Balance monitors
    const monitor = (extra: Record<string, unknown> = {}) => ({
      balance_id: a,
      condition: { field: 'balance', operator: '>', value: 10.5, precision: 100 },
      ...extra,
    });
    const mon = check('POST /balance-monitors', await http('POST', '/balance-monitors', monitor()))
      .json.monitor_id as string;
    check('POST /balance-monitors', await http('POST', '/balance-monitors', { condition: 'x' }));
    check(
      'POST /balance-monitors',
      await http('POST', '/balance-monitors', monitor({ balance_id: 'bln_missing' })),
    );
    check('GET /balance-monitors', await http('GET', '/balance-monitors'));
    check(
      'GET /balance-monitors/balances/{balance_id}',
      await http('GET', `/balance-monitors/balances/${a}`),
    );
    check('GET /balance-monitors/{id}', await http('GET', `/balance-monitors/${mon}`));
    check('GET /balance-monitors/{id}', await http('GET', '/balance-monitors/mon_missing'));
    check(
      'PUT /balance-monitors/{id}',
      await http('PUT', `/balance-monitors/${mon}`, monitor({ description: 'd' })),
    );
    check(
      'PUT /balance-monitors/{id}',
      await http('PUT', '/balance-monitors/mon_missing', monitor()),
    );
    check('PUT /balance-monitors/{id}', await http('PUT', `/balance-monitors/${mon}`, {}));
    check('DELETE /balance-monitors/{id}', await http('DELETE', `/balance-monitors/${mon}`));
    check('DELETE /balance-monitors/{id}', await http('DELETE', `/balance-monitors/${mon}`));

    // Identities and tokenization
    const identity = check(
      'POST /identities',
      await http('POST', '/identities', {
        identity_type: 'individual',
        first_name: 'Ada',
        last_name: 'Lovelace',
        email_address: 'ada@example.com',
      }),
    );
    const idt = identity.json.identity_id as string;
    check('POST /identities', await http('POST', '/identities', { first_name: 5 }));
    check('GET /identities', await http('GET', '/identities'));
    check('POST /identities/filter', await http('POST', '/identities/filter', { filters: [] }));
    check('GET /identities/{id}', await http('GET', `/identities/${idt}`));
    check('GET /identities/{id}', await http('GET', '/identities/idt_missing'));
    check('PUT /identities/{id}', await http('PUT', `/identities/${idt}`, { last_name: 'King' }));
    check(
      'PUT /balances/{id}/identity',
      await http('PUT', `/balances/${a}/identity`, { identity_id: idt }),
    );
    check(
      'PUT /balances/{id}/identity',
      await http('PUT', '/balances/bln_missing/identity', { identity_id: idt }),
    );
    check('GET /balances/{id}', await http('GET', `/balances/${a}?include=identity`));

    // Fund lineage
    const lin = check(
      'POST /balances',
      await bal({ identity_id: idt, track_fund_lineage: true, allocation_strategy: 'lifo' }),
    ).json.balance_id as string;
    const tagged = await http('POST', '/transactions', {
      source: '@conform-world',
      destination: lin,
      precise_amount: 500,
      currency: 'USD',
      reference: 'conform-lineage-in',
      description: 'lineage',
      skip_queue: true,
      allow_overdraft: true,
      meta_data: { BLNK_LINEAGE_PROVIDER: 'stripe' },
    });
    const spentTx = await http('POST', '/transactions', {
      source: lin,
      destination: a,
      precise_amount: 200,
      currency: 'USD',
      reference: 'conform-lineage-out',
      description: 'lineage',
      skip_queue: true,
    });
    check('GET /balances/{id}/lineage', await http('GET', `/balances/${lin}/lineage`));
    check('GET /balances/{id}/lineage', await http('GET', `/balances/${a}/lineage`));
    check('GET /balances/{id}/lineage', await http('GET', '/balances/bln_missing/lineage'));
    for (const txn of [tagged, spentTx])
      check(
        'GET /transactions/{id}/lineage',
        await http('GET', `/transactions/${txn.json.transaction_id}/lineage`),
      );
    check('GET /transactions/{id}/lineage', await http('GET', '/transactions/txn_missing/lineage'));
    check(
      'POST /identities/{id}/tokenize/{field}',
      await http('POST', `/identities/${idt}/tokenize/FirstName`),
    );
    check(
      'POST /identities/{id}/tokenize',
      await http('POST', `/identities/${idt}/tokenize`, { fields: ['EmailAddress'] }),
    );
    check(
      'GET /identities/{id}/tokenized-fields',
      await http('GET', `/identities/${idt}/tokenized-fields`),
    );
    check(
      'GET /identities/{id}/detokenize/{field}',
      await http('GET', `/identities/${idt}/detokenize/FirstName`),
    );
    check(
      'GET /identities/{id}/detokenize/{field}',
      await http('GET', `/identities/${idt}/detokenize/LastName`),
    );
    check(
      'POST /identities/{id}/detokenize',
      await http('POST', `/identities/${idt}/detokenize`, { fields: ['FirstName'] }),
    );

    // Transactions
    const tx = (reference: string, extra: Record<string, unknown> = {}) => ({
      precise_amount: 1000,
      precision: 100,
      currency: 'USD',
      reference,
      description: 'conform',
      source: '@World',
      destination: a,
      allow_overdraft: true,
      skip_queue: true,
      ...extra,
    });
    const funded = check('POST /transactions', await http('POST', '/transactions', tx('c-fund')));
    check('POST /transactions', await http('POST', '/transactions', tx('c-fund')));
    check('POST /transactions', await http('POST', '/transactions', { ...tx('c-x'), amount: 'x' }));
    check(
      'POST /transactions',
      await http('POST', '/transactions', tx('c-dry', { dry_run: true })),
    );
    check(
      'POST /transactions',
      await http('POST', '/transactions', tx('c-q', { skip_queue: false })),
    );
    check(
      'POST /transactions',
      await http(
        'POST',
        '/transactions',
        tx('c-poor', { source: b, destination: a, allow_overdraft: false }),
      ),
    );
    const hold = check(
      'POST /transactions',
      await http(
        'POST',
        '/transactions',
        tx('c-hold', {
          source: a,
          destination: b,
          inflight: true,
          allow_overdraft: false,
          precise_amount: 100,
        }),
      ),
    ).json.transaction_id as string;
    check(
      'PUT /transactions/inflight/{txID}',
      await http('PUT', `/transactions/inflight/${hold}`, { status: 'commit', dry_run: true }),
    );
    check(
      'PUT /transactions/inflight/{txID}',
      await http('PUT', `/transactions/inflight/${hold}`, { status: 'commit', skip_queue: true }),
    );
    check(
      'PUT /transactions/inflight/{txID}',
      await http('PUT', `/transactions/inflight/${hold}`, { status: 'void', skip_queue: true }),
    );
    check(
      'PUT /transactions/inflight/{txID}',
      await http('PUT', '/transactions/inflight/txn_missing', { status: 'void' }),
    );
    const held = (ref: string) =>
      http(
        'POST',
        '/transactions',
        tx(ref, {
          source: a,
          destination: b,
          inflight: true,
          allow_overdraft: false,
          precise_amount: 10,
        }),
      );
    const h1 = (await held('c-h1')).json.transaction_id as string;
    const h2 = (await held('c-h2')).json.transaction_id as string;
    check(
      'PUT /transactions/inflight/{txID}',
      await http('PUT', `/transactions/inflight/${h2}`, { status: 'void' }),
    );
    check(
      'POST /transactions/inflight/bulk/commit',
      await http('POST', '/transactions/inflight/bulk/commit', {
        transactions: [{ transaction_id: h1 }],
        skip_queue: true,
      }),
    );
    check(
      'POST /transactions/inflight/bulk/commit',
      await http('POST', '/transactions/inflight/bulk/commit', {
        transactions: [{ transaction_id: h1 }],
        dry_run: true,
      }),
    );
    check(
      'POST /transactions/inflight/bulk/void',
      await http('POST', '/transactions/inflight/bulk/void', { transaction_ids: ['txn_missing'] }),
    );
    check(
      'POST /transactions/inflight/bulk/void',
      await http('POST', '/transactions/inflight/bulk/void', { transaction_ids: [] }),
    );
    const items = [tx('c-b1'), tx('c-b2')];
    check(
      'POST /transactions/bulk',
      await http('POST', '/transactions/bulk', { transactions: items, skip_queue: true }),
    );
    check(
      'POST /transactions/bulk',
      await http('POST', '/transactions/bulk', { transactions: items, skip_queue: true }),
    );
    check(
      'POST /transactions/bulk',
      await http('POST', '/transactions/bulk', { transactions: [tx('c-b3')], dry_run: true }),
    );
    check(
      'POST /transactions/bulk',
      await http('POST', '/transactions/bulk', { transactions: [tx('c-b4')], run_async: true }),
    );
    check('POST /transactions/recover', await http('POST', '/transactions/recover'));
    check('POST /transactions/recover', await http('POST', '/transactions/recover?threshold=x'));
    check('GET /transactions', await http('GET', '/transactions'));
    check('POST /transactions/filter', await http('POST', '/transactions/filter', { filters: [] }));
    check(
      'POST /transactions/filter',
      await http('POST', '/transactions/filter', { filters: [], include_count: true }),
    );
    check(
      'POST /transactions/filter',
      await http('POST', '/transactions/filter', {
        filters: [{ field: 'nope', operator: 'eq', value: 1 }],
      }),
    );
    const fundId = funded.json.transaction_id as string;
    check('GET /transactions/{id}', await http('GET', `/transactions/${fundId}`));
    check('GET /transactions/{id}', await http('GET', '/transactions/txn_missing'));
    check(
      'GET /transactions/reference/{reference}',
      await http('GET', '/transactions/reference/c-fund'),
    );
    check(
      'GET /transactions/reference/{reference}',
      await http('GET', '/transactions/reference/none'),
    );
    check(
      'POST /refund-transaction/{id}',
      await http('POST', `/refund-transaction/${fundId}`, { dry_run: true }),
    );
    check(
      'POST /refund-transaction/{id}',
      await http('POST', `/refund-transaction/${fundId}`, { skip_queue: true }),
    );
    check(
      'POST /refund-transaction/{id}',
      await http('POST', `/refund-transaction/${fundId}`, { skip_queue: true }),
    );
    check('POST /refund-transaction/{id}', await http('POST', '/refund-transaction/txn_missing'));

    // Metadata
    check(
      'POST /{id}/metadata',
      await http('POST', `/${ledgerId}/metadata`, { meta_data: { k: 1 } }),
    );
    check(
      'POST /{id}/metadata',
      await http('POST', `/${fundId}/metadata`, { meta_data: { k: 1 } }),
    );
    check(
      'POST /{id}/metadata',
      await http('POST', '/ldg_missing/metadata', { meta_data: { k: 1 } }),
    );
    check('POST /{id}/metadata', await http('POST', `/${ledgerId}/metadata`, { meta_data: 'x' }));

    // Webhook deliveries (the outbox)
    const deliveries = check(
      'GET /webhook-deliveries',
      await http('GET', '/webhook-deliveries?limit=5'),
    );
    check('GET /webhook-deliveries', await http('GET', '/webhook-deliveries?status=lost'));
    const someEvent = (deliveries.json as { event_id: string }[])[0].event_id;
    check(
      'POST /webhook-deliveries/{id}/redeliver',
      await http('POST', `/webhook-deliveries/${someEvent}/redeliver`),
    );
    check(
      'POST /webhook-deliveries/{id}/redeliver',
      await http('POST', '/webhook-deliveries/evt_missing/redeliver'),
    );

    // Accounts (an identity and balance of their own: the identity above is deleted at the end)
    const accountHolder = (
      await http('POST', '/identities', { first_name: 'Acc', last_name: 'Holder' })
    ).json.identity_id as string;
    const accountBalance = (await bal({ identity_id: accountHolder })).json.balance_id as string;
    const account = check(
      'POST /accounts',
      await http('POST', '/accounts', { balance_id: accountBalance, bank_name: 'Conform Bank' }),
    );
    const accountNo = account.json.number as string;
    check('POST /accounts', await http('POST', '/accounts', { balance_id: 5 }));
    check('POST /accounts', await http('POST', '/accounts', { balance_id: 'bln_missing' }));
    check(
      'POST /accounts',
      await http('POST', '/accounts', { balance_id: accountBalance, number: accountNo }),
    );
    check('GET /accounts', await http('GET', '/accounts'));
    check('GET /accounts', await http('GET', '/accounts?currency_eq=USD&limit=5'));
    check('POST /accounts/filter', await http('POST', '/accounts/filter', { filters: [] }));
    check(
      'POST /accounts/filter',
      await http('POST', '/accounts/filter', { filters: [], include_count: true }),
    );
    check(
      'GET /accounts/{id}',
      await http(
        'GET',
        `/accounts/${account.json.account_id}?include=balance&include=identity&include=ledger`,
      ),
    );
    check('GET /accounts/{id}', await http('GET', '/accounts/acc_missing'));
    check('GET /mocked-account', await http('GET', '/mocked-account'));

    // Search (PostgreSQL adapter) and reindex
    check('POST /search/{collection}', await http('POST', '/search/transactions', { q: '*' }));
    check(
      'POST /search/{collection}',
      await http('POST', '/search/transactions', { filter_by: 'currency:>USD' }),
    );
    check(
      'POST /multi-search',
      await http('POST', '/multi-search', { searches: [{ collection: 'ledgers' }, {}] }),
    );
    check('POST /multi-search', await http('POST', '/multi-search', { searches: 1 }));
    check('GET /search/reindex', await http('GET', '/search/reindex'));
    check('POST /search/reindex', await http('POST', '/search/reindex', { batch_size: 0 }));
    check('POST /search/reindex', await http('POST', '/search/reindex', {}));
    check('GET /search/reindex', await http('GET', '/search/reindex'));

    // Reconciliation: a rule, a statement, a run and its listings (and their refusals)
    const ruleBody = {
      name: 'conform',
      criteria: [{ field: 'amount', operator: 'equals', allowable_drift: 0.01 }],
    };
    const rule = check(
      'POST /reconciliation/matching-rules',
      await http('POST', '/reconciliation/matching-rules', ruleBody),
    );
    const ruleId = rule.json.rule_id as string;
    check(
      'POST /reconciliation/matching-rules',
      await http('POST', '/reconciliation/matching-rules', { name: 'no criteria' }),
    );
    check(
      'GET /reconciliation/matching-rules',
      await http('GET', '/reconciliation/matching-rules'),
    );
    check(
      'GET /reconciliation/matching-rules/{id}',
      await http('GET', `/reconciliation/matching-rules/${ruleId}`),
    );
    check(
      'GET /reconciliation/matching-rules/{id}',
      await http('GET', '/reconciliation/matching-rules/rule_missing'),
    );
    check(
      'PUT /reconciliation/matching-rules/{id}',
      await http('PUT', `/reconciliation/matching-rules/${ruleId}`, { ...ruleBody, name: 'n' }),
    );
    check(
      'PUT /reconciliation/matching-rules/{id}',
      await http('PUT', '/reconciliation/matching-rules/rule_missing', ruleBody),
    );
    const up = check(
      'POST /reconciliation/upload',
      await uploadStatement(
        t,
        'conform.csv',
        'id,amount,currency,reference,description,date\n' +
          'ext-1,10.00,USD,r-1,conform,2026-01-01T00:00:00Z\n',
        'conform-bank',
      ),
    );
    check(
      'POST /reconciliation/upload',
      await uploadStatement(t, 'bad.csv', 'id,amount\next-1,not-a-number\n', 'conform-bank'),
    );
    const run = check(
      'POST /reconciliation/start',
      await http('POST', '/reconciliation/start', {
        upload_id: up.json.upload_id,
        strategy: 'one_to_one',
        matching_rule_ids: [ruleId],
      }),
    );
    check(
      'POST /reconciliation/start',
      await http('POST', '/reconciliation/start', { upload_id: 'upload_missing' }),
    );
    const runId = run.json.reconciliation_id as string;
    await finishedRun(t, runId);
    check('GET /reconciliation/{id}', await http('GET', `/reconciliation/${runId}`));
    check('GET /reconciliation/{id}', await http('GET', '/reconciliation/recon_missing'));
    check(
      'GET /reconciliation/{id}/matches',
      await http('GET', `/reconciliation/${runId}/matches?limit=10`),
    );
    check(
      'GET /reconciliation/{id}/unmatched',
      await http('GET', `/reconciliation/${runId}/unmatched?limit=10`),
    );
    check(
      'GET /reconciliation/{id}/matches',
      await http('GET', '/reconciliation/recon_missing/matches'),
    );
    check(
      'GET /reconciliation/{id}/unmatched',
      await http('GET', `/reconciliation/${runId}/unmatched?limit=x`),
    );
    check(
      'POST /reconciliation/start-instant',
      await http('POST', '/reconciliation/start-instant', {
        external_transactions: [
          {
            id: 'inst-1',
            amount: 10,
            currency: 'USD',
            reference: 'inst-1',
            description: 'conform',
            date: '2026-01-01T00:00:00Z',
          },
        ],
        strategy: 'one_to_one',
        matching_rule_ids: [ruleId],
      }),
    );
    check(
      'POST /reconciliation/start-instant',
      await http('POST', '/reconciliation/start-instant', { external_transactions: [] }),
    );
    check(
      'DELETE /reconciliation/matching-rules/{id}',
      await http('DELETE', `/reconciliation/matching-rules/${ruleId}`),
    );
    check(
      'DELETE /reconciliation/matching-rules/{id}',
      await http('DELETE', `/reconciliation/matching-rules/${ruleId}`),
    );

    // Backups (master key only; no bucket configured here: the 500 of Blnk's envelope)
    check('GET /backup', await http('GET', '/backup'));
    check('GET /backup', await http('GET', '/backup', undefined, noKey));
    check('GET /backup-s3', await http('GET', '/backup-s3'));

    // API keys
    const key = check(
      'POST /api-keys',
      await http('POST', '/api-keys', {
        name: 'conform',
        owner: 'conform',
        scopes: ['ledgers:read'],
        expires_at: '2099-01-01T00:00:00Z',
      }),
    );
    check('POST /api-keys', await http('POST', '/api-keys', { name: 'x' }));
    check('GET /api-keys', await http('GET', '/api-keys?owner=conform'));
    check('GET /api-keys', await http('GET', '/api-keys'));
    const scoped = { 'x-blnk-key': key.json.key as string };
    check('GET /ledgers', await http('GET', '/ledgers', undefined, scoped));
    check('POST /ledgers', await http('POST', '/ledgers', { name: 'no' }, scoped));

    // Hooks (master key only)
    const hookBody = { url: 'https://hooks.example.com/x', type: 'PRE_TRANSACTION', active: true };
    const hook = check(
      'POST /hooks',
      await http('POST', '/hooks', { ...hookBody, blocking: true }),
    );
    const hookId = hook.json.id as string;
    check('POST /hooks', await http('POST', '/hooks', { type: 'PRE_TRANSACTION' }));
    check('POST /hooks', await http('POST', '/hooks', { ...hookBody, id: hookId }));
    check('POST /hooks', await http('POST', '/hooks', hookBody, scoped));
    check('GET /hooks', await http('GET', '/hooks'));
    check('GET /hooks', await http('GET', '/hooks?type=POST_TRANSACTION'));
    check('GET /hooks', await http('GET', '/hooks?type=x'));
    check('GET /hooks/{id}', await http('GET', `/hooks/${hookId}`));
    check('GET /hooks/{id}', await http('GET', '/hooks/hook_missing'));
    check('PUT /hooks/{id}', await http('PUT', `/hooks/${hookId}`, { ...hookBody, name: 'n' }));
    check('PUT /hooks/{id}', await http('PUT', '/hooks/hook_missing', hookBody));
    check('PUT /hooks/{id}', await http('PUT', `/hooks/${hookId}`, { ...hookBody, timeout: 'x' }));
    check('DELETE /hooks/{id}', await http('DELETE', `/hooks/${hookId}`));
    check('DELETE /hooks/{id}', await http('DELETE', `/hooks/${hookId}`));
    check(
      'DELETE /api-keys/{id}',
      await http('DELETE', `/api-keys/${key.json.api_key_id}?owner=conform`),
    );
    check('DELETE /api-keys/{id}', await http('DELETE', '/api-keys/api_key_missing?owner=conform'));
    check('DELETE /identities/{id}', await http('DELETE', `/identities/${idt}`));
    check('DELETE /identities/{id}', await http('DELETE', '/identities/idt_missing'));

    expect(problems).toEqual([]);

    // Every route the server serves was visited (the docs page and the document aside).
    const served = registeredRoutes(t.app)
      .filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/docs') && r.url !== '/openapi.json')
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z_]+)/g, '{$1}')}`);
    expect(served.filter((r) => !visited.has(r))).toEqual([]);
  }, 120_000);
});
