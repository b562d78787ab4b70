import { Injectable } from '@nestjs/common';
import { DomainError } from '@libs/core/domain-error';
import { UnitOfWork } from '@libs/core/unit-of-work';
import {
  fieldAlreadyTokenized,
  fieldNotTokenized,
  identityNotFound,
  tokenizationDisabled,
} from '../domain/identity.errors';
import {
  TOKENIZABLE_FIELDS,
  TokenizableField,
  tokenizableField,
  withTokenizedFields,
} from '../domain/tokenized-fields';
import { DetokenizationAudit } from './ports/detokenization-audit';
import { IdentityRepository } from './ports/identity.repository';
import { TokenKeyProvider } from './ports/token-keys';
import { Tokenizer } from './tokenizer';

/** Who asks for a value, as the audit log records it. */
export interface Actor {
  apiKeyId: string;
  owner: string;
}

export interface RotationReport {
  identities: number;
  fields: number;
  failures: { identityId: string; field: string; reason: string }[];
}

/** PII tokenization of identities (reference §9), audit of every reveal, key rotation. */
@Injectable()
export class TokenizationUseCases {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly identities: IdentityRepository,
    private readonly tokenizer: Tokenizer,
    private readonly audit: DetokenizationAudit,
    private readonly keys: TokenKeyProvider,
  ) {}

  /**
   * @throws DomainError IDT_TOKENIZATION_DISABLED, IDT_FIELD_NOT_TOKENIZABLE, IDT_NOT_FOUND,
   *   IDT_FIELD_ALREADY_TOKENIZED
   */
  async tokenizeField(id: string, name: string): Promise<void> {
    if (!(await this.tokenizer.enabled())) throw tokenizationDisabled();
    const field = tokenizableField(name);
    await this.uow.run(async (tx) => {
      const record = await this.identities.lock(tx, id);
      if (!record) throw identityNotFound(id);
      if (record.tokens.has(field)) throw fieldAlreadyTokenized(name);
      const { identity } = record;
      const column = TOKENIZABLE_FIELDS[field];
      const made = await this.tokenizer.tokenize(identity.attributes[column], {
        identityId: id,
        field,
      });
      identity.attributes[column] = made.token;
      identity.metaData = withTokenizedFields(identity.metaData, [...record.tokens.keys(), field]);
      await this.identities.save(tx, identity);
      await this.identities.putToken(tx, id, field, made.keyId);
    });
  }

  /** One field after another, each committed on its own; stops at the first error, as Blnk. */
  async tokenize(id: string, names: string[]): Promise<void> {
    for (const name of names) await this.tokenizeField(id, name);
  }

  async tokenizedFields(id: string): Promise<TokenizableField[]> {
    const record = await this.uow.run((tx) => this.identities.findRecord(tx, id));
    if (!record) throw identityNotFound(id);
    return [...record.tokens.keys()].sort();
  }

  /**
   * Reveals fields, keyed as requested (all tokenized fields by struct name when `names` is
   * empty). Every reveal is written to the audit log in the same transaction, so no value leaves
   * unrecorded; a token that fails to open is recorded as a failed attempt.
   * @throws DomainError IDT_TOKENIZATION_DISABLED, IDT_FIELD_NOT_TOKENIZABLE, IDT_NOT_FOUND,
   *   IDT_FIELD_NOT_TOKENIZED, IDT_TOKEN_INVALID
   */
  async detokenize(id: string, names: string[], actor: Actor): Promise<Record<string, string>> {
    if (!(await this.tokenizer.enabled())) throw tokenizationDisabled();
    const requested = names.map((n) => [n, tokenizableField(n)] as const);
    let failed: TokenizableField | undefined;
    try {
      return await this.uow.run(async (tx) => {
        const record = await this.identities.findRecord(tx, id);
        if (!record) throw identityNotFound(id);
        const wanted = requested.length
          ? requested
          : [...record.tokens.keys()].sort().map((f) => [f, f] as const);
        const out: Record<string, string> = {};
        for (const [name, field] of wanted) {
          if (!record.tokens.has(field)) throw fieldNotTokenized(name);
          failed = field;
          const token = record.identity.attributes[TOKENIZABLE_FIELDS[field]];
          out[name] = (await this.tokenizer.detokenize(token, { identityId: id, field })).value;
          failed = undefined;
        }
        const fields = [...new Set(wanted.map(([, f]) => f))];
        await this.audit.record(
          tx,
          fields.map((field) => ({ identityId: id, field, ...actor, outcome: 'revealed' })),
        );
        return out;
      });
    } catch (e) {
      const field = failed;
      if (field && e instanceof DomainError && e.code === 'IDT_TOKEN_INVALID') {
        await this.uow.run((tx) =>
          this.audit.record(tx, [{ identityId: id, field, ...actor, outcome: 'failed' }]),
        );
      }
      throw e;
    }
  }

  /**
   * Re-encrypts every token not made with the current key (`neraca keys rotate-tokenization`),
   * and every token whose visible part is a keyed hash of its value (made before issue 11), so
   * that after one run no two tokens of one value look alike. One identity per transaction, so a
   * running server keeps serving; a token that cannot be opened is reported and left as it is.
   */
  async rotate(batchSize = 100): Promise<RotationReport> {
    const key = await this.keys.current();
    if (!key) throw tokenizationDisabled();
    const report: RotationReport = { identities: 0, fields: 0, failures: [] };
    for (let after = ''; ;) {
      const ids = await this.identities.withTokensToRotate(key.id, after, batchSize);
      if (!ids.length) return report;
      after = ids[ids.length - 1];
      for (const id of ids) {
        const rotated = await this.rotateOne(id, key.id, report);
        if (rotated) report.identities++;
        report.fields += rotated;
      }
    }
  }

  private rotateOne(id: string, currentKeyId: string, report: RotationReport): Promise<number> {
    return this.uow.run(async (tx) => {
      const record = await this.identities.lock(tx, id);
      if (!record) return 0;
      let rotated = 0;
      for (const [field, keyId] of record.tokens) {
        if (keyId === currentKeyId && !record.keyedVisible.has(field)) continue;
        const column = TOKENIZABLE_FIELDS[field];
        const place = { identityId: id, field };
        try {
          const { value } = await this.tokenizer.detokenize(
            record.identity.attributes[column],
            place,
          );
          const made = await this.tokenizer.tokenize(value, place);
          record.identity.attributes[column] = made.token;
          await this.identities.putToken(tx, id, field, made.keyId);
          rotated++;
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          report.failures.push({ identityId: id, field, reason: e.message });
        }
      }
      if (rotated) await this.identities.save(tx, record.identity);
      return rotated;
    });
  }
}
