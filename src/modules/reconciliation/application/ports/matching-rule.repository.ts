import type { Tx } from '@libs/core/unit-of-work';
import type { MatchingRule } from '../../domain/matching-rule';

/** Matching rules (reference §2.10). */
export abstract class MatchingRuleRepository {
  abstract insert(tx: Tx, rule: MatchingRule): Promise<void>;
  /** Replaces name, description, criteria and updated_at; false when there is no such rule. */
  abstract replace(tx: Tx, rule: MatchingRule): Promise<boolean>;
  /** False when there is no such rule. */
  abstract delete(tx: Tx, id: string): Promise<boolean>;
  abstract findById(id: string): Promise<MatchingRule | null>;
  /** The rules of these ids that exist, in the order of `ids`. */
  abstract findByIds(ids: string[]): Promise<MatchingRule[]>;
  /** Oldest first. */
  abstract list(limit: number, offset: number): Promise<MatchingRule[]>;
}
