// Authenticator codes (RFC 6238 TOTP: HMAC-SHA1, 6 digits, 30-second steps), computed in
// node the way an authenticator app does, from the secret a page shows.

import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const STEP_SECONDS = 30;

/** The bytes of a base32 secret (RFC 4648; spaces, dashes and padding ignored). */
export function base32Decode(secret) {
  const clean = secret.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const bytes = [];
  for (const char of clean) {
    const index = ALPHABET.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** The time step of a moment (milliseconds since the epoch). */
export function stepAt(ms = Date.now()) {
  return Math.floor(ms / 1000 / STEP_SECONDS);
}

/** The 6-digit code of `step` (RFC 4226 HOTP with the step as counter). */
export function codeAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return number.toString().padStart(6, '0');
}

/**
 * A code the server has not accepted yet: Gatehouse takes the current step and one either
 * side, each at most once, so after using `lastStep` the next code is the one of the step
 * after it (the next one the app will show), never a replay.
 */
export function freshCode(secret, lastStep) {
  const step = lastStep === undefined ? stepAt() : Math.max(stepAt(), lastStep + 1);
  return { code: codeAt(secret, step), step };
}
