import { isCalendarDate, isClockTime, zoneOffsetMinutes } from '@libs/core/rfc3339';
import { identityInvalid } from './identity.errors';

export type MetaData = Record<string, unknown>;

/** The free-text attributes of an identity, named as on the wire and in the table (§2.6). */
export const IDENTITY_TEXT_FIELDS = [
  'identity_type',
  'first_name',
  'last_name',
  'other_names',
  'gender',
  'email_address',
  'phone_number',
  'nationality',
  'organization_name',
  'category',
  'street',
  'country',
  'state',
  'post_code',
  'city',
] as const;
export type IdentityTextField = (typeof IDENTITY_TEXT_FIELDS)[number];
export type IdentityAttributes = Record<IdentityTextField, string>;

export interface Identity {
  identityId: string;
  attributes: IdentityAttributes;
  /** Calendar date `YYYY-MM-DD`, or null when unknown. */
  dob: string | null;
  createdAt: Date;
  metaData: MetaData | null;
}

export function emptyAttributes(): IdentityAttributes {
  return Object.fromEntries(IDENTITY_TEXT_FIELDS.map((f) => [f, ''])) as IdentityAttributes;
}

const IDENTITY_ID_RE = /^idt_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A caller-supplied id must be `idt_` + a UUID (reference §1.4). */
export function validateIdentityId(id: string): string {
  if (!IDENTITY_ID_RE.test(id)) {
    throw identityInvalid(
      `invalid identity_id ${JSON.stringify(id.slice(0, 80))}: must be idt_ followed by a UUID`,
    );
  }
  return id.toLowerCase();
}

const DOB_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?([Zz]|[+-]\d{2}:?\d{2}))?$/;

/**
 * `dob` arrives as an RFC 3339 timestamp (what Blnk and its SDK send) or a bare date. The column
 * is a DATE: the calendar date as written is kept, whatever the offset, so a birthday never moves
 * by a day because of a time zone. Every field must exist (no 02-30, no 25:00, no +24:00), as in
 * Go's parser. Go's zero time (what GET shows for "no dob") means absent.
 */
export function parseDob(raw: string): string | null {
  const m = DOB_RE.exec(raw.trim());
  const [y, mo, d, h, mi, s] = (m?.slice(1, 7) ?? []).map((x) => Number(x ?? 0));
  if (
    !m ||
    !isCalendarDate(y, mo, d) ||
    !isClockTime(h, mi, s) ||
    (m[7] !== undefined && zoneOffsetMinutes(m[7]) === undefined)
  ) {
    throw identityInvalid(
      `invalid dob ${JSON.stringify(raw.slice(0, 40))}: must be an RFC 3339 timestamp`,
    );
  }
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  return date === '0001-01-01' ? null : date;
}

export interface IdentityPatch {
  attributes: Partial<IdentityAttributes>;
  dob?: string;
  metaData?: MetaData;
}

/**
 * PUT /identities/:id semantics (reference §2.6): only non-empty strings, a dob and a non-null
 * meta_data are written; meta_data replaces the old map. Nothing to write is an error.
 */
export function updatesOf(patch: IdentityPatch): IdentityPatch {
  const attributes: Partial<IdentityAttributes> = {};
  for (const f of IDENTITY_TEXT_FIELDS) {
    const v = patch.attributes[f];
    if (typeof v === 'string' && v !== '') attributes[f] = v;
  }
  const out: IdentityPatch = { attributes };
  if (patch.dob !== undefined) out.dob = patch.dob;
  if (patch.metaData !== undefined) out.metaData = patch.metaData;
  if (!Object.keys(attributes).length && out.dob === undefined && out.metaData === undefined) {
    throw identityInvalid('No fields provided for update');
  }
  return out;
}
