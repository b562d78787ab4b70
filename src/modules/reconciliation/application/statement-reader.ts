import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parse as parseCsv } from 'csv-parse';
import { parse as parseLossless } from 'lossless-json';
import type { RowError } from '../domain/reconciliation.errors';
import { headerErrors, normalizeColumn } from '../domain/statement';

export type StatementItem =
  | { kind: 'row'; row: number; fields: Record<string, unknown> }
  | { kind: 'error'; error: RowError; fatal: boolean };

export type StatementFormat = 'csv' | 'json';

/** Bytes looked at to tell CSV from JSON when the file name does not say. */
const SNIFF_BYTES = 64 * 1024;
/** Longest JSON element: a statement row, not a document. */
const MAX_JSON_ELEMENT = 64 * 1024;

/**
 * Reference §8.1's detection: by extension first, else by content (JSON when it starts with
 * `[`, CSV when its first two lines have the same number of commas, at least one).
 */
export function detectFormat(
  filename: string | undefined,
  head: string,
): StatementFormat | undefined {
  const name = (filename ?? '').toLowerCase();
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.json')) return 'json';
  const text = head.replace(/^\uFEFF/, '');
  if (text.trimStart().startsWith('[')) return 'json';
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length >= 2) {
    const commas = (l: string) => l.split(',').length - 1;
    if (commas(lines[0]) > 0 && commas(lines[0]) === commas(lines[1])) return 'csv';
  }
  return undefined;
}

/**
 * The rows of an uploaded statement as they stream in (never the whole file in memory): CSV by
 * csv-parse, JSON element by element. Faults come out as items too; a fatal one ends the file.
 */
export async function* readStatement(
  input: Readable,
  filename?: string,
): AsyncGenerator<StatementItem> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    size += chunk.length;
  }
  const format = detectFormat(filename, Buffer.concat(head).toString('utf8'));
  if (!format) {
    yield { kind: 'error', fatal: true, error: { row: 0, message: 'unsupported file type' } };
    return;
  }
  const whole = Readable.from(
    (async function* () {
      yield* head;
      if (done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    })(),
  );
  yield* format === 'csv' ? csvRows(whole) : jsonRows(whole);
}

async function* csvRows(input: Readable): AsyncGenerator<StatementItem> {
  const parser = input.pipe(
    parseCsv({ bom: true, relax_column_count: true, skip_empty_lines: true }),
  );
  // pipe() does not carry the file's own failure (a client gone mid-body, a download broken off
  // past the sniffed head) to the parser: unheard, it was an uncaught 'error' and the parser
  // never ended, so the upload hung with its rows staged. It ends the parser and is rethrown.
  let failed: { error: unknown } | undefined;
  input.on('error', (error) => {
    failed = { error };
    parser.destroy(error);
  });
  let header: string[] | undefined;
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = record.map(normalizeColumn);
        const errors = headerErrors(record);
        for (const error of errors) yield { kind: 'error', fatal: true, error };
        if (errors.length) return;
        continue;
      }
      row++;
      if (record.length !== header.length) {
        yield {
          kind: 'error',
          fatal: false,
          error: {
            row,
            message: `row has ${record.length} fields, the header has ${header.length}`,
          },
        };
        continue;
      }
      const fields: Record<string, unknown> = Object.create(null);
      header.forEach((c, i) => (fields[c] = record[i]));
      yield { kind: 'row', row, fields };
    }
  } catch (e) {
    if (failed) throw failed.error;
    yield {
      kind: 'error',
      fatal: true,
      error: { row: row + 1, message: `not valid CSV: ${(e as Error).message}` },
    };
    return;
  }
  if (!header)
    yield { kind: 'error', fatal: true, error: { row: 0, message: 'the file is empty' } };
}

/** Splits a top-level JSON array into its elements without holding more than one. */
async function* jsonRows(input: Readable): AsyncGenerator<StatementItem> {
  const decoder = new StringDecoder('utf8');
  // start: before '['; first: after '[' or ','; after: after an element; element: inside one.
  let state: 'start' | 'first' | 'after' | 'element' | 'end' = 'start';
  let commaSeen = false;
  let depth = 0;
  let inString = false;
  let escape = false;
  let element = '';
  let row = 0;
  const fail = (message: string): StatementItem => ({
    kind: 'error',
    fatal: true,
    error: { row: row + 1, message },
  });
  for await (const chunk of input) {
    const text = decoder.write(chunk as Buffer);
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (state === 'element') {
        element += ch;
        if (element.length > MAX_JSON_ELEMENT) {
          return yield fail(`element is longer than ${MAX_JSON_ELEMENT} characters`);
        }
        if (inString) {
          if (escape) escape = false;
          else if (ch === '\\') escape = true;
          else if (ch === '"') inString = false;
        } else if (ch === '"') inString = true;
        else if (ch === '{' || ch === '[') depth++;
        else if ((ch === '}' || ch === ']') && --depth === 0) {
          row++;
          yield jsonElement(element, row);
          element = '';
          state = 'after';
        }
        continue;
      }
      if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t' || ch === '\uFEFF') continue;
      if (state === 'start') {
        if (ch !== '[') return yield fail('not a JSON array');
        state = 'first';
      } else if (state === 'first') {
        if (ch === ']' && !commaSeen) state = 'end';
        else if (ch === '{' || ch === '[') {
          state = 'element';
          depth = 1;
          element = ch;
        } else return yield fail('each element must be a JSON object');
      } else if (state === 'after') {
        if (ch === ']') state = 'end';
        else if (ch === ',') {
          state = 'first';
          commaSeen = true;
        } else return yield fail(`expected ',' or ']' after element ${row}`);
      } else return yield fail('text after the end of the array');
    }
  }
  if (state !== 'end') yield fail('the JSON array is not closed');
}

function jsonElement(text: string, row: number): StatementItem {
  let value: unknown;
  try {
    // Numbers as their text, so that an amount stays exact.
    value = parseLossless(text, null, (s: string) => s);
  } catch (e) {
    return {
      kind: 'error',
      fatal: true,
      error: { row, message: `not valid JSON: ${(e as Error).message}` },
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      kind: 'error',
      fatal: false,
      error: { row, message: 'each element must be a JSON object' },
    };
  }
  const fields: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(value)) fields[normalizeColumn(k)] = v;
  return { kind: 'row', row, fields };
}
