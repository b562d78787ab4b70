import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import { MatchingRuleRepository } from '../../application/ports/matching-rule.repository';
import type { MatchingRule } from '../../domain/matching-rule';
import { ruleOf, RuleRow } from './reconciliation.mapper';

const COLUMNS = 'rule_id, name, description, criteria, created_at, updated_at';

@Injectable()
export class MatchingRulePgRepository extends MatchingRuleRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(tx: Tx, r: MatchingRule): Promise<void> {
    await sql(tx).query(
      `INSERT INTO matching_rules (${COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5, $6)`,
      [r.ruleId, r.name, r.description, JSON.stringify(r.criteria), r.createdAt, r.updatedAt],
    );
  }

  async replace(tx: Tx, r: MatchingRule): Promise<boolean> {
    const rows: unknown[] = await sql(tx).query(
      `WITH u AS (UPDATE matching_rules SET name = $2, description = $3, criteria = $4::jsonb, updated_at = $5
        WHERE rule_id = $1 RETURNING 1) SELECT * FROM u`,
      [r.ruleId, r.name, r.description, JSON.stringify(r.criteria), r.updatedAt],
    );
    return rows.length > 0;
  }

  async delete(tx: Tx, id: string): Promise<boolean> {
    const rows: unknown[] = await sql(tx).query(
      `WITH u AS (DELETE FROM matching_rules WHERE rule_id = $1 RETURNING 1) SELECT * FROM u`,
      [id],
    );
    return rows.length > 0;
  }

  async findById(id: string): Promise<MatchingRule | null> {
    const rows: RuleRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM matching_rules WHERE rule_id = $1`,
      [id],
    );
    return rows.length ? ruleOf(rows[0]) : null;
  }

  async findByIds(ids: string[]): Promise<MatchingRule[]> {
    const rows: RuleRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM matching_rules WHERE rule_id = ANY($1::text[])`,
      [ids],
    );
    return rows.map(ruleOf);
  }

  async list(limit: number, offset: number): Promise<MatchingRule[]> {
    const rows: RuleRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM matching_rules ORDER BY created_at, rule_id LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    return rows.map(ruleOf);
  }
}
