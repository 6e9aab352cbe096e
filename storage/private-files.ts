import fs from 'node:fs';
import path from 'node:path';

/**
 * The database holds the reply-link secret and the session and token hashes; the outbox `.eml`
 * files hold live reply links. Both are created readable by their owner only (files 0600,
 * directories 0700) whatever the umask: the mode given to open/mkdir is only narrowed by the umask,
 * so each new file or directory is also chmod-ed explicitly. Existing ones are left as the operator
 * set them.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates `dir` and its missing parents as 0700; directories that already exist are not touched. */
export function ensurePrivateDir(dir: string): void {
  const absolute = path.resolve(dir);
  const first = fs.mkdirSync(absolute, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  // mkdirSync returns the first directory it created; every one from there down to `dir` is new.
  for (let d = absolute; ; d = path.dirname(d)) {
    fs.chmodSync(d, PRIVATE_DIR_MODE);
    if (d === first || path.dirname(d) === d) break;
  }
}

/** Creates an empty `file` as 0600 unless it exists (then it is left alone). */
export function createPrivateFile(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  try {
    fs.fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `data` to a new file created 0600 (replacing any file of that name). */
export async function writePrivateFile(file: string, data: Buffer | string): Promise<void> {
  const handle = await fs.promises.open(file, 'w', PRIVATE_FILE_MODE);
  try {
    await handle.chmod(PRIVATE_FILE_MODE);
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}
