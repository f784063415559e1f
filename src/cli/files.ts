/**
 * Checks on the files and directories a command was given, made before any work so that a wrong path
 * is reported in one line at once (not after an epoch of training).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "./args";

/** The path itself when it exists, else its nearest existing ancestor. */
function nearestExisting(p: string): string {
  let at = path.resolve(p);
  while (!fs.existsSync(at)) {
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  return at;
}

/** `flag` names a readable regular file. */
export function checkReadableFile(flag: string, file: string): void {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new Error(`cannot read ${flag} ${file}: no such file`);
  if (stat.isDirectory()) throw new UsageError(`${flag} ${file} is a directory, not a file`);
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new Error(`cannot read ${flag} ${file}: permission denied`);
  }
}

/** `flag` names a directory that exists or can be made, and that this user can write in. */
export function checkWritableDir(flag: string, dir: string): void {
  if (dir.trim() === "") throw new UsageError(`${flag} is empty: give a directory`);
  const at = nearestExisting(dir);
  const stat = fs.statSync(at);
  if (!stat.isDirectory()) {
    throw new UsageError(
      at === path.resolve(dir)
        ? `${flag} ${dir} is a file, not a directory`
        : `${flag} ${dir}: ${at} is a file, so no directory can be made under it`,
    );
  }
  // Permission bits do not tell everything (root, read-only mounts, /proc): make and remove a directory.
  try {
    fs.rmdirSync(fs.mkdtempSync(path.join(at, ".wb-probe-")));
  } catch (e) {
    throw new UsageError(
      `${flag} ${dir}: cannot write in ${at} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/** `flag` names a file that can be written (its directory exists or can be made, and it is not a directory). */
export function checkWritableFile(flag: string, file: string): void {
  if (file.trim() === "") throw new UsageError(`${flag} is empty: give a file name`);
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw new UsageError(`${flag} ${file} is a directory, not a file`);
  checkWritableDir(flag, path.dirname(path.resolve(file)));
}
