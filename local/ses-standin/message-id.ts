// SES receiving message ids: 40 characters of lowercase base32hex (0-9, a-v),
// e.g. "bs82kksd5uhl2b598fhhro1scu3d05a39id0gdg1". The id is also the last
// segment of the S3 object key, so it must be unique and safe in a key.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';
export const SES_MESSAGE_ID_LENGTH = 40;

/** A fresh random id in SES's shape (200 random bits: collisions are not a concern). */
export function newSesMessageId(random: (size: number) => Buffer = randomBytes): string {
  const bytes = random((SES_MESSAGE_ID_LENGTH * 5) / 8);
  let bits = 0;
  let value = 0;
  let id = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      id += ALPHABET[(value >> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return id;
}

export const SES_MESSAGE_ID_PATTERN = /^[0-9a-v]{40}$/;
