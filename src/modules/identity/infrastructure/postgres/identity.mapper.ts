import {
  Identity,
  IDENTITY_TEXT_FIELDS,
  IdentityAttributes,
  MetaData,
} from '../../domain/identity';

export type IdentityRow = Record<(typeof IDENTITY_TEXT_FIELDS)[number], string | null> & {
  identity_id: string;
  /** Selected as `YYYY-MM-DD` text so no time zone ever touches it. */
  dob: string | null;
  created_at: Date;
  meta_data: MetaData | null;
};

/** Every column an identity is read with; dob as text (see IdentityRow). */
export const IDENTITY_COLUMNS = [
  'identity_id',
  ...IDENTITY_TEXT_FIELDS,
  `to_char(dob, 'YYYY-MM-DD') AS dob`,
  'created_at',
  'meta_data',
].join(', ');

export function toIdentity(row: IdentityRow): Identity {
  const attributes = Object.fromEntries(
    IDENTITY_TEXT_FIELDS.map((f) => [f, row[f] ?? '']),
  ) as IdentityAttributes;
  return {
    identityId: row.identity_id,
    attributes,
    dob: row.dob,
    createdAt: row.created_at,
    metaData: row.meta_data,
  };
}
