import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import type { ListQuery, Page } from '@libs/core/list-query';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { keepingCreator } from '@libs/core/reserved-metadata';
import {
  emptyAttributes,
  Identity,
  IDENTITY_TEXT_FIELDS,
  IdentityPatch,
  MetaData,
  updatesOf,
  validateIdentityId,
} from '../domain/identity';
import { identityNotFound } from '../domain/identity.errors';
import { fieldOfColumn, withTokenizedFields } from '../domain/tokenized-fields';
import { IdentityRepository } from './ports/identity.repository';
import { Tokenizer } from './tokenizer';

export interface CreateIdentityCommand extends IdentityPatch {
  identityId?: string;
}

/** Identity CRUD and metadata (reference §2.6, §2.8). */
@Injectable()
export class IdentityUseCases {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly identities: IdentityRepository,
    private readonly tokenizer: Tokenizer,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async create(cmd: CreateIdentityCommand): Promise<Identity> {
    const identity: Identity = {
      identityId: cmd.identityId ? validateIdentityId(cmd.identityId) : this.ids.next('idt'),
      attributes: { ...emptyAttributes(), ...cmd.attributes },
      dob: cmd.dob ?? null,
      createdAt: this.clock.now(),
      // Nothing is tokenized yet, whatever the client wrote under tokenized_fields.
      metaData: withTokenizedFields(cmd.metaData ?? null, []),
    };
    await this.uow.run((tx) => this.identities.insert(tx, identity));
    return identity;
  }

  async get(id: string): Promise<Identity> {
    const identity = await this.identities.findById(id);
    if (!identity) throw identityNotFound(id);
    return identity;
  }

  list(query: ListQuery): Promise<Page<Identity>> {
    return this.identities.list(query);
  }

  /**
   * Partial update. A tokenized field stays tokenized: a new value is tokenized before it is
   * written (Blnk would store it in clear while still listing the field as tokenized), and the
   * token read back from GET is recognised as "unchanged".
   */
  async update(id: string, patch: IdentityPatch): Promise<void> {
    const changes = updatesOf(patch);
    await this.uow.run(async (tx) => {
      const record = await this.identities.lock(tx, id);
      if (!record) throw identityNotFound(id);
      const { identity, tokens } = record;
      for (const column of IDENTITY_TEXT_FIELDS) {
        const value = changes.attributes[column];
        if (value === undefined || value === identity.attributes[column]) continue;
        const field = fieldOfColumn(column);
        if (field && tokens.has(field)) {
          const made = await this.tokenizer.tokenize(value, { identityId: id, field });
          identity.attributes[column] = made.token;
          await this.identities.putToken(tx, id, field, made.keyId);
        } else {
          identity.attributes[column] = value;
        }
      }
      if (changes.dob !== undefined) identity.dob = changes.dob;
      if (changes.metaData !== undefined) {
        const replaced = keepingCreator(identity.metaData, changes.metaData);
        identity.metaData = withTokenizedFields(replaced, tokens.keys());
      }
      await this.identities.save(tx, identity);
    });
  }

  async delete(id: string): Promise<void> {
    const found = await this.uow.run((tx) => this.identities.delete(tx, id));
    if (!found) throw identityNotFound(id);
  }

  /** Shallow merge (POST /{id}/metadata); null when the identity does not exist. */
  async mergeMetaData(id: string, patch: MetaData): Promise<MetaData | null> {
    return this.uow.run(async (tx) => {
      const record = await this.identities.lock(tx, id);
      if (!record) return null;
      const merged = { ...(record.identity.metaData ?? {}), ...patch };
      record.identity.metaData = withTokenizedFields(merged, record.tokens.keys()) ?? {};
      await this.identities.save(tx, record.identity);
      return record.identity.metaData;
    });
  }
}
