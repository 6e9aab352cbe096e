import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { makeTempDir, removeTempDir } from './server';

/**
 * A private Dovecot IMAP server on 127.0.0.1 for one test file: its own configuration, state,
 * log and Maildir in a temp dir, a free port, plaintext login (loopback only) for one passwd-file
 * user. Debian's dovecot-imapd provides the binary; `.ci/run` installs it.
 */
export const DOVECOT = process.env.DOVECOT_PATH ?? '/usr/sbin/dovecot';
export const dovecotAvailable = fs.existsSync(DOVECOT);

/** `describe`, or `describe.skip` with the reason printed once, when dovecot is not installed. */
export const describeIfDovecot: jest.Describe = dovecotAvailable
  ? describe
  : (((name: string, fn: () => void) => {
      console.warn(`skipped "${name}": no dovecot at ${DOVECOT} (apt-get install -y dovecot-imapd, or set DOVECOT_PATH)`);
      describe.skip(name, fn);
    }) as jest.Describe);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server greets on the port, bounded. */
async function greeting(port: number, timeoutMs: number, child: ChildProcess, log: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with ${child.exitCode}: ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('* OK'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`dovecot did not greet on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class TestDovecot {
  readonly user = 'programme';
  readonly password = 'mailbox-password';
  port = 0;
  private dir = '';
  private child: ChildProcess | null = null;

  get url(): string {
    return `imap://${this.user}:${this.password}@127.0.0.1:${this.port}/INBOX`;
  }

  async start(): Promise<this> {
    this.dir = makeTempDir('onboarding-dovecot-');
    this.port = await freePort();
    const d = this.dir;
    fs.mkdirSync(path.join(d, 'run'));
    fs.mkdirSync(path.join(d, 'state'));
    fs.mkdirSync(path.join(d, 'home'));
    // Dovecot's processes run as the user that starts it; as root, as its own unprivileged users.
    const me = os.userInfo();
    const asRoot = me.uid === 0;
    fs.chmodSync(d, 0o755);
    // Dovecot never runs a mail process as uid 0: as root, the mailbox belongs to nobody.
    const owner = asRoot ? { uid: 65534, gid: 65534 } : { uid: me.uid, gid: os.userInfo().gid };
    if (asRoot) fs.chownSync(path.join(d, 'home'), owner.uid, owner.gid);
    fs.writeFileSync(path.join(d, 'passwd'), `${this.user}:{PLAIN}${this.password}::::::\n`);
    const config = `
base_dir = ${d}/run
state_dir = ${d}/state
log_path = ${d}/dovecot.log
info_log_path = ${d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
first_valid_gid = 0
${asRoot ? '' : `default_login_user = ${me.username}\ndefault_internal_user = ${me.username}`}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${d}/passwd
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${d}/home/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${this.port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
`;
    const conf = path.join(d, 'dovecot.conf');
    fs.writeFileSync(conf, config);
    this.child = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    this.child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    this.child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    try {
      await greeting(this.port, 15_000, this.child, path.join(d, 'dovecot.log'));
    } catch (error) {
      await this.stop();
      throw new Error(`${(error as Error).message}\n${output}`, { cause: error });
    }
    return this;
  }

  /** Puts a message in the INBOX (IMAP APPEND), unseen; answers its UID. */
  async deliver(source: string): Promise<number> {
    const client = this.client();
    await client.connect();
    try {
      const result = await client.append('INBOX', source, []);
      return result && result.uid ? result.uid : 0;
    } finally {
      await client.logout();
    }
  }

  /** Removes a flag from one message (as a crash between commit and flagging would leave it). */
  async unflag(uid: number, flag: string): Promise<void> {
    const client = this.client();
    await client.connect();
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        await client.messageFlagsRemove(String(uid), [flag], { uid: true });
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  }

  /** The flags of every message in the INBOX, by UID. */
  async flags(): Promise<Map<number, Set<string>>> {
    const client = this.client();
    await client.connect();
    const out = new Map<number, Set<string>>();
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        for await (const m of client.fetch('1:*', { flags: true, uid: true })) out.set(m.uid, m.flags ?? new Set());
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
    return out;
  }

  private client(): ImapFlow {
    return new ImapFlow({ host: '127.0.0.1', port: this.port, secure: false, auth: { user: this.user, pass: this.password }, logger: false });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    // KEEP_DOVECOT=1 keeps the directory, and so dovecot.log, for a failure to be read.
    if (this.dir && !process.env.KEEP_DOVECOT) removeTempDir(this.dir);
  }
}

export async function startDovecot(): Promise<TestDovecot> {
  return new TestDovecot().start();
}
