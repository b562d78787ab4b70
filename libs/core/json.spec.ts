import fc from 'fast-check';
import {
  isUnstorableText,
  JsonBodyError,
  MAX_JSON_DEPTH,
  parseJson,
  STORED_JSON,
  stringifyJson,
} from './json';

const refused = (text: string) => {
  try {
    parseJson(text);
  } catch (e) {
    expect(e).toBeInstanceOf(JsonBodyError);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${text.slice(0, 80)}`);
};

const nested = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

describe('parseJson', () => {
  it('reads what JSON.parse reads, with big integers exact', () => {
    expect(parseJson('{"a":[1,2.5,"x",true,false,null,{}],"b":{"c":[]}}')).toEqual({
      a: [1, 2.5, 'x', true, false, null, {}],
      b: { c: [] },
    });
    expect(parseJson('123456789012345678901234567890')).toBe(123456789012345678901234567890n);
    expect(parseJson('1e18')).toBe(10n ** 18n);
    expect(parseJson(' "a\\n\\u00e9\\ud83d\\ude00" ')).toBe('a\né😀');
  });

  it('agrees with JSON.parse on arbitrary JSON without big numbers', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const text = JSON.stringify(v);
        const safe = text.includes('__proto__') || /\\u0000|\\ud[89a-f]/i.test(text);
        fc.pre(!safe && !/\d{16,}|e[+-]?\d/i.test(text));
        expect(parseJson(text)).toEqual(JSON.parse(text));
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('on any text throws JsonBodyError or agrees with JSON.parse, and refuses only what it must', () => {
    const unit = fc.oneof(
      fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', 'u', '0', '1', '-', '.', 'e', ' '),
      fc.constantFrom('true', 'null', '"a"', '"\\u0000"', '"\\ud800"', '"__proto__"', '1e400'),
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), (text) => {
        let mine: unknown;
        try {
          mine = parseJson(text);
        } catch (e) {
          expect(e).toBeInstanceOf(JsonBodyError);
          return;
        }
        // Accepted: then it is JSON, and read as JSON.parse reads it (numbers aside).
        const native: unknown = JSON.parse(text);
        if (!/\d/.test(text)) expect(mine).toEqual(native);
      }),
      { seed: 11, numRuns: 3000 },
    );
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
        (s) => {
          const text = JSON.stringify({ k: s });
          if (isUnstorableText(s)) expect(() => parseJson(text)).toThrow(JsonBodyError);
          else expect(parseJson(text)).toEqual({ k: s });
        },
      ),
      { seed: 11, numRuns: 1000 },
    );
  });

  it('refuses malformed JSON with a position', () => {
    for (const text of [
      '',
      '{',
      '[1,]',
      '{"a":1,}',
      '{"a" 1}',
      '01',
      '{"a":1} x',
      '"\u0001"',
      'nul',
    ]) {
      expect(refused(text)).toMatch(/\(at position \d+\)$/);
    }
    expect(refused('"\\x"')).toMatch(/invalid escape/);
  });

  it(`limits nesting to ${MAX_JSON_DEPTH} levels, at any depth without overflowing the stack`, () => {
    expect(parseJson(nested(MAX_JSON_DEPTH))).toBeDefined();
    expect(refused(nested(MAX_JSON_DEPTH + 1))).toMatch(
      /^a(\.a)*: is nested too deeply \(at most 32 levels\)/,
    );
    for (const depth of [1500, 4500, 100_000]) {
      const message = refused('['.repeat(depth) + ']'.repeat(depth));
      expect(message).toMatch(/is nested too deeply/);
      expect(message).not.toMatch(/call stack/i);
    }
    // Stored JSON (our own JSONB) is read whatever its depth, still without recursion.
    expect(parseJson('['.repeat(100_000) + ']'.repeat(100_000), STORED_JSON)).toBeDefined();
  });

  it('refuses prototype keys however they are written, and keeps every other key', () => {
    for (const key of [
      '__proto__',
      'constructor',
      'prototype',
      '\\u005f_proto__',
      '\\u0063onstructor',
    ]) {
      expect(refused(`{"meta_data":{"${key}":{"a":1}}}`)).toMatch(/^meta_data: forbidden key/);
    }
    const v = parseJson('{"toString":1,"valueOf":"v","hasOwnProperty":true}') as object;
    expect(Object.entries(v)).toEqual([
      ['toString', 1],
      ['valueOf', 'v'],
      ['hasOwnProperty', true],
    ]);
    // Stored JSON with such a key gets an own property; the prototype is untouched.
    const stored = parseJson('{"__proto__":{"polluted":1}}', STORED_JSON) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect(Object.keys(stored)).toEqual(['__proto__']);
  });

  it('refuses text PostgreSQL cannot store, in keys and strings, naming the member', () => {
    expect(refused('{"reference":"a\\u0000b"}')).toMatch(/^reference: must not contain a NUL/);
    expect(refused('{"m":{"k\\u0000":1}}')).toMatch(/^m: has a key that must not contain a NUL/);
    expect(refused('{"m":["ok","\\udc00"]}')).toMatch(/^m\.1: must not contain a NUL/);
    expect(refused('{"a":1,"a":2}')).toMatch(/duplicate key "a"/);
  });

  it('round-trips big integers through stringifyJson', () => {
    const text = '{"a":123456789012345678901234567890,"b":[1.5]}';
    expect(stringifyJson(parseJson(text))).toBe(text);
  });
});
