/**
 * Data-parallel shards (src/train/parallel.ts): a batch is split into shards read back from the batch itself
 * (no trip to the training data), every example in exactly one shard, each shard padded to its own longest
 * sentence.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { Random, padBatch } from "attention-workbook";
import type { Example } from "attention-workbook";
import { batchExamples, shardBatch } from "attention-workbook/dist/train/parallel";

function examples(n: number, seed: number): Example[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => ({
    source: Array.from({ length: 1 + rng.int(7) }, () => 4 + rng.int(40)),
    target: Array.from({ length: 1 + rng.int(6) }, () => 4 + rng.int(40)),
  }));
}

describe("data-parallel shards", () => {
  it("reads a padded batch's examples back from its arrays (one-word sources and _EOS included)", () => {
    const ex = [{ source: [7], target: [9] }, ...examples(9, 3)];
    const batch = padBatch(
      ex,
      ex.map((_, i) => 100 + i),
      2,
    );
    assert.deepEqual(batchExamples(batch), ex);
  });

  it("puts every example in exactly one shard, padded to the shard's own longest sentence", () => {
    const ex = examples(16, 5);
    const batch = padBatch(
      ex,
      ex.map((_, i) => 10 + i),
    );
    for (const parts of [2, 3]) {
      const shards = shardBatch(batch, parts);
      assert.equal(shards.length, parts);
      const indices = shards.flatMap((s) => s.indices).sort((a, b) => a - b);
      assert.deepEqual(indices, batch.indices);
      for (const s of shards) {
        const mine = s.indices.map((i) => ex[i - 10]);
        assert.deepEqual(batchExamples(s), mine);
        assert.equal(s.targetLength, Math.max(...mine.map((e) => e.target.length)) + 1);
      }
      assert.equal(
        shards.reduce((n, s) => n + s.targetTokens, 0),
        batch.targetTokens,
      );
    }
  });
});
