import type { SearchDocument } from './collections';
import { normalizeWord } from './search-request';

/**
 * Typo tolerance as both adapters apply it (Typesense's defaults): no typo in a word shorter than
 * 4 letters, one from 4 letters (`min_len_1typo`), two from 7 (`min_len_2typo`), never more than
 * `num_typos`. A typo is one Levenshtein edit (insert, delete, substitute).
 */
export function typoBudget(token: string, numTypos: number): number {
  const n = [...token].length;
  if (n >= 7) return Math.min(2, numTypos);
  if (n >= 4) return Math.min(1, numTypos);
  return 0;
}

/** Levenshtein distance, giving up (returning max + 1) once it must exceed `max`. */
export function editDistance(a: string, b: string, max: number): number {
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > max) return max + 1;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      best = Math.min(best, cur[j]);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[y.length];
}

/** A search runs without typos first; only when that finds nothing, with them (Typesense's way). */
export type MatchPass = 'exact' | 'typo';

export interface MatchOptions {
  pass: MatchPass;
  prefix: boolean;
  numTypos: number;
}

/** Whether query token `i` of `tokens` matches the (normalized) word. */
export function tokenMatchesWord(tokens: string[], i: number, word: string, o: MatchOptions) {
  const t = tokens[i];
  if (word === t) return true;
  if (o.prefix && i === tokens.length - 1 && word.startsWith(t)) return true;
  if (o.pass !== 'typo') return false;
  const k = typoBudget(t, o.numTypos);
  return k > 0 && editDistance(word, t, k) <= k;
}

/** The score a hit gets, equal for every hit of one pass, so sort_by decides the order. */
export const TEXT_MATCH: Record<MatchPass, number> = { exact: 1_000_000, typo: 500_000 };

export interface Highlight {
  field: string;
  matched_tokens: string[];
  snippet: string;
}

/**
 * Typesense's `highlights` for a hit: per `query_by` field that has a matching word, the words
 * that matched and the text with each one wrapped in `<mark>`.
 */
export function highlightsOf(
  doc: SearchDocument,
  queryBy: string[],
  tokens: string[],
  o: MatchOptions,
): Highlight[] {
  const out: Highlight[] = [];
  if (!tokens.length) return out;
  for (const field of queryBy) {
    const text = doc[field];
    if (typeof text !== 'string' || !text) continue;
    const matched: string[] = [];
    const snippet = text
      .split(/(\s+)/)
      .map((part) => {
        const w = normalizeWord(part);
        const hit = w && tokens.some((_, i) => tokenMatchesWord(tokens, i, w, o));
        if (!hit) return part;
        matched.push(part);
        return `<mark>${part}</mark>`;
      })
      .join('');
    if (matched.length) out.push({ field, matched_tokens: matched, snippet });
  }
  return out;
}
