import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { BadRequestError } from '../../errors/errors.ts';

/**
 * argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): about 10 ms of
 * one core and 19 MiB per hash on the project's machine (ADR 0013).
 */
// The library's Algorithm is an ambient const enum, which this project's type stripping cannot inline.
const ARGON2ID: Algorithm.Argon2id = 2;
const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Longest password accepted, in UTF-8 bytes: enough for any passphrase, too short to make hashing a cost to abuse. */
export const PASSWORD_MAX_BYTES = 1024;

export interface PasswordHasher {
  /** Refuses a password outside the length limits (400), or returns its argon2id PHC string. */
  hash(password: string): Promise<string>;
  verify(passwordHash: string, password: string): Promise<boolean>;
}

export function createPasswordHasher(minLength: number): PasswordHasher {
  return {
    async hash(password: string): Promise<string> {
      assertPasswordLength(password, minLength);
      return hash(password, ARGON2_OPTIONS);
    },
    async verify(passwordHash: string, password: string): Promise<boolean> {
      if (Buffer.byteLength(password) > PASSWORD_MAX_BYTES) return false;
      return verify(passwordHash, password);
    },
  };
}

function assertPasswordLength(password: string, minLength: number): void {
  const problem =
    [...password].length < minLength
      ? `must be at least ${minLength} characters (PASSWORD_MIN_LENGTH)`
      : Buffer.byteLength(password) > PASSWORD_MAX_BYTES
        ? `must be at most ${PASSWORD_MAX_BYTES} bytes`
        : null;
  if (problem) throw new BadRequestError(`password ${problem}`, { errors: [{ field: 'password', message: problem }] });
}
