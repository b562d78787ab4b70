import type { Tx } from '@libs/core/unit-of-work';
import {
  boundingDrifts,
  candidateBounds,
  groupAmountBounds,
  MatchGroup,
  matchingRule,
} from '../domain/matching';
import type { MatchingRule } from '../domain/matching-rule';
import type { MatchRecord, UnmatchedRecord } from '../domain/reconciliation';
import {
  CandidateQuery,
  InternalCandidate,
  InternalTransactions,
} from './ports/internal-transactions';
import type { MatchGroups } from './ports/match-groups';
import type { ExternalRow } from './ports/reconciliation.repository';

export interface BatchResult {
  matches: MatchRecord[];
  unmatched: UnmatchedRecord[];
}

interface Search<Item, Q, C> {
  first(item: Item): Q;
  fetch(queries: Q[]): Promise<C[][]>;
  next(query: Q, last: C): Q;
  key(candidate: C): string;
  accept(item: Item, candidate: C): MatchingRule | undefined;
  limit: number;
}

/**
 * Each item in order takes the first candidate, in the candidates' order, that a rule accepts
 * and no earlier item took (a taken group or transaction is consumed, reference §8.3). The first
 * page of every item comes in one statement; an item whose page is full and holds nothing for it
 * asks for its next page before any later item is decided, so the result is exactly that of
 * going through the items one by one.
 */
export async function takeFirst<Item, Q, C>(
  items: Item[],
  s: Search<Item, Q, C>,
): Promise<({ candidate: C; rule: MatchingRule } | null)[]> {
  const taken = new Set<string>();
  const out: ({ candidate: C; rule: MatchingRule } | null)[] = [];
  const queries = items.map((i) => s.first(i));
  const pages = items.length ? await s.fetch(queries) : [];
  for (let i = 0; i < items.length;) {
    let found: { candidate: C; rule: MatchingRule } | null = null;
    for (const c of pages[i]) {
      if (taken.has(s.key(c))) continue;
      const rule = s.accept(items[i], c);
      if (rule) {
        found = { candidate: c, rule };
        break;
      }
    }
    if (found || pages[i].length < s.limit) {
      if (found) taken.add(s.key(found.candidate));
      out.push(found);
      i++;
      continue;
    }
    queries[i] = s.next(queries[i], pages[i][pages[i].length - 1]);
    [pages[i]] = await s.fetch([queries[i]]);
  }
  return out;
}

const dateOf = (us: bigint) => new Date(Number(us / 1000n));

/**
 * one_to_many (reference §8.3): each external row against the run's groups of internal
 * transactions, in group order; the first group a rule accepts (external row against the group's
 * summary) is the row's and is consumed; one match per member.
 */
export async function oneToMany(
  tx: Tx,
  groups: MatchGroups,
  runId: string,
  rules: MatchingRule[],
  rows: ExternalRow[],
  limit: number,
): Promise<BatchResult & { consumed: bigint[] }> {
  const drifts = boundingDrifts(rules);
  type Q = { bounds: ReturnType<typeof candidateBounds>; afterOrdinal?: bigint };
  const picks = await takeFirst<ExternalRow, Q, MatchGroup>(rows, {
    first: (row) => ({
      bounds: {
        ...(drifts.amount !== undefined ? groupAmountBounds(row.amount, drifts.amount) : {}),
        ...(drifts.dateMicros !== undefined
          ? {
              dateLowMicros: row.dateMicros - drifts.dateMicros,
              dateHighMicros: row.dateMicros + drifts.dateMicros,
            }
          : {}),
      },
    }),
    fetch: (qs) => groups.groupCandidates(tx, runId, qs, limit),
    next: (q, last) => ({ ...q, afterOrdinal: last.ordinal }),
    key: (g) => g.ordinal.toString(),
    accept: (row, g) => matchingRule(rules, row, g),
    limit,
  });
  const out = {
    matches: [] as MatchRecord[],
    unmatched: [] as UnmatchedRecord[],
    consumed: [] as bigint[],
  };
  picks.forEach((p, i) => {
    const row = rows[i];
    if (!p) return out.unmatched.push({ externalSeq: row.seq, externalId: row.externalId });
    out.consumed.push(p.candidate.ordinal);
    for (const member of p.candidate.members) {
      out.matches.push({
        externalSeq: row.seq,
        externalId: row.externalId,
        internalTransactionId: member,
        amount: row.amount,
        date: dateOf(row.dateMicros),
        ruleId: p.rule.ruleId,
      });
    }
  });
  return out;
}

/**
 * many_to_one (reference §8.3): internal transactions against the run's groups of external rows.
 * Blnk walks every internal transaction and gives it the first group its rules accept (the
 * internal transaction in the place of the external one, the group's summary in the place of
 * the internal one); a group is consumed, and so is the transaction. Walking the groups instead,
 * each taking the first unclaimed transaction (created_at order) a rule accepts, gives the same
 * pairs (both orders are fixed, so there is one such assignment) while each group's candidates
 * come from a range query; one match per external member.
 */
export async function manyToOne(
  tx: Tx,
  internal: InternalTransactions,
  runId: string,
  rules: MatchingRule[],
  groups: MatchGroup[],
  limit: number,
): Promise<BatchResult & { claimed: string[] }> {
  const drifts = boundingDrifts(rules);
  const picks = await takeFirst<MatchGroup, CandidateQuery, InternalCandidate>(groups, {
    first: (g) => ({ bounds: candidateBounds(g, drifts) }),
    fetch: (qs) => internal.candidates(tx, qs, limit, runId),
    next: (q, last) => ({
      ...q,
      after: { dateMicros: last.dateMicros, transactionId: last.transactionId },
    }),
    key: (c) => c.transactionId,
    accept: (g, c) => matchingRule(rules, c, g),
    limit,
  });
  const out = {
    matches: [] as MatchRecord[],
    unmatched: [] as UnmatchedRecord[],
    claimed: [] as string[],
  };
  picks.forEach((p, i) => {
    const g = groups[i];
    for (const seq of g.members.map(BigInt)) {
      if (!p) {
        out.unmatched.push({ externalSeq: seq, externalId: '' });
        continue;
      }
      out.matches.push({
        externalSeq: seq,
        externalId: '',
        internalTransactionId: p.candidate.transactionId,
        amount: g.amount,
        date: dateOf(g.dateMicros),
        ruleId: p.rule.ruleId,
      });
    }
    if (p) out.claimed.push(p.candidate.transactionId);
  });
  return out;
}
