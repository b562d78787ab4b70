import type { FieldRef, FilterItem, FilterNode } from '../../domain/filter-by';
import type { SearchRequest } from '../../domain/search-request';
import { MatchPass, typoBudget } from '../../domain/text-match';
import { Column, metaSql, newestFirst, Source, valueSql } from './search-sources';

/**
 * Turns a validated search request into SQL over a collection's table (alias `t`). Only names
 * from `SOURCES` reach the text; every value from the request is a bound `$n` with an explicit
 * cast, checked by the parser first so PostgreSQL never sees a value it could fail on.
 */
export class SearchSql {
  readonly params: unknown[] = [];

  constructor(
    private readonly source: Source,
    private readonly req: SearchRequest,
  ) {}

  bind(v: unknown, cast: string): string {
    this.params.push(v);
    return `$${this.params.length}::${cast}`;
  }

  private column(name: string): Column {
    return this.source.columns[name];
  }

  /** The WHERE condition of one pass (text match and filter), `TRUE` when there is neither. */
  where(pass: MatchPass): string {
    const parts: string[] = [];
    if (this.req.tokens.length) parts.push(this.textMatch(pass));
    if (this.req.filter) parts.push(this.filter(this.req.filter));
    return parts.length ? parts.map((p) => `(${p})`).join(' AND ') : 'TRUE';
  }

  /**
   * Every query token must match a word of one of the `query_by` fields: equal, a prefix for the
   * last token, or within its typo budget in the typo pass. `search_norm` (migration) is the SQL
   * twin of `normalizeWord`; its trigram index lets the `LIKE` narrow the rows first.
   */
  private textMatch(pass: MatchPass): string {
    const { tokens, queryBy, prefix, numTypos } = this.req;
    return tokens
      .map((token, i) => {
        const t = this.bind(token, 'text');
        const isPrefix = prefix && i === tokens.length - 1;
        const k = pass === 'typo' && [...token].length <= 255 ? typoBudget(token, numTypos) : 0;
        const word = [`w = ${t}`];
        if (isPrefix) word.push(`w LIKE ${t} || '%'`);
        if (k > 0) {
          word.push(
            `(abs(length(w) - length(${t})) <= ${k} AND CASE WHEN length(w) <= 255 ` +
              `THEN levenshtein_less_equal(w, ${t}, ${k}) <= ${k} ELSE false END)`,
          );
        }
        const perField = queryBy.map((f) => {
          const norm = `search_norm(${valueSql(this.column(f))})`;
          const exists =
            `EXISTS (SELECT 1 FROM regexp_split_to_table(${norm}, '\\s+') AS w ` +
            `WHERE ${word.join(' OR ')})`;
          // Without typos a matching word is a substring of the normalized text.
          return k > 0 ? exists : `(${norm} LIKE '%' || ${t} || '%' AND ${exists})`;
        });
        return `(${perField.join(' OR ')})`;
      })
      .join(' AND ');
  }

  private filter(node: FilterNode): string {
    switch (node.kind) {
      case 'and':
      case 'or':
        return node.nodes
          .map((n) => `(${this.filter(n)})`)
          .join(node.kind === 'and' ? ' AND ' : ' OR ');
      case 'cmp': {
        if (node.op === '!=') {
          // A document without the field matches `!=`, as in Typesense.
          const v = this.operand(node.field, node.value, false);
          return `${v.expr} IS DISTINCT FROM ${v.value}`;
        }
        const numeric = node.op !== '=';
        const v = this.operand(node.field, node.value, numeric);
        return `${v.expr} ${node.op} ${v.value}`;
      }
      case 'list': {
        const any = node.items.map((item) => this.item(node.field, item)).join(' OR ');
        return node.negated ? `NOT COALESCE(${any}, false)` : `(${any})`;
      }
    }
  }

  private item(field: FieldRef, item: FilterItem): string {
    if ('value' in item) {
      const v = this.operand(field, item.value, false);
      return `${v.expr} = ${v.value}`;
    }
    const from = this.operand(field, item.from, true);
    const to = this.operand(field, item.to, true);
    return `(${from.expr} BETWEEN ${from.value} AND ${to.value})`;
  }

  /** The field's SQL value and the bound operand, typed alike. */
  private operand(
    field: FieldRef,
    value: string,
    numeric: boolean,
  ): { expr: string; value: string } {
    if (field.kind === 'meta') {
      const text = `${metaSql(this.source)} #>> ${this.bind(field.path, 'text[]')}`;
      if (!numeric) return { expr: text, value: this.bind(value, 'text') };
      // A value that is not a number never compares (rather than failing the cast).
      const re = `'^-?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]{1,3})?$'`;
      return {
        expr: `(CASE WHEN ${text} ~ ${re} THEN (${text})::numeric END)`,
        value: this.bind(value, 'numeric'),
      };
    }
    const c = this.column(field.name);
    const expr = valueSql(c);
    if (c.kind === 'text' || c.kind === 'numtext') return { expr, value: this.bind(value, 'text') };
    if (c.kind === 'float') return { expr, value: this.bind(value, 'numeric') };
    // The parser let only `true` / `false` through for a bool field.
    if (c.kind === 'bool') return { expr, value: this.bind(value, 'boolean') };
    return { expr, value: this.bind(value, 'bigint') };
  }

  /** ORDER BY of the sort keys, then newest first, ending on a unique key so pages never overlap. */
  orderBy(): string {
    const keys = this.req.sortBy
      .filter((k) => k.kind !== 'text_match') // equal for every hit of a pass
      .map((k) => `${valueSql(this.column(k.field))} ${k.desc ? 'DESC' : 'ASC'} NULLS LAST`);
    return [...keys, newestFirst(this.source)].join(', ');
  }

  facet(field: string): string {
    return valueSql(this.column(field));
  }
}
