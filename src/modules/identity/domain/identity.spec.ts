import { parseDob, updatesOf, validateIdentityId } from './identity';
import { tokenizableField, withTokenizedFields } from './tokenized-fields';

describe('identity rules', () => {
  it('accepts idt_ + UUID ids only', () => {
    const id = 'idt_0F8C9E2A-1111-4222-8333-444455556666';
    expect(validateIdentityId(id)).toBe(id.toLowerCase());
    for (const bad of [
      '0f8c9e2a-1111-4222-8333-444455556666',
      'idt_nope',
      'ldg_0f8c9e2a-1111-4222-8333-444455556666',
    ]) {
      expect(() => validateIdentityId(bad)).toThrow(
        expect.objectContaining({ code: 'IDT_VALIDATION_ERROR' }),
      );
    }
  });

  it('keeps the calendar date of dob as written; zero time means none', () => {
    expect(parseDob('1990-05-17T00:00:00Z')).toBe('1990-05-17');
    expect(parseDob('1990-05-17T23:30:00-05:00')).toBe('1990-05-17');
    expect(parseDob('1990-05-17T01:00:00.123+0200')).toBe('1990-05-17');
    expect(parseDob('1990-05-17')).toBe('1990-05-17');
    expect(parseDob('0001-01-01T00:00:00Z')).toBeNull();
    for (const bad of ['1990-02-30T00:00:00Z', '17/05/1990', '', 'yesterday']) {
      expect(() => parseDob(bad)).toThrow(
        expect.objectContaining({ code: 'IDT_VALIDATION_ERROR' }),
      );
    }
  });

  it('an update writes only non-empty strings, and needs at least one thing to write', () => {
    expect(updatesOf({ attributes: { first_name: 'Ada', last_name: '' } })).toEqual({
      attributes: { first_name: 'Ada' },
    });
    expect(() => updatesOf({ attributes: { city: '' } })).toThrow('No fields provided for update');
  });
});

describe('tokenizable fields', () => {
  it('upper-cases only the first letter, as Blnk does', () => {
    expect(tokenizableField('firstName')).toBe('FirstName');
    expect(tokenizableField('EmailAddress')).toBe('EmailAddress');
    expect(() => tokenizableField('first_name')).toThrow('field first_name is not tokenizable');
    expect(() => tokenizableField('Country')).toThrow(
      expect.objectContaining({ code: 'IDT_FIELD_NOT_TOKENIZABLE' }),
    );
  });

  it('meta_data.tokenized_fields is rebuilt from what is really tokenized', () => {
    const claimed = { a: 1, tokenized_fields: { LastName: true } };
    expect(withTokenizedFields(claimed, ['Street', 'FirstName'])).toEqual({
      a: 1,
      tokenized_fields: { FirstName: true, Street: true },
    });
    expect(withTokenizedFields(claimed, [])).toEqual({ a: 1 });
    expect(withTokenizedFields(null, [])).toBeNull();
  });
});
