// People for browser tests: fresh identities, sign-up through the API, and the mail
// Gatehouse sent them (read from the development outbox).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

import { baseUrl, CLIENT } from './browser.mjs';

export const PASSWORD = 'violet harbour 31 lantern';

/** A person nobody has signed up as yet. */
export function freshUser() {
  const tag = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  return {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: `e2e-${tag}@example.org`,
    username: `ada_${tag}`,
    password: PASSWORD,
  };
}

/** Signs `user` up through the API directly (for tests about an existing account). */
export async function registerThroughApi(user) {
  const response = await fetch(`${baseUrl()}/api/v1/auth/register`, {
    method: 'POST',
    headers: { ...CLIENT, 'content-type': 'application/json' },
    body: JSON.stringify({
      email: user.email,
      username: user.username,
      password: user.password,
      first_name: user.firstName,
      last_name: user.lastName,
    }),
  });
  assert.equal(response.status, 202, await response.text());
}


/** The database the server under test uses (to read the development outbox). */
function databaseUrl() {
  const url = process.env.GATEHOUSE_E2E_DATABASE_URL;
  if (!url) throw new Error('GATEHOUSE_E2E_DATABASE_URL is not set (cargo xtask test sets it)');
  return url;
}

/** The newest email to `address` that contains `pattern`, waiting for the worker to send it. */
export async function emailedMatch(address, pattern) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    // Through stdin: psql interpolates :'to' (quoted safely) only in scripts, not in -c.
    const body = execFileSync('psql', [databaseUrl(), '-tA', '-v', `to=${address}`], {
      encoding: 'utf8',
      input: "SELECT text_body FROM emails WHERE to_address = :'to' ORDER BY created_at DESC LIMIT 1;\n",
    });
    const match = body.match(pattern);
    if (match) return match[0];
    if (Date.now() > deadline) throw new Error(`no email to ${address} matching ${pattern}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The first column of the first row `sql` selects, as text ('' when none). `vars` become
 * psql variables, quoted safely where the query says :'name'.
 */
export function queryOne(sql, vars = {}) {
  const args = [databaseUrl(), '-tA'];
  for (const [name, value] of Object.entries(vars)) args.push('-v', `${name}=${value}`);
  // Through stdin: psql interpolates variables only in scripts, not in -c.
  return execFileSync('psql', args, { encoding: 'utf8', input: `${sql};\n` }).trim();
}

/** The newest six-digit code emailed to `address` with `template` (the subject's last word). */
export async function emailedCode(address, template) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const subject = queryOne(
      "SELECT subject FROM emails WHERE to_address = :'to' AND template = :'template' ORDER BY created_at DESC LIMIT 1",
      { to: address, template },
    );
    const code = subject.split(/\s+/).pop();
    if (/^\d{6}$/.test(code ?? '')) return code;
    if (Date.now() > deadline) throw new Error(`no ${template} code emailed to ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
