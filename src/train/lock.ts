/**
 * One writer per checkpoint directory: a lock file `DIR/LOCK` that names its owner (process id, host,
 * the process's start time and when it took the lock).
 *
 * The lock is taken atomically (a complete file is hard-linked into place, which fails when one is
 * already there). A lock whose owner is gone (killed, crashed) is stale: the next writer removes it
 * and takes the directory over. A lock held by a live process makes `acquireLock` throw a `LockedError`
 * with a one-line reason, before anything is written.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeDirs } from "../util/dirs";

export const LOCK_FILE = "LOCK";

/** Who holds a lock, as written in the lock file. */
export interface LockOwner {
  pid: number;
  host: string;
  /** The owner process's start time in clock ticks since boot (Linux), to tell a reused pid apart. */
  processStart?: string;
  since: string;
}

/** A checkpoint directory held by another live process. */
export class LockedError extends Error {
  constructor(
    readonly dir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `checkpoint directory ${dir} is in use by another training run (pid ${owner.pid} on ${owner.host}, since ${owner.since}); wait for it to end or use another --out`,
    );
    this.name = "LockedError";
  }
}

/** Locks this process holds: directory -> how many times it was acquired (a lock is re-entrant). */
const held = new Map<string, number>();

/** The start time of a process (field 22 of /proc/PID/stat), or undefined where there is no /proc. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** True when the process that wrote `owner` is still running. */
export function ownerAlive(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return true; // cannot tell from here: assume it is alive
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const start = processStartTime(owner.pid);
  return owner.processStart === undefined || start === undefined || start === owner.processStart;
}

/** Reads a lock file's owner; undefined when the file is gone or unreadable (an owner died mid-write). */
export function readLockOwner(dir: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.host === "string" ? owner : undefined;
  } catch {
    return undefined;
  }
}

function myOwner(): LockOwner {
  return {
    pid: process.pid,
    host: os.hostname(),
    processStart: processStartTime(process.pid),
    since: new Date().toISOString(),
  };
}

/** Tries to create the lock file in one step; false when one is there already. */
function tryCreate(dir: string): boolean {
  const tmp = path.join(dir, `${LOCK_FILE}.tmp-${process.pid}`);
  fs.writeFileSync(tmp, JSON.stringify(myOwner()));
  try {
    fs.linkSync(tmp, path.join(dir, LOCK_FILE));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Removes a stale lock. Breaking is itself guarded by `LOCK.break` (created exclusively), so two
 * processes that both find the same stale lock cannot remove each other's fresh one.
 */
function breakStaleLock(dir: string, stale: LockOwner | undefined): void {
  const guard = path.join(dir, `${LOCK_FILE}.break`);
  let fd: number;
  try {
    fd = fs.openSync(guard, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    // Someone is breaking it now, or died doing so: a dead breaker's guard (or one older than 10 s) goes.
    if (guardAbandoned(guard)) fs.rmSync(guard, { force: true });
    else sleepMs(10);
    return;
  }
  try {
    fs.writeSync(fd, String(process.pid));
    const now = readLockOwner(dir);
    const same = stale ? now !== undefined && now.pid === stale.pid && now.since === stale.since : now === undefined;
    if (same) fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
  } finally {
    fs.closeSync(fd);
    fs.rmSync(guard, { force: true });
  }
}

/** True when the process that made the break guard is gone, or the guard is old. */
function guardAbandoned(guard: string): boolean {
  const stat = fs.statSync(guard, { throwIfNoEntry: false });
  if (!stat) return false;
  const age = Date.now() - stat.mtimeMs;
  let text: string;
  try {
    text = fs.readFileSync(guard, "utf8");
  } catch {
    return false; // removed meanwhile
  }
  const pid = Number(text.trim() || NaN);
  if (!Number.isInteger(pid)) return age > 1000; // its maker died between creating and writing it
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") return true;
  }
  return age > 10_000;
}

/** A lock file that could not be read is only judged stale after this long (its owner may be writing it). */
const UNREADABLE_GRACE_MS = 2000;

/**
 * Takes the lock on a checkpoint directory (creating the directory), or throws `LockedError` when a
 * live process holds it. Re-entrant within one process. Returns the function that releases it.
 */
export function acquireLock(dir: string): () => void {
  const key = path.resolve(dir);
  const count = held.get(key);
  if (count) {
    held.set(key, count + 1);
    return once(() => releaseLock(dir));
  }
  makeDirs(dir);
  for (let attempt = 0; attempt < 50; attempt++) {
    if (tryCreate(dir)) {
      held.set(key, 1);
      return once(() => releaseLock(dir));
    }
    const owner = readLockOwner(dir);
    if (owner && ownerAlive(owner)) throw new LockedError(dir, owner);
    if (!owner) {
      const stat = fs.statSync(path.join(dir, LOCK_FILE), { throwIfNoEntry: false });
      if (stat && Date.now() - stat.mtimeMs < UNREADABLE_GRACE_MS) {
        sleepMs(20);
        continue;
      }
    }
    breakStaleLock(dir, owner);
  }
  throw new Error(
    `checkpoint directory ${dir}: could not take its lock file ${LOCK_FILE} (another process keeps taking it)`,
  );
}

/** Releases one hold of this process's lock on `dir`; the file goes when the last hold does. */
export function releaseLock(dir: string): void {
  const key = path.resolve(dir);
  const count = held.get(key) ?? 0;
  if (count > 1) {
    held.set(key, count - 1);
    return;
  }
  held.delete(key);
  if (readLockOwner(dir)?.pid === process.pid) fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
}

/** True when this process holds the lock on `dir`. */
export function holdsLock(dir: string): boolean {
  return (held.get(path.resolve(dir)) ?? 0) > 0;
}

/** Runs `fn` holding the lock on `dir` (taking it for the call when this process does not hold it yet). */
export async function withLock<T>(dir: string, fn: () => Promise<T> | T): Promise<T> {
  const release = acquireLock(dir);
  try {
    return await fn();
  } finally {
    release();
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
