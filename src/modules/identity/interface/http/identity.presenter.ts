import { rfc3339, ZERO_TIME } from '@libs/http/time';
import { IDENTITY_TEXT_FIELDS, IdentityPatch, parseDob } from '../../domain/identity';
import type { Identity } from '../../domain/identity';
import type { IdentityDto, IdentityView } from './identity.dto';

export function presentIdentity(i: Identity): IdentityView {
  return {
    identity_id: i.identityId,
    ...i.attributes,
    dob: i.dob ? `${i.dob}T00:00:00Z` : ZERO_TIME,
    created_at: rfc3339(i.createdAt),
    meta_data: i.metaData,
  };
}

/** The request body as the use cases take it; a bad dob is a validation error. */
export function patchOf(dto: IdentityDto): IdentityPatch {
  const attributes: IdentityPatch['attributes'] = {};
  for (const f of IDENTITY_TEXT_FIELDS) {
    const v = dto[f];
    if (v !== undefined && v !== null) attributes[f] = v;
  }
  const dob = dto.dob === undefined || dto.dob === null ? undefined : parseDob(dto.dob);
  return { attributes, dob: dob ?? undefined, metaData: dto.meta_data ?? undefined };
}
