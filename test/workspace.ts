/**
 * A temporary copy of the workbook's notebooks for tests, so nothing a participant owns is touched:
 *
 *   <tmp>/notebooks/       a copy of notebooks/ (with solutions/ and _static/plotly.js)
 *   <tmp>/node_modules     a link to this checkout's node_modules (the notebooks import the library by name)
 *   <tmp>/checkpoints/     where the training notebooks save (their "../checkpoints/..." paths)
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const root = path.resolve(__dirname, "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS script, shared with npm run timings
const lib = require(path.join(root, "scripts/lib.js")) as {
  copyNotebooks(prefix: string): { dir: string; notebooks: string };
};

export interface Workspace {
  dir: string;
  notebooks: string;
  checkpoints: string;
  remove(): void;
}

/** Copies notebooks/ into a new temporary folder (see the module comment; scripts/lib.js does the copy). */
export function makeWorkspace(prefix = "workbook-test-"): Workspace {
  const { dir, notebooks } = lib.copyNotebooks(prefix);
  return {
    dir,
    notebooks,
    checkpoints: path.join(dir, "checkpoints"),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Sets the fast-mode epochs of a training notebook's copy (its `const EPOCHS = wb.fullOrFast(15, 2);` line), as
 * a participant would change a parameter: a longer run whose live chart can be watched growing.
 */
export function setFastEpochs(notebook: string, epochs: number): void {
  const line = "const EPOCHS = wb.fullOrFast(15, 2);";
  const text = fs.readFileSync(notebook, "utf8");
  if (!text.includes(line)) throw new Error(`${notebook}: no line ${line}`);
  fs.writeFileSync(notebook, text.replace(line, `const EPOCHS = wb.fullOrFast(15, ${epochs});`));
}
