/**
 * The GPU backend only where a GPU is: `cudaDevices` reads what the NVIDIA driver lists, and the backend choice
 * skips @tensorflow/tfjs-node-gpu whenever no CUDA device is visible, installed or not.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { cudaDevices } from "attention-workbook/dist/backend/gpu";
import { tmpDir } from "./helpers";
import { root } from "./workspace";

describe("the GPU backend only where a GPU is", () => {
  it("finds the GPUs the NVIDIA driver lists, and none where it lists none", () => {
    const machine = tmpDir("workbook-gpu-");
    assert.deepEqual(cudaDevices(machine, {}), {
      visible: false,
      reason: "no CUDA device visible (no NVIDIA driver lists a GPU)",
    });
    fs.mkdirSync(path.join(machine, "proc/driver/nvidia/gpus/0000:01:00.0"), { recursive: true });
    fs.mkdirSync(path.join(machine, "proc/driver/nvidia/gpus/0000:02:00.0"), { recursive: true });
    const two = cudaDevices(machine, {});
    assert.equal(two.visible, true);
    assert.match(two.reason, /^2 NVIDIA GPUs/);
    for (const hidden of ["", "-1"]) {
      const none = cudaDevices(machine, { CUDA_VISIBLE_DEVICES: hidden });
      assert.equal(none.visible, false, `CUDA_VISIBLE_DEVICES=${JSON.stringify(hidden)}`);
      assert.match(none.reason, /hides every GPU/);
    }
    assert.equal(cudaDevices(machine, { CUDA_VISIBLE_DEVICES: "0" }).visible, true);
    fs.rmSync(machine, { recursive: true, force: true });
  });

  it("a machine without a visible GPU never selects tfjs-node-gpu, and says why", () => {
    const script = `require("attention-workbook").ready().then((r) => console.log(JSON.stringify(r)))`;
    const r = spawnSync(process.execPath, ["-e", script], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, CUDA_VISIBLE_DEVICES: "-1", TFJS_BACKEND: "" },
    });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
    assert.notEqual(report.choice, "tfjs-node-gpu");
    assert.deepEqual(report.attempts[0], {
      choice: "tfjs-node-gpu",
      ok: false,
      reason: 'CUDA_VISIBLE_DEVICES="-1" hides every GPU: the GPU backend is not chosen',
    });
  });
});
