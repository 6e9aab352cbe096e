import type { Command } from 'commander';
import type { Runtime } from '../app/runtime';
import type { AccountStore } from '../storage/account-store';
import { accountService, newUserSchema, roleSchema, userUpdateSchema, type AccountService } from '../server/auth/service';
import { newSecret } from '../server/auth/secrets';
import { digitsId } from '../server/input';
import { EngineError } from '../engine/errors';

type Open = () => Promise<Runtime>;

const CLI_ACTOR = 'cli';

/** `users` and `tokens`: account administration from the shell, audited like the pages. */
export function registerAccountCommands(program: Command, open: Open): void {
  const withService = async <T>(work: (service: AccountService, accounts: AccountStore) => Promise<T> | T) => {
    const runtime = await open();
    try {
      return await work(accountService(runtime.accounts, () => runtime.engine.clock.now()), runtime.accounts);
    } finally {
      runtime.close();
    }
  };

  const users = program.command('users').description('Manage accounts (admin, coordinator, viewer).');
  users
    .command('list')
    .description('List accounts.')
    .action(() =>
      withService(async (_s, accounts) => {
        for (const u of await accounts.users()) {
          console.log(`${String(u.id).padStart(4)}  ${u.username.padEnd(20)} ${u.role.padEnd(12)} ${u.disabledAt ? 'disabled' : 'active'}  ${u.displayName}`);
        }
      }),
    );
  users
    .command('add')
    .description('Create an account. The password comes from --password or the NEW_USER_PASSWORD variable.')
    .argument('<username>')
    .requiredOption('--role <role>', 'admin, coordinator or viewer')
    .option('--name <display name>', 'full name (default: the user name)')
    .option('--email <email>')
    .option('--password <password>', 'at least 10 characters')
    .action((username: string, opts: { role: string; name?: string; email?: string; password?: string }) =>
      withService(async (service) => {
        const parsed = newUserSchema.safeParse({
          username,
          displayName: opts.name ?? username,
          email: opts.email,
          role: opts.role,
          password: opts.password ?? process.env.NEW_USER_PASSWORD,
        });
        if (!parsed.success) throw new EngineError('invalid_input', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        const user = await service.createUser(parsed.data, CLI_ACTOR);
        console.log(`Created ${user.username} (${user.role}), id ${user.id}.`);
      }),
    );
  users
    .command('set-role')
    .description("Change an account's role.")
    .argument('<username>')
    .argument('<role>')
    .action((username: string, role: string) =>
      withService(async (service, accounts) => {
        const user = (await accounts.credentials(username))?.user;
        if (!user) throw new EngineError('not_found', `No user "${username}".`);
        await service.updateUser(user.id, { role: roleSchema.parse(role) }, CLI_ACTOR);
        console.log(`${username} is now ${role}.`);
      }),
    );
  // The way back in for an operator locked out of every admin account: the CLI needs the database, not a sign-in.
  users
    .command('reset-password')
    .description('Set a new password (from --password or NEW_USER_PASSWORD, else a random one printed once); ends every session of the account.')
    .argument('<username>')
    .option('--password <password>', 'at least 10 characters')
    .action((username: string, opts: { password?: string }) =>
      withService(async (service, accounts) => {
        const user = await userNamed(accounts, username);
        const given = opts.password ?? process.env.NEW_USER_PASSWORD;
        const password = given || newSecret().slice(0, 20);
        const parsed = userUpdateSchema.safeParse({ password });
        if (!parsed.success) throw new EngineError('invalid_input', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        await service.updateUser(user.id, parsed.data, CLI_ACTOR);
        console.log(given ? `Password of ${username} changed.` : `Password of ${username} is now: ${password}\nIt is not shown again.`);
      }),
    );
  users
    .command('enable')
    .description('Let a disabled account sign in again.')
    .argument('<username>')
    .action((username: string) =>
      withService(async (service, accounts) => {
        const user = await userNamed(accounts, username);
        await service.updateUser(user.id, { disabled: false }, CLI_ACTOR);
        console.log(`${username} (${user.role}) is enabled.`);
      }),
    );

  const tokens = program.command('tokens').description('API tokens for scripts (Authorization: Bearer …).');
  tokens
    .command('create')
    .description('Create a token for a user; it is printed once and stored hashed.')
    .argument('<username>')
    .argument('<name>', 'what the token is for')
    .action((username: string, name: string) =>
      withService(async (service, accounts) => {
        const user = (await accounts.credentials(username))?.user;
        if (!user) throw new EngineError('not_found', `No user "${username}".`);
        const { token, record } = await service.createToken({ kind: 'admin-token', role: 'admin', userId: null, actor: CLI_ACTOR }, name, user.id);
        console.log(`Token ${record.id} for ${username} (${user.role}): ${token}`);
        console.log('It is not shown again.');
      }),
    );
  tokens
    .command('revoke')
    .description('Revoke a token by id.')
    .argument('<id>')
    .action((id: string) =>
      withService(async (service) => {
        const parsed = digitsId.safeParse(id);
        if (!parsed.success) throw new EngineError('invalid_input', `Token id "${id}": ${parsed.error.issues[0]!.message}.`);
        const token = await service.revokeToken({ kind: 'admin-token', role: 'admin', userId: null, actor: CLI_ACTOR }, parsed.data);
        console.log(`Token ${token.id} (${token.name}) revoked.`);
      }),
    );
  tokens
    .command('list')
    .description('List tokens: id, owner, name, created, last used, revoked (never the token itself: only its hash is stored).')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withService(async (_s, accounts) => {
        const names = new Map((await accounts.users()).map((u) => [u.id, u.username]));
        const list = (await accounts.tokens()).map((t) => ({ ...t, user: names.get(t.userId) ?? `#${t.userId}` }));
        if (opts.json) return console.log(JSON.stringify(list, null, 2));
        if (list.length === 0) return console.log('No tokens.');
        for (const t of list) {
          const state = t.revokedAt ? `revoked ${t.revokedAt.slice(0, 16)}` : 'active';
          const used = t.lastUsedAt ? `used ${t.lastUsedAt.slice(0, 16)}` : 'never used';
          console.log(`${String(t.id).padStart(4)}  ${t.user.padEnd(20)} ${t.name.padEnd(24)} created ${t.createdAt.slice(0, 16)}  ${used}  ${state}`);
        }
      }),
    );
}

async function userNamed(accounts: AccountStore, username: string) {
  const user = (await accounts.credentials(username))?.user;
  if (!user) throw new EngineError('not_found', `No user "${username}".`);
  return user;
}
