import { formatFloat } from '@libs/core/decimal';
import { ruleInvalid } from './reconciliation.errors';

export const RULE_FIELDS = ['amount', 'date', 'description', 'reference', 'currency'] as const;
export type RuleField = (typeof RULE_FIELDS)[number];
export const RULE_OPERATORS = ['equals', 'greater_than', 'less_than', 'contains'] as const;
export type RuleOperator = (typeof RULE_OPERATORS)[number];

/**
 * One condition of a rule (reference §8.2). `drift` is an exact decimal string: a fraction 0..1
 * for amounts, seconds for dates, a percentage 0..100 for text. `value` and `pattern` are kept
 * and shown, never used by matching (as in Blnk).
 */
export interface Criterion {
  field: RuleField;
  operator: RuleOperator;
  value: string;
  pattern: string;
  drift: string;
}

export interface MatchingRule {
  ruleId: string;
  name: string;
  description: string;
  criteria: Criterion[];
  createdAt: Date;
  updatedAt: Date;
}

/** A criterion as the client sent it, before validation. */
export interface CriterionInput {
  field?: string;
  operator?: string;
  value?: string;
  pattern?: string;
  allowable_drift?: number;
}

export interface RuleInput {
  name?: string;
  description?: string;
  criteria?: CriterionInput[];
}

const isOneOf = <T extends string>(list: readonly T[], v: string): v is T =>
  (list as readonly string[]).includes(v);

/** Most criteria one rule may have: each costs a comparison per candidate. */
export const MAX_CRITERIA = 50;

/**
 * Blnk's rule validation, in its order and with its messages (reference §2.10), plus: a text
 * drift is a percentage 0..100 (Blnk takes any number there, and a negative one never matches).
 * @throws DomainError RECON_RULE_INVALID.
 */
export function validateRule(
  input: RuleInput,
): Omit<MatchingRule, 'ruleId' | 'createdAt' | 'updatedAt'> {
  const name = (input.name ?? '').trim();
  if (!name) throw ruleInvalid('rule name is required');
  const list = input.criteria ?? [];
  if (list.length === 0) throw ruleInvalid('at least one matching criteria is required');
  if (list.length > MAX_CRITERIA) throw ruleInvalid(`at most ${MAX_CRITERIA} criteria per rule`);
  const criteria = list.map((c, i): Criterion => {
    if (!c.field || !c.operator)
      throw ruleInvalid('field and operator are required for each criteria', { index: i });
    if (!isOneOf(RULE_OPERATORS, c.operator))
      throw ruleInvalid('invalid operator', { index: i, operator: c.operator });
    if (!isOneOf(RULE_FIELDS, c.field))
      throw ruleInvalid('invalid field', { index: i, field: c.field });
    const drift = formatFloat(c.allowable_drift ?? 0);
    const n = Number(drift);
    if (c.field === 'amount' && (n < 0 || n > 1)) {
      throw ruleInvalid('drift for amount must be between 0 and 1 (a fraction: 0.01 is 1%)', {
        index: i,
      });
    }
    if (c.field === 'date' && n < 0)
      throw ruleInvalid('drift for date must be non-negative (seconds)', { index: i });
    if (c.field !== 'amount' && c.field !== 'date' && (n < 0 || n > 100)) {
      throw ruleInvalid('drift for text must be between 0 and 100 (a percentage)', { index: i });
    }
    return {
      field: c.field,
      operator: c.operator,
      value: c.value ?? '',
      pattern: c.pattern ?? '',
      drift,
    };
  });
  return { name, description: input.description ?? '', criteria };
}
