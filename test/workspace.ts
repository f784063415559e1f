/**
 * A temporary copy of the workbook's notebooks for tests, so nothing a participant owns is touched:
 *
 *   <tmp>/notebooks/       a copy of notebooks/ (with solutions/ and _static/plotly.js)
 *   <tmp>/node_modules     a link to this checkout's node_modules (the notebooks import the library by name)
 *   <tmp>/checkpoints/     where the training notebooks save (their "../checkpoints/..." paths)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writePlotlyAsset } from "attention-workbook";

export const root = path.resolve(__dirname, "..");

export interface Workspace {
  dir: string;
  notebooks: string;
  checkpoints: string;
  remove(): void;
}

/** Copies notebooks/ into a new temporary folder (see the module comment). */
export function makeWorkspace(prefix = "workbook-test-"): Workspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const notebooks = path.join(dir, "notebooks");
  fs.cpSync(path.join(root, "notebooks"), notebooks, {
    recursive: true,
    filter: (source) => !/[\\/](_static|\.ipynb_checkpoints)$/.test(source),
  });
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  writePlotlyAsset(notebooks);
  return { dir, notebooks, checkpoints: path.join(dir, "checkpoints"), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
