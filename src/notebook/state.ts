/**
 * State that survives rerunning cells: `const s = notebookState("04")` returns the same object every
 * time in one kernel session, so a training cell can do `s.trainer ??= new Trainer(...)` and continue
 * training when it is run again, instead of starting over.
 */
import { fastMode } from "../util/fast-mode";

export { fastMode };

const store = new Map<string, Record<string, unknown>>();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a notebook keeps anything it likes across reruns: models, charts, numbers
export function notebookState<T extends Record<string, any> = Record<string, any>>(name: string): Partial<T> {
  let s = store.get(name);
  if (!s) {
    s = {};
    store.set(name, s);
  }
  return s as Partial<T>;
}

/**
 * Forgets a notebook's state, to start over: disposes what can be disposed, and the model inside
 * what holds one (a TranslationModel, a loaded checkpoint, a Trainer), so no tensor outlives it.
 */
export function resetNotebookState(name: string): void {
  const s = store.get(name);
  if (!s) return;
  for (const v of Object.values(s)) disposeValue(v);
  store.delete(name);
}

/** Disposes a value and the model it holds, when it has them (anything else is left alone). */
function disposeValue(v: unknown): void {
  if (!v || typeof v !== "object") return;
  const d = v as { dispose?: () => void; model?: { dispose?: () => void } };
  if (typeof d.dispose === "function") d.dispose();
  if (d.model && typeof d.model.dispose === "function") d.model.dispose();
}

/** `full` normally, `fast` under WORKBOOK_FAST=1. */
export function fullOrFast<T>(full: T, fast: T): T {
  return fastMode() ? fast : full;
}
