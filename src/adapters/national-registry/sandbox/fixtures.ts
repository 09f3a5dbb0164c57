import type { RegistryPerson } from '../port.ts';

/**
 * The sandbox registry's people. Invented names; ids follow the documented format (ten digits
 * + mod-11 check digit, see port.ts). For readability the first eight digits are the birth date
 * (YYYYMMDD) and the next two a serial number; the real format promises no such meaning, so
 * code must never parse a birth date out of an id.
 */
export const SANDBOX_PEOPLE: readonly RegistryPerson[] = [
  { nationalId: '19850312005', fullName: 'Amina Wanjiru Otieno', dateOfBirth: '1985-03-12', status: 'active' },
  { nationalId: '19900715012', fullName: 'Jonas Peter Lindqvist', dateOfBirth: '1990-07-15', status: 'active' },
  { nationalId: '19781123029', fullName: 'María José Fernández', dateOfBirth: '1978-11-23', status: 'active' },
  { nationalId: '20010204033', fullName: 'Kwame Mensah', dateOfBirth: '2001-02-04', status: 'active' },
  { nationalId: '19650509041', fullName: 'Ingrid Solberg', dateOfBirth: '1965-05-09', status: 'active' },
  { nationalId: '19991231052', fullName: 'Chen Wei', dateOfBirth: '1999-12-31', status: 'active' },
  { nationalId: '19820606068', fullName: 'Fatima Zahra Benali', dateOfBirth: '1982-06-06', status: 'active' },
  // Some older records carry no birth date; consumers must cope with its absence.
  { nationalId: '19700101073', fullName: 'Oleksandr Bondarenko', status: 'active' },
  { nationalId: '19430211087', fullName: 'Harold Ernest Whitcombe', dateOfBirth: '1943-02-11', status: 'deceased' },
  { nationalId: '19950909097', fullName: 'Lucía Romero Vidal', dateOfBirth: '1995-09-09', status: 'revoked' },
];

export const SANDBOX_IDS = {
  active: '19850312005',
  activeWithoutBirthDate: '19700101073',
  deceased: '19430211087',
  revoked: '19950909097',
  /** Passes the check digit but is not in the registry: the not-found case. */
  unknown: '20000101103',
  /** Right length, wrong check digit: rejected locally, before any request. */
  badCheckDigit: '19850312006',
} as const;
