/**
 * A property of saving: whatever moment a training run is killed at (`kill -9`, no chance to clean up),
 * the checkpoint directory holds a model that loads, and the next `--resume` takes over the dead run's
 * lock and continues from it.
 */
import { describe, it, before, after } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadCheckpoint, Random, tf } from "attention-workbook";
import { useBackend } from "./helpers";

const root = path.resolve(__dirname, "..");
const TRAIN = path.join(root, "dist/cli/train.js");
/** How many runs are killed; the README's Reliability section quotes this number. */
export const KILLS = 24;
const MODEL_FLAGS = ["--hidden", "8", "--embedding", "8", "--no-eval"];

/** Starts a resumed run that would train for a long time, and kills it `delayMs` after it starts training. */
async function killDuringTraining(
  data: string,
  out: string,
  delayMs: number,
): Promise<{ trainedEpochs: number; signal: string | null }> {
  const child = spawn(
    process.execPath,
    [TRAIN, "--data", data, "--resume", "--epochs", "100000", ...MODEL_FLAGS, "--out", out],
    { cwd: root, env: { ...process.env, TFJS_BACKEND: "" } },
  );
  let stderr = "";
  const exited = new Promise<string | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  const started = new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("resuming from")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`the run ended (${code}) before training: ${stderr}`)));
  });
  await started;
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill("SIGKILL");
  const signal = await exited;
  return { trainedEpochs: (stderr.match(/^epoch \d+:/gm) ?? []).length, signal };
}

/**
 * A child process that loads the checkpoint and saves it again as the next epoch, killing itself with
 * SIGKILL at its `killAt`-th call that changes the file system (every such call of a save, the lock's
 * included, is one step). It prints how many such calls the save made when it was not killed.
 */
const SAVE_CHILD = `
const fs = require("node:fs");
const wb = require(process.argv[2]);
const [dir, killAt] = [process.argv[3], Number(process.argv[4])];
(async () => {
  await wb.ready();
  const tm = wb.loadCheckpoint(dir);
  let calls = 0;
  for (const name of ["openSync", "writeSync", "fsyncSync", "closeSync", "renameSync", "rmSync", "rmdirSync", "mkdirSync", "linkSync", "writeFileSync", "unlinkSync"]) {
    const original = fs[name];
    fs[name] = function (...args) {
      if (++calls === killAt) process.kill(process.pid, "SIGKILL");
      return original.apply(this, args);
    };
  }
  await wb.saveCheckpoint(dir, tm, { training: { ...tm.training, epoch: tm.training.epoch + 1 } });
  process.stdout.write(String(calls));
})();
`;

/** The epoch of the checkpoint in `dir` (loaded, read and disposed). */
function savedEpoch(dir: string): number {
  const loaded = loadCheckpoint(dir);
  loaded.model.dispose();
  return loaded.training?.epoch ?? 0;
}

/** True when the directory shows a save in progress (a version or LATEST not yet switched or cleaned up). */
function killedInsideSave(out: string): boolean {
  const entries = fs.readdirSync(out);
  return entries.filter((f) => /^v\d{6}$/.test(f)).length > 1 || entries.some((f) => f.startsWith("LATEST.tmp"));
}

describe("kill -9 at random moments of training", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "wb-kill-"));
  const data = path.join(work, "pairs.tsv");
  const out = path.join(work, "ck");
  before(async () => {
    const lines = fs.readFileSync(path.join(root, "data/default-corpus.tsv"), "utf8").split("\n").slice(0, 30);
    fs.writeFileSync(data, lines.join("\n") + "\n");
    const r = spawnSync(process.execPath, [TRAIN, "--data", data, "--epochs", "1", ...MODEL_FLAGS, "--out", out], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    await useBackend("wasm");
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it(`after each of ${KILLS} kills the checkpoint loads, never goes back, and the next run resumes it`, async () => {
    const rng = new Random(15);
    let epoch = 1;
    let insideSave = 0;
    const delays: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const delay = Math.round(rng.uniform(0, 1000));
      delays.push(delay);
      const { signal } = await killDuringTraining(data, out, delay);
      assert.equal(signal, "SIGKILL", `kill ${k + 1} (after ${delay} ms): the run was not killed but ended by itself`);
      if (killedInsideSave(out)) insideSave++;
      const before = tf.memory().numTensors;
      const loaded = loadCheckpoint(out); // throws if the kill left nothing loadable
      const saved = loaded.training?.epoch ?? 0;
      assert.ok(
        saved >= epoch,
        `kill ${k + 1} (after ${delay} ms): checkpoint at epoch ${saved}, it was at ${epoch} before`,
      );
      epoch = saved;
      loaded.model.dispose();
      assert.equal(tf.memory().numTensors, before, "loading leaves no tensor behind");
    }
    // The dead runs' locks are stale: a normal run takes the directory over and trains one more epoch.
    const r = spawnSync(
      process.execPath,
      [TRAIN, "--data", data, "--resume", "--epochs", "1", ...MODEL_FLAGS, "--out", out],
      { cwd: root, encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout.trim().split("\n").pop()!).epochs, epoch + 1);
    assert.deepEqual(
      fs.readdirSync(out).sort(),
      ["LATEST", fs.readFileSync(path.join(out, "LATEST"), "utf8").trim()].sort(),
      "no lock, no partial version left",
    );
    assert.ok(epoch > 1, `the killed runs trained and saved (epoch ${epoch})`);
    process.stderr.write(
      `# ${KILLS} kills after ${delays.join(", ")} ms of training; ${insideSave} inside a save; the checkpoint reached epoch ${epoch}\n`,
    );
  });

  it("a kill at every step of a save leaves the old or the new version, loadable, and the next save succeeds", () => {
    const script = path.join(work, "save-child.js");
    fs.writeFileSync(script, SAVE_CHILD);
    const runChild = (killAt: number) =>
      spawnSync(process.execPath, [script, root, out, String(killAt)], { cwd: root, encoding: "utf8" });
    const clean = runChild(0);
    assert.equal(clean.status, 0, clean.stderr);
    const steps = Number(clean.stdout);
    assert.ok(steps >= 20, `a save makes ${steps} file-system calls`);
    let epoch = savedEpoch(out);
    for (let k = 1; k <= steps; k++) {
      const r = runChild(k);
      assert.equal(r.signal, "SIGKILL", `step ${k}: not killed (${r.stderr})`);
      const saved = savedEpoch(out); // throws if the kill left nothing loadable
      assert.ok(
        saved === epoch || saved === epoch + 1,
        `killed at step ${k} of ${steps}: epoch ${saved}, expected ${epoch} or ${epoch + 1}`,
      );
      epoch = saved;
    }
    const after = runChild(0);
    assert.equal(after.status, 0, after.stderr);
    assert.equal(savedEpoch(out), epoch + 1);
    process.stderr.write(`# ${steps} kills, one at each file-system step of a save\n`);
  });
});
