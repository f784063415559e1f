/** The benchmark command runs end to end on a tiny slice and prints both frameworks' figures. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");

describe("npm run bench", () => {
  it("trains tfjs and the PyTorch reference on the same batches and prints the ratio", () => {
    const r = spawnSync(process.execPath, [path.join(root, "dist/cli/bench.js"), "--data", path.join(root, "data/default-corpus.tsv"), "--pairs", "128"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.equal(out.batches, 2);
    assert.ok(out.tfjs.targetTokensPerSecond > 0 && Number.isFinite(out.tfjs.finalLoss));
    assert.equal(typeof out.pytorch, "object", `PyTorch reference: ${JSON.stringify(out.pytorch)} (Debian: python3-torch)`);
    assert.ok(out.pytorch.targetTokensPerSecond > 0 && Number.isFinite(out.pytorch.finalLoss));
    assert.ok(out.ratio > 0);
    // Same model, same batches: the first-epoch losses start from ln(V) and stay close.
    assert.ok(out.lossDifference < 0.1, `losses ${out.tfjs.finalLoss} vs ${out.pytorch.finalLoss}`);
  });

  it("rejects a missing data file", () => {
    const r = spawnSync(process.execPath, [path.join(root, "dist/cli/bench.js"), "--data", "/nonexistent.tsv"], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /cannot read --data \/nonexistent\.tsv/);
  });
});
