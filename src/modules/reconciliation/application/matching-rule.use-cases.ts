import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { MatchingRule, RuleInput, validateRule } from '../domain/matching-rule';
import { ruleNotFound } from '../domain/reconciliation.errors';
import { MatchingRuleRepository } from './ports/matching-rule.repository';

/** Matching rule CRUD (reference §2.10), plus list and get. */
@Injectable()
export class MatchingRuleUseCases {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly rules: MatchingRuleRepository,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /** @throws DomainError RECON_RULE_INVALID. */
  async create(input: RuleInput): Promise<MatchingRule> {
    const now = this.clock.now();
    const rule: MatchingRule = {
      ruleId: this.ids.next('rule'),
      createdAt: now,
      updatedAt: now,
      ...validateRule(input),
    };
    await this.uow.run((tx) => this.rules.insert(tx, rule));
    return rule;
  }

  /** Full replacement, created_at kept. @throws DomainError RECON_RULE_INVALID, RECON_RULE_NOT_FOUND. */
  async replace(id: string, input: RuleInput): Promise<MatchingRule> {
    const valid = validateRule(input);
    const current = await this.get(id);
    const rule: MatchingRule = { ...current, ...valid, updatedAt: this.clock.now() };
    if (!(await this.uow.run((tx) => this.rules.replace(tx, rule)))) throw ruleNotFound(id);
    return rule;
  }

  /** @throws DomainError RECON_RULE_NOT_FOUND. */
  async delete(id: string): Promise<void> {
    if (!(await this.uow.run((tx) => this.rules.delete(tx, id)))) throw ruleNotFound(id);
  }

  /** @throws DomainError RECON_RULE_NOT_FOUND. */
  async get(id: string): Promise<MatchingRule> {
    const r = await this.rules.findById(id);
    if (!r) throw ruleNotFound(id);
    return r;
  }

  list(limit: number, offset: number): Promise<MatchingRule[]> {
    return this.rules.list(limit, offset);
  }

  /** Every rule of `ids`, in that order. @throws DomainError RECON_RULE_NOT_FOUND naming the first missing. */
  async resolve(ids: string[]): Promise<MatchingRule[]> {
    const unique = [...new Set(ids)];
    const found = await this.rules.findByIds(unique);
    const byId = new Map(found.map((r) => [r.ruleId, r]));
    const missing = unique.find((id) => !byId.has(id));
    if (missing !== undefined) throw ruleNotFound(missing);
    return unique.map((id) => byId.get(id)!);
  }
}
