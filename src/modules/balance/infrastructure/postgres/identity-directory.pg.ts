import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import { IdentityDirectory } from '../../application/ports/identity-directory';

/**
 * Reads the identity table for `include=identity`, as stored: tokenized fields show their tokens,
 * as on GET /identities/:id. dob is read as text so no time zone moves it.
 */
@Injectable()
export class IdentityDirectoryPg extends IdentityDirectory {
  constructor(private readonly db: DataSource) {
    super();
  }

  async find(identityId: string, tx?: Tx): Promise<Record<string, unknown> | null> {
    const rows: Record<string, unknown>[] = await (tx ? sql(tx) : this.db).query(
      `SELECT identity_id, identity_type, first_name, last_name, other_names, gender,
              to_char(dob, 'YYYY-MM-DD') AS dob, email_address,
              phone_number, nationality, organization_name, category, street, country, state, post_code,
              city, created_at, meta_data
       FROM identity WHERE identity_id = $1`,
      [identityId],
    );
    return rows.length ? rows[0] : null;
  }
}
