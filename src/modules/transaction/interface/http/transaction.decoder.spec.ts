import 'reflect-metadata';
import { getMetadataStorage } from 'class-validator';
import { dtoDecoderOf } from '@libs/http/dto-decoder';
import { validateDto, validateDtoByDecorators } from '@libs/http/validation.pipe';
import { DistributionDto, RecordTransactionDto } from './transaction.dto';

/*
 * Differential test: the hand-written decoders of RecordTransactionDto and DistributionDto against
 * class-transformer + class-validator (validateDtoByDecorators), on thousands of bodies from a
 * seeded generator. Both must give the same instance (own keys in the same order, the same
 * values, the same prototypes, meta_data the very object sent) or the same message.
 */

/** mulberry32: small, seedable, good enough to pick cases. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The properties class-validator knows for a class, in the order it reports them. */
function decoratedFields(cls: new () => object): string[] {
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', false, false);
  return [...new Set(metas.map((m) => m.propertyName))];
}

const RECORD_FIELDS = decoratedFields(RecordTransactionDto);
const DISTRIBUTION_FIELDS = decoratedFields(DistributionDto);

class Gen {
  constructor(readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.r() < p;
  }

  /** A string of about `n` characters as MaxLength counts them, in one of several alphabets. */
  text(n: number): string {
    switch (this.int(6)) {
      case 0:
        return 'a'.repeat(n);
      case 1:
        return '\u{1F600}'.repeat(n); // a surrogate pair: 2 UTF-16 units, 1 character
      case 2:
        return 'a\uFE0F'.repeat(n); // a presentation sequence: 2 units, 1 character
      case 3:
        return 'é'.repeat(n);
      case 4:
        return '\uFE0F'.repeat(n); // no base character: counted as units
      default:
        return Array.from({ length: n }, () => this.pick(['a', '\u{1F600}', 'b\uFE0E', 'ü'])).join(
          '',
        );
    }
  }

  /** Lengths around every bound the DTOs have. */
  boundaryText(): string {
    const max = this.pick([64, 100, 512, 2048]);
    return this.text(max + this.pick([-1, 0, 1, 2]));
  }

  scalar(): unknown {
    return this.pick<() => unknown>([
      () => null,
      () => true,
      () => false,
      () => 0,
      () => -1,
      () => 12.5,
      () => -0.001,
      () => 1e21,
      () => 2 ** 53 + 2,
      () => Number.MAX_SAFE_INTEGER,
      () => 100,
      () => 10n ** 30n,
      () => -(10n ** 79n),
      () => 10n ** 80n, // refused by the pre-check: 81 digits
      () => Infinity, // refused by the pre-check
      () => '',
      () => '100',
      () => '-5',
      () => '1e2',
      () => '12.5',
      () => '9'.repeat(80),
      () => '9'.repeat(81),
      () => '50%',
      () => 'left',
      () => '@World',
      () => 'bln_x',
      () => 'USD',
      () => '2027-01-01T00:00:00Z',
      () => '\u0000', // refused by the pre-check
      () => '\uD800', // an unpaired surrogate: refused by the pre-check
      () => this.boundaryText(),
    ])();
  }

  metaData(): unknown {
    return this.pick<() => unknown>([
      () => ({}),
      () => ({ a: 1, b: { c: [1, 'x'] } }),
      () => ({ ['k'.repeat(256)]: 1 }),
      () => ({ ['k'.repeat(257)]: 1 }),
      () => ({ a: 'x'.repeat(10_000) }),
      () => ({ a: ['x'.repeat(10_001)] }),
      () => ({ ['k'.repeat(257)]: 'x'.repeat(10_001) }),
      () => ({ a: 'x'.repeat(10_001), ['k'.repeat(300)]: 1 }),
      () => ({ toString: 1, valueOf: 'v' }),
      () => [],
      () => [{ a: 1 }],
      () => 'meta',
      () => 5,
      () => null,
    ])();
  }

  any(depth = 0): unknown {
    const k = this.int(10);
    if (depth < 2 && k === 0) return Array.from({ length: this.int(3) }, () => this.any(depth + 1));
    if (depth < 2 && k === 1) return { x: this.any(depth + 1) };
    if (depth < 2 && k === 2) return this.distribution(depth + 1);
    if (k === 3) return this.metaData();
    return this.scalar();
  }

  unknownKey(): string {
    return this.pick([
      'foo',
      'precise_amout',
      '',
      'Amount',
      'toString',
      'valueOf',
      'hasOwnProperty',
      'isPrototypeOf',
      '__defineGetter__',
      'toJSON',
      'then',
      'sources.0',
      'sources.0.identifier',
      'destinations.1',
      'identifier',
      '__proto__', // the pre-check refuses these three anywhere
      'constructor',
      'prototype',
    ]);
  }

  /** Sets, nulls, deletes or mistypes `n` fields of `body`, or adds unknown ones. */
  mutate(body: Record<string, unknown>, fields: string[], n: number, depth: number): void {
    for (let i = 0; i < n; i++) {
      if (this.chance(0.15)) {
        body[this.unknownKey()] = this.any(depth + 1);
        continue;
      }
      const f = this.pick(fields);
      const kind = this.int(8);
      if (kind === 0) delete body[f];
      else if (kind === 1) body[f] = null;
      else if (kind === 2 && (f === 'sources' || f === 'destinations')) {
        body[f] = this.distributions(depth + 1, true);
      } else if (kind === 3 && f === 'meta_data') body[f] = this.metaData();
      else body[f] = this.any(depth + 1);
    }
  }

  distribution(depth: number, bad = this.chance(0.3)): Record<string, unknown> {
    const item: Record<string, unknown> = { identifier: this.pick(['@a', 'bln_1', '@b']) };
    if (this.chance(0.6)) item.distribution = this.pick(['50%', 'left', '100.50']);
    if (this.chance(0.3)) item.precise_distribution = this.pick(['1006', 'left']);
    if (this.chance(0.1)) item.transaction_id = 'txn_1';
    if (bad && this.chance(0.3)) {
      item[this.pick(['distribution', 'precise_distribution'])] = this.text(this.pick([100, 101]));
    }
    if (bad) this.mutate(item, DISTRIBUTION_FIELDS, 1 + this.int(3), depth);
    return this.shuffled(item);
  }

  distributions(depth: number, bad: boolean): unknown {
    if (bad && this.chance(0.25)) {
      return this.pick<() => unknown>([
        () => this.distribution(depth), // an object, not a list
        () => 'a',
        () => 5,
        () => 10n,
        () => true,
        () => ({}),
      ])();
    }
    return Array.from({ length: this.int(4) }, () => {
      if (!bad || this.chance(0.6)) return this.distribution(depth, bad && this.chance(0.5));
      return this.pick<() => unknown>([
        () => null,
        () => 5,
        () => 'x',
        () => [],
        () => [this.distribution(depth + 1)],
        () => [this.distribution(depth + 1, true), null, [null]],
      ])();
    });
  }

  shuffled(o: Record<string, unknown>): Record<string, unknown> {
    const keys = Object.keys(o);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [keys[i], keys[j]] = [keys[j], keys[i]];
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = o[k];
    return out;
  }

  /** A valid transfer, then 0 to 5 changes (a third of the bodies are left untouched). */
  body(): Record<string, unknown> {
    const b: Record<string, unknown> = {
      currency: this.pick(['USD', 'NGN', 'C'.repeat(64)]),
      reference: `ref-${this.int(1e6)}`,
      description: this.pick(['d', 'Card payment', this.text(2048)]),
    };
    if (this.chance(0.8)) b.precise_amount = this.pick<unknown>([100, 10n ** 40n, '100', '-7']);
    else b.amount = this.pick<unknown>([12.5, 1, 10n ** 20n]);
    if (this.chance(0.5)) b.precision = this.pick<unknown>([100, 1, 0]);
    if (this.chance(0.7)) {
      b.source = '@World';
      b.destination = 'bln_b';
    } else {
      b.source = '@World';
      b.destinations = this.distributions(1, false);
    }
    if (this.chance(0.3)) b.sources = this.distributions(1, false);
    for (const f of ['allow_overdraft', 'inflight', 'skip_queue', 'atomic', 'dry_run']) {
      if (this.chance(0.2)) b[f] = this.chance(0.5);
    }
    if (this.chance(0.2)) b.overdraft_limit = this.pick([0, 10.5, 1000]);
    if (this.chance(0.2)) b.scheduled_for = '2027-01-01T00:00:00Z';
    if (this.chance(0.3)) b.meta_data = this.pick([{}, { order: 1 }, { a: { b: [1, 2n ** 70n] } }]);
    if (this.chance(0.1)) b.rate = this.pick<unknown>([1, 1.5, 10n ** 25n]);
    if (this.chance(0.05)) b.balance_id = 'bln_c';
    if (this.chance(0.1)) b.inflight_expiry_date = '2027-01-01T00:00:00Z';
    if (this.chance(0.1)) b.effective_date = 'not a date';
    if (!this.chance(1 / 3)) this.mutate(b, RECORD_FIELDS, 1 + this.int(5), 0);
    return this.shuffled(b);
  }
}

/** The first difference between two decoded values, or undefined: prototypes, key order, values. */
function difference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (typeof a !== 'object' || a === null || b === null) {
    return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b as object);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) {
    return `${path}: keys ${ka.map(String).join(',')} vs ${kb.map(String).join(',')}`;
  }
  for (const k of ka) {
    const da = Object.getOwnPropertyDescriptor(a, k)!;
    const db = Object.getOwnPropertyDescriptor(b, k)!;
    if (da.enumerable !== db.enumerable || da.writable !== db.writable) {
      return `${path}.${String(k)}: descriptors differ`;
    }
    const d = difference(da.value, db.value, `${path}.${String(k)}`);
    if (d) return d;
  }
  return undefined;
}

const show = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x))?.slice(0, 2000);

type Outcome = { valid: number; messages: Map<string, number> };

function compare(cls: new () => object, body: Record<string, unknown>, outcome: Outcome): void {
  const old = validateDtoByDecorators(cls, body);
  const now = validateDto(cls, body);
  if (typeof old === 'string' || typeof now === 'string') {
    if (old !== now) {
      throw new Error(`body ${show(body)}\n decorators: ${show(old)}\n decoder:    ${show(now)}`);
    }
    outcome.messages.set(old as string, (outcome.messages.get(old as string) ?? 0) + 1);
    return;
  }
  const d = difference(old, now);
  if (d) throw new Error(`body ${show(body)}\n ${d}`);
  // meta_data reaches the DTO as parsed, not copied (IsJsonObject): the same object both ways.
  const meta = (x: object) => (x as { meta_data?: unknown }).meta_data;
  if (meta(old) !== meta(now)) throw new Error(`body ${show(body)}\n meta_data copied`);
  outcome.valid++;
}

describe('RecordTransactionDto decoder vs class-validator', () => {
  it('is the one validateDto uses for both classes', () => {
    expect(dtoDecoderOf(RecordTransactionDto)).toBeDefined();
    expect(dtoDecoderOf(DistributionDto)).toBeDefined();
    expect(RECORD_FIELDS).toHaveLength(23);
    expect(DISTRIBUTION_FIELDS).toEqual([
      'identifier',
      'distribution',
      'precise_distribution',
      'transaction_id',
    ]);
  });

  it('gives the same instance or message on 6,000 generated bodies', () => {
    const g = new Gen(rng(18));
    const outcome: Outcome = { valid: 0, messages: new Map() };
    for (let i = 0; i < 6000; i++) compare(RecordTransactionDto, g.body(), outcome);
    // The generator must reach both outcomes and many kinds of refusal, or it proves nothing.
    expect(outcome.valid).toBeGreaterThan(1500);
    expect(outcome.messages.size).toBeGreaterThan(1000);
    const all = [...outcome.messages.keys()].join('\n');
    for (const reason of [
      'unknown field',
      'cannot be null',
      'cannot be blank',
      'must be a string',
      'must be at most 64 characters',
      'must be at most 100 characters',
      'must be at most 512 characters',
      'must be at most 2048 characters',
      'must be a number',
      'must be a finite number',
      'must be an integer',
      'must be a boolean',
      'must be an array',
      'must be a JSON object',
      'each item must be a JSON object',
      'keys must be at most 256 characters',
      'text values must be at most 10000 characters',
      'has a forbidden key',
      'is too large',
      UNSTORABLE,
    ]) {
      expect(all).toContain(reason);
    }
    expect(all).toMatch(/sources\.\d+\.\d+\./); // lists within lists
    expect(all).toMatch(/; .*; /); // several fields at once
  });

  it('gives the same result for distribution items on their own', () => {
    const g = new Gen(rng(1806));
    const outcome: Outcome = { valid: 0, messages: new Map() };
    for (let i = 0; i < 2000; i++) compare(DistributionDto, g.distribution(0), outcome);
    expect(outcome.valid).toBeGreaterThan(300);
    expect(outcome.messages.size).toBeGreaterThan(100);
  });

  it.each<[string, Record<string, unknown>]>([
    ['an unknown key that collides with a nested path', { 'sources.0': 1, sources: [5] }],
    ['a nested path that collides the other way', { sources: [5], 'sources.0': 1 }],
    ['a list of lists', { sources: [[{ identifier: '@a' }], []] }],
    ['a single object for a list', { sources: { identifier: '@a', x: 1 } }],
    ['a key present as undefined', { source: undefined, sources: [{ identifier: '@a' }] }],
    ['only prototype names as extra keys', { toString: 1, valueOf: null, hasOwnProperty: {} }],
    ['64 surrogate pairs in a currency (128 units)', { currency: '\u{1F600}'.repeat(64) }],
    ['65 surrogate pairs in a currency', { currency: '\u{1F600}'.repeat(65) }],
    ['64 presentation sequences', { currency: 'a\uFE0F'.repeat(64) }],
    ['65 lone variation selectors', { currency: '\uFE0F'.repeat(65) }],
  ])('agrees on %s', (_name, over) => {
    const body = { precise_amount: 1, currency: 'USD', reference: 'r', description: 'd', ...over };
    compare(RecordTransactionDto, body, { valid: 0, messages: new Map() });
  });
});

const UNSTORABLE = 'must not contain a NUL character or an unpaired UTF-16 surrogate';
