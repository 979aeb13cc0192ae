// Staff for the admin area's browser tests: a person made staff (with the authenticator
// app staff must use) and signed in through the sign-in page's second step, and a plain
// JSON caller of the API.

import assert from 'node:assert/strict';

import { baseUrl, CLIENT } from './browser.mjs';
import { signIn } from './pages.mjs';
import { queryOne, registerThroughApi } from './people.mjs';
import { freshCode } from './totp.mjs';

/** `method path` on the API (`/api/v1` + path) with an optional bearer `token`; the
 * answer's JSON (null when empty). Anything but 2xx fails the test. */
export async function api(method, path, body, token) {
  const headers = { ...CLIENT, 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${baseUrl()}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * A staff member (`role`) who signs in with an authenticator app, as staff must: signed
 * up and enrolled through the API (the account page's enrolment has its own spec), made
 * staff in the database. The secret and the last time step used.
 */
export async function staffMember(user, role) {
  await registerThroughApi(user);
  const { access_token: token } = await api('POST', '/auth/login', {
    login: user.username,
    password: user.password,
  });
  const { secret } = await api('POST', '/auth/mfa/totp/setup', {}, token);
  const first = freshCode(secret);
  await api('POST', '/auth/mfa/totp/confirm', { code: first.code }, token);
  queryOne("UPDATE users SET is_staff = true, staff_role = :'role' WHERE email = :'email' RETURNING id", {
    role,
    email: user.email,
  });
  return { secret, step: first.step };
}

/**
 * Signs `user` (made staff by [`staffMember`], whose `secret` and `step` are given) in on
 * `page` through both steps of the sign-in page; the caller waits for where it lands.
 */
export async function staffSignIn(page, user, { secret, step }) {
  await signIn(page, user.username, user.password);
  await page.getByLabel('Authentication code').fill(freshCode(secret, step).code);
  await page.getByRole('button', { name: 'Verify' }).click();
}
