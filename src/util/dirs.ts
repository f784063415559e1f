/**
 * Making directories without `fs.mkdirSync(dir, { recursive: true })`, which never returns for a path
 * under /proc (Node loops on ENOENT there): each missing directory is made in turn, so an impossible
 * path fails at once with the error of the first directory that cannot be made.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Makes `dir` and its missing ancestors. */
export function makeDirs(dir: string): void {
  const abs = path.resolve(dir);
  if (fs.existsSync(abs)) return;
  const parent = path.dirname(abs);
  if (parent !== abs) makeDirs(parent);
  try {
    fs.mkdirSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
}
