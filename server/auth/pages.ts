import express from 'express';
import { z } from 'zod';
import { auditSentence, type AccountEntryLike } from '../pages/audit';
import { displayNamesOf } from '../pages/words';
import type { AccountStore } from '../../storage/account-store';
import type { OfficeStore } from '../../storage/types';
import { HttpError } from '../errors';
import { html, type Html, type Interpolation } from '../pages/html';
import { page, when } from '../pages/layout';
import { digitsId, flag } from '../input';
import { route, type AnyRoute } from '../route';
import { principalOf } from './api';
import type { Principal } from './principal';
import { verifyPassword } from './secrets';
import { endSession, startSession, type SessionSettings } from './session';
import { clientAddress, signInGuard, type SignInLimiter } from './signin-limit';
import { newTokenSchema, newUserSchema, roleSchema, safeNext, type AccountService } from './service';

const csrfField = (p: Principal | null | undefined) =>
  p?.csrfToken ? html`<input type="hidden" name="_csrf" value="${p.csrfToken}">` : '';

export function signInPage(next: string, message: string | null): string {
  return page({
    title: 'Sign in',
    section: 'signin',
    body: html`<section class="card narrow" aria-labelledby="signin-heading">
<h1 id="signin-heading">Sign in</h1>
${message ? html`<div class="message error" role="alert"><strong>${message}</strong></div>` : ''}
<form method="post" action="/signin" class="stack">
<input type="hidden" name="next" value="${next}">
<label class="field">User name <input name="username" autocomplete="username" required autofocus></label>
<label class="field">Password <input name="password" type="password" autocomplete="current-password" required></label>
<button class="btn" type="submit">Sign in</button>
</form></section>`,
  });
}

/** Sign-in answers the same way for an unknown user and a wrong password, and slowly for both. */
export function authPageRoutes(
  accounts: AccountStore,
  service: AccountService,
  now: () => Date,
  session: SessionSettings,
  limiter: SignInLimiter,
  offices?: Pick<OfficeStore, 'getOffice' | 'history'>,
): AnyRoute[] {
  const signInForm = z.object({ username: z.string().max(100).default(''), password: z.string().max(200).default(''), next: z.string().max(2000).optional() });
  const tokenForm = newTokenSchema.extend({ _csrf: z.string().optional() });
  const passwordForm = z.object({
    current: z.string().max(200),
    password: z.string().min(10, 'at least 10 characters').max(200),
    _csrf: z.string().optional(),
  });
  const revokeForm = z.object({ id: digitsId, _csrf: z.string().optional() });
  const userForm = newUserSchema.extend({ _csrf: z.string().optional() });
  const userChangeForm = z.object({
    id: digitsId,
    role: roleSchema.optional(),
    disabled: flag.optional(),
    _csrf: z.string().optional(),
  });

  const notice = (text: Interpolation) => html`<div class="message ok" role="status"><strong>${text}</strong></div>`;
  const alert = (text: Interpolation) => html`<div class="message error" role="alert"><strong>${text}</strong></div>`;

  async function accountPage(p: Principal, newToken: string | null, message: string | null = null): Promise<string> {
    const tokens = await accounts.tokens(p.userId ?? -1);
    const user = p.userId ? await accounts.userById(p.userId) : undefined;
    return page({
      title: 'Account',
      section: 'account',
      csrfToken: p.csrfToken,
      body: html`<h1>Account</h1>
<section class="card"><p>Signed in as <strong>${user ? `${user.displayName} (${user.username})` : p.actor}</strong>, role <strong>${p.role}</strong>.</p>
<form method="post" action="/signout">${csrfField(p)}<button class="btn secondary" type="submit">Sign out</button></form></section>
${user ? html`<section class="card" aria-labelledby="password-heading"><h2 id="password-heading">Change password</h2>
<form method="post" action="/account/password" class="stack">${csrfField(p)}
<label class="field">Current password <input name="current" type="password" autocomplete="current-password" required></label>
<label class="field">New password (10+ characters) <input name="password" type="password" minlength="10" autocomplete="new-password" required></label>
<button class="btn" type="submit">Change password</button></form></section>` : ''}
<section class="card" aria-labelledby="tokens-heading"><h2 id="tokens-heading">API tokens</h2>
${message ? notice(message) : ''}
${newToken ? notice(html`New token (copy it now, it is not shown again): <code class="token">${newToken}</code>`) : ''}
<p class="muted">Scripts send a token as <code>Authorization: Bearer …</code>; it acts with your role.</p>
<form method="post" action="/account/tokens" class="inline">${csrfField(p)}
<label class="field">Name <input name="name" required maxlength="80"></label> <button class="btn" type="submit">Create token</button></form>
<div class="table-wrap"><table><thead><tr><th>Name</th><th>Created</th><th>Last used</th><th>Status</th><th></th></tr></thead><tbody>
${tokens.map(
  (t) => html`<tr><td>${t.name}</td><td>${when(t.createdAt)}</td><td>${when(t.lastUsedAt)}</td><td>${t.revokedAt ? 'revoked' : 'active'}</td>
<td>${t.revokedAt ? '' : html`<form method="post" action="/account/tokens/revoke">${csrfField(p)}<input type="hidden" name="id" value="${t.id}"><button class="btn secondary" type="submit">Revoke</button></form>`}</td></tr>`,
)}</tbody></table></div></section>`,
    });
  }

  async function usersPage(p: Principal, message: string | null, error: string | null = null): Promise<string> {
    return page({
      title: 'Users',
      section: 'users',
      csrfToken: p.csrfToken,
      body: html`<h1>Users</h1>${message ? notice(message) : ''}${error ? alert(error) : ''}
<section class="card"><div class="table-wrap"><table><thead><tr><th>User</th><th>Name</th><th>Role</th><th>Status</th><th>Change</th></tr></thead><tbody>
${(await accounts.users()).map(
  (u) => html`<tr><td>${u.username}</td><td>${u.displayName}</td><td>${u.role}</td><td>${u.disabledAt ? 'disabled' : 'active'}</td>
<td><form method="post" action="/admin/users/change" class="inline">${csrfField(p)}<input type="hidden" name="id" value="${u.id}">
<label class="sr-only" for="role-${u.id}">Role</label><select id="role-${u.id}" name="role">${['viewer', 'coordinator', 'admin'].map(
    (r) => html`<option${r === u.role ? html` selected` : ''}>${r}</option>`,
  )}</select>
<select name="disabled" aria-label="Status"><option value="false"${u.disabledAt ? '' : html` selected`}>active</option><option value="true"${u.disabledAt ? html` selected` : ''}>disabled</option></select>
<button class="btn secondary" type="submit">Save</button></form></td></tr>`,
)}</tbody></table></div></section>
<section class="card" aria-labelledby="new-user"><h2 id="new-user">New user</h2>
<form method="post" action="/admin/users" class="stack">${csrfField(p)}
<label class="field">User name <input name="username" required pattern="[a-zA-Z0-9._-]{2,40}"></label>
<label class="field">Full name <input name="displayName" required maxlength="100"></label>
<label class="field">Email <input name="email" type="email"></label>
<label class="field">Role <select name="role"><option>viewer</option><option selected>coordinator</option><option>admin</option></select></label>
<label class="field">Password (10+ characters) <input name="password" type="password" minlength="10" required autocomplete="new-password"></label>
<button class="btn" type="submit">Create user</button></form></section>`,
    });
  }

  const sendHtml = (res: express.Response, body: string, status = 200) => res.status(status).type('html').send(body);

  return [
    route({
      method: 'get',
      path: '/signin',
      summary: 'Sign-in page',
      tag: 'pages',
      access: 'public',
      produces: 'html',
      query: z.object({ next: z.string().max(2000).optional() }),
      handler: ({ query, res }) => sendHtml(res, signInPage(safeNext(query.next), null)),
    }),
    route({
      method: 'post',
      path: '/signin',
      summary: 'Sign in with user name and password',
      tag: 'pages',
      access: 'public',
      produces: 'html',
      body: signInForm,
      handler: async ({ body, req, res }) => {
        const found = await accounts.credentials(body.username);
        // Hash even for an unknown user so timing does not tell which names exist.
        const ok = await verifyPassword(body.password, found?.passwordHash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
        if (!found || !ok || found.user.disabledAt) {
          await accounts.audit(now().toISOString(), `anonymous`, 'signin.failed', body.username.slice(0, 100));
          limiter.failed(body.username, clientAddress(req));
          return sendHtml(res, signInPage(safeNext(body.next), 'Wrong user name or password.'), 401);
        }
        limiter.succeeded(body.username);
        await startSession(res, accounts, found.user, now(), session);
        await accounts.audit(now().toISOString(), `user:${found.user.username}`, 'signin', found.user.username);
        res.redirect(303, safeNext(body.next));
      },
    }),
    route({
      method: 'post',
      path: '/signout',
      summary: 'Sign out',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      handler: async ({ res }) => {
        const p = principalOf(res);
        await endSession(res, accounts, p.sessionHash, session.secureCookies);
        res.redirect(303, '/signin');
      },
    }),
    route({
      method: 'get',
      path: '/account',
      summary: 'Your account and API tokens',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      handler: async ({ res }) => sendHtml(res, await accountPage(principalOf(res), null)),
    }),
    route({
      method: 'post',
      path: '/account/tokens',
      summary: 'Create an API token (page form)',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      body: tokenForm,
      handler: async ({ body, res }) => {
        const p = principalOf(res);
        const { token } = await service.createToken(p, body.name);
        sendHtml(res, await accountPage(p, token), 201);
      },
    }),
    route({
      method: 'post',
      path: '/account/password',
      summary: 'Change your own password (page form)',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      body: passwordForm,
      handler: async ({ body, res, actor }) => {
        const p = principalOf(res);
        const user = p.userId ? await accounts.userById(p.userId) : undefined;
        const found = user ? await accounts.credentials(user.username) : undefined;
        if (!user || !found || !(await verifyPassword(body.current, found.passwordHash))) {
          throw new HttpError(403, 'wrong_password', 'The current password is not right; nothing was changed.');
        }
        await service.updateUser(user.id, { password: body.password }, actor, { keepSession: p.sessionHash });
        sendHtml(res, await accountPage(p, null, 'Password changed.'));
      },
    }),
    route({
      method: 'post',
      path: '/account/tokens/revoke',
      summary: 'Revoke an API token (page form)',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      body: revokeForm,
      handler: async ({ body, res }) => {
        await service.revokeToken(principalOf(res), body.id);
        res.redirect(303, '/account');
      },
    }),
    route({
      method: 'get',
      path: '/admin/users',
      summary: 'Manage users',
      tag: 'pages',
      access: 'admin',
      produces: 'html',
      handler: async ({ res }) => sendHtml(res, await usersPage(principalOf(res), null)),
    }),
    route({
      method: 'post',
      path: '/admin/users',
      summary: 'Create a user (page form)',
      tag: 'pages',
      access: 'admin',
      produces: 'html',
      body: userForm,
      handler: async ({ body, res, actor }) => {
        const { _csrf: _unused, ...input } = body;
        const user = await service.createUser(input, actor);
        sendHtml(res, await usersPage(principalOf(res), `User ${user.username} created.`), 201);
      },
    }),
    route({
      method: 'post',
      path: '/admin/users/change',
      summary: 'Change a user’s role or status (page form)',
      tag: 'pages',
      access: 'admin',
      produces: 'html',
      body: userChangeForm,
      handler: async ({ body, res, actor }) => {
        const p = principalOf(res);
        try {
          if (body.id === p.userId && (body.disabled === true || (body.role && body.role !== 'admin'))) {
            throw new HttpError(409, 'own_account', 'You cannot demote or disable your own account.');
          }
          await service.updateUser(body.id, { role: body.role, disabled: body.disabled }, actor);
        } catch (error) {
          // A refusal is a page with the reason, as every form answers, not a JSON error.
          if (!(error instanceof HttpError) || error.status >= 500) throw error;
          return sendHtml(res, await usersPage(p, null, error.message), error.status);
        }
        res.redirect(303, '/admin/users');
      },
    }),
    route({
      method: 'get',
      path: '/audit',
      summary: 'Who did what',
      tag: 'pages',
      access: 'admin',
      produces: 'html',
      query: z.object({ actor: z.string().max(200).optional(), page: z.coerce.number().int().min(1).max(100000).catch(1).default(1) }),
      handler: async ({ query, res }) => {
        const size = 100;
        const entries = await accounts.auditTrail({ actor: query.actor, limit: size, offset: (query.page - 1) * size });
        const displayName = await displayNamesOf(
          entries.map((e) => e.actor),
          async (username: string) => (await accounts.credentials(username))?.user.displayName,
        );
        const sentences: { e: AccountEntryLike; sentence: Html }[] = [];
        for (const e of entries) sentences.push({ e, sentence: await auditSentence(e, { offices, displayName }) });
        sendHtml(
          res,
          page({
            title: 'Audit',
            section: 'audit',
            body: html`<h1>Audit</h1>
<form class="card filters" method="get" action="/audit" role="search"><label class="field">Actor <input name="actor" value="${query.actor ?? ''}"></label> <button class="btn" type="submit">Filter</button></form>
<section class="card"><ol class="audit" id="audit">
${sentences.map(
  ({ e, sentence }) =>
    html`<li>${sentence} · <a class="small" href="/audit?actor=${encodeURIComponent(e.actor)}">all by this actor</a></li>`,
)}</ol>
${entries.length === size ? html`<a class="btn secondary" href="/audit?page=${query.page + 1}${query.actor ? `&actor=${encodeURIComponent(query.actor)}` : ''}">Older</a>` : ''}</section>`,
          }),
        );
      },
    }),
  ];
}

/** The 429 answer of a sign-in refused for too many failures. */
export const createSignInGuard = (limiter: SignInLimiter) =>
  signInGuard(limiter, () => signInPage('/', 'Too many failed sign-ins for this account or from this address. Wait fifteen minutes and try again.'));
