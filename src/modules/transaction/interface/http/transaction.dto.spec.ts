import 'reflect-metadata';
import { validateDto } from '@libs/http/validation.pipe';
import {
  BulkCommitDto,
  InflightUpdateDto,
  RecordTransactionDto,
  RefundDto,
} from './transaction.dto';

const base = {
  precise_amount: 100,
  currency: 'USD',
  reference: 'r1',
  description: 'd',
  source: '@World',
  destination: 'bln_b',
};

const dtoOf = <T extends object>(cls: new () => T, body: object): T => {
  const r = validateDto(cls, body);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

describe('RecordTransactionDto and JSON null', () => {
  it.each([
    ['precise_amount', { precise_amount: null }, 'precise_amount: cannot be null.'],
    ['amount', { amount: null }, 'amount: cannot be null.'],
    ['precision', { precision: null }, 'precision: cannot be null.'],
    ['overdraft_limit', { overdraft_limit: null }, 'overdraft_limit: cannot be null.'],
    ['currency', { currency: null }, 'currency: cannot be blank.'],
    ['reference', { reference: null }, 'reference: cannot be blank.'],
    ['description', { description: null }, 'description: cannot be blank.'],
    [
      'a distribution identifier',
      { source: undefined, sources: [{ identifier: null, distribution: '100%' }] },
      'sources.0.identifier: cannot be blank.',
    ],
    [
      'a distribution item',
      { source: undefined, sources: [null] },
      'sources.0: each item must be a JSON object.',
    ],
  ])('refuses null %s', (_n, over, message) => {
    expect(validateDto(RecordTransactionDto, { ...base, ...over })).toBe(message);
  });

  it('reads null as absent for source, destination, their lists, flags, dates and meta_data', () => {
    const fields = [
      'source',
      'sources',
      'destinations',
      'allow_overdraft',
      'inflight',
      'skip_queue',
      'atomic',
      'dry_run',
      'scheduled_for',
      'inflight_expiry_date',
      'inflight_commit_date',
      'effective_date',
      'meta_data',
      'balance_id',
      'rate',
    ] as const;
    const dto = dtoOf(RecordTransactionDto, {
      ...base,
      ...Object.fromEntries(fields.map((f) => [f, null])),
    });
    for (const f of fields) expect(dto[f]).toBeUndefined();
  });

  it('bounds what goes into btree indexes', () => {
    expect(validateDto(RecordTransactionDto, { ...base, reference: 'r'.repeat(513) })).toBe(
      'reference: must be at most 512 characters.',
    );
    expect(validateDto(RecordTransactionDto, { ...base, source: '@' + 's'.repeat(512) })).toBe(
      'source: must be at most 512 characters.',
    );
    expect(validateDto(RecordTransactionDto, { ...base, currency: 'C'.repeat(65) })).toBe(
      'currency: must be at most 64 characters.',
    );
    expect(
      dtoOf(RecordTransactionDto, { ...base, reference: 'é'.repeat(512) }).reference,
    ).toHaveLength(512);
  });
});

describe('inflight, bulk commit and refund DTOs and JSON null', () => {
  it('refuses a null commit amount: absent would settle the whole hold', () => {
    for (const over of [{ precise_amount: null }, { amount: null }]) {
      expect(validateDto(InflightUpdateDto, { status: 'commit', ...over })).toMatch(
        /^(precise_amount|amount): cannot be null\.$/,
      );
      expect(
        validateDto(BulkCommitDto, { transactions: [{ transaction_id: 'txn_1', ...over }] }),
      ).toMatch(/^transactions\.0\.(precise_amount|amount): cannot be null\.$/);
    }
    expect(validateDto(InflightUpdateDto, { status: null })).toBe('status: cannot be blank.');
    expect(validateDto(BulkCommitDto, { transactions: [null] })).toBe(
      'transactions.0: each item must be a JSON object.',
    );
  });

  it('reads null flags, description and meta_data of a refund as absent', () => {
    const dto = dtoOf(RefundDto, {
      skip_queue: null,
      dry_run: null,
      description: null,
      meta_data: null,
    });
    expect(dto).toEqual(
      Object.assign(new RefundDto(), {
        skip_queue: undefined,
        dry_run: undefined,
        description: undefined,
        meta_data: undefined,
      }),
    );
  });
});
