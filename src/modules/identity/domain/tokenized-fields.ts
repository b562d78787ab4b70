import type { IdentityTextField, MetaData } from './identity';
import { fieldNotTokenizable } from './identity.errors';

/**
 * The PII fields that can be tokenized, by the Go struct names Blnk uses on the wire (§9), and
 * the column each one lives in.
 */
export const TOKENIZABLE_FIELDS = {
  FirstName: 'first_name',
  LastName: 'last_name',
  OtherNames: 'other_names',
  EmailAddress: 'email_address',
  PhoneNumber: 'phone_number',
  Street: 'street',
  PostCode: 'post_code',
} as const satisfies Record<string, IdentityTextField>;
export type TokenizableField = keyof typeof TOKENIZABLE_FIELDS;

export const TOKENIZED_FIELDS_KEY = 'tokenized_fields';

/**
 * Blnk's name conversion: only the first letter is upper-cased, so `firstName` and `FirstName`
 * name a field and `first_name` does not.
 */
export function tokenizableField(name: string): TokenizableField {
  const struct = name ? name[0].toUpperCase() + name.slice(1) : name;
  if (!Object.hasOwn(TOKENIZABLE_FIELDS, struct)) throw fieldNotTokenizable(name);
  return struct as TokenizableField;
}

/** The tokenizable field a column holds, if any. */
export function fieldOfColumn(column: IdentityTextField): TokenizableField | undefined {
  const hit = Object.entries(TOKENIZABLE_FIELDS).find(([, c]) => c === column);
  return hit?.[0] as TokenizableField | undefined;
}

/**
 * `meta_data.tokenized_fields` as Blnk shows it, rebuilt from the server's own record of what is
 * tokenized: a client can neither hide a tokenized field nor claim a plaintext one is tokenized
 * by writing metadata. No tokenized field = no key.
 */
export function withTokenizedFields(
  meta: MetaData | null,
  tokenized: Iterable<TokenizableField>,
): MetaData | null {
  const fields = [...new Set(tokenized)].sort();
  if (!fields.length) {
    if (!meta || !Object.hasOwn(meta, TOKENIZED_FIELDS_KEY)) return meta;
    const rest = { ...meta };
    delete rest[TOKENIZED_FIELDS_KEY];
    return rest;
  }
  return {
    ...(meta ?? {}),
    [TOKENIZED_FIELDS_KEY]: Object.fromEntries(fields.map((f) => [f, true])),
  };
}
