import { describe, it, before } from "node:test";
import * as assert from "node:assert/strict";
import {
  tf,
  Random,
  bahdanauScores,
  luongScores,
  luongQueryScores,
  sharedConcatScores,
  attentionWeights,
  contextVector,
  BahdanauAttention,
  LuongAttention,
  ShapeChecker,
  scaledDotProductAttention,
  Dense,
  projectKeys,
  attentionalState,
} from "attention-workbook";
import { glorotLimit } from "attention-workbook/nn";
import { BACKENDS, useBackend, randomValues, assertClose, assertNoLeak } from "./helpers";
import * as ref from "./reference";

const d = { B: 3, S: 5, Hq: 4, Hk: 6, U: 7 };

function inputs(seed: number, dims = d) {
  const rng = new Random(seed);
  const n = (shape: number[]) =>
    randomValues(
      rng,
      shape.reduce((a, b) => a * b, 1),
    );
  return {
    q: n([dims.B, dims.Hq]),
    k: n([dims.B, dims.S, dims.Hk]),
    kSame: n([dims.B, dims.S, dims.Hq]),
    Wq: n([dims.Hq, dims.U]),
    Wk: n([dims.Hk, dims.U]),
    v: n([dims.U]),
    WaGeneral: n([dims.Hq, dims.Hk]),
    WaConcat: n([dims.Hq + dims.Hk, dims.U]),
    Wshared: n([dims.Hq, dims.U]),
  };
}

for (const backend of BACKENDS) {
  describe(`attention functions on ${backend}`, () => {
    before(() => useBackend(backend));

    it("match the plain-JavaScript reference on random inputs (1e-5)", async () => {
      for (const seed of [1, 2, 3]) {
        const x = inputs(seed);
        await assertNoLeak("scores", () => {
          const q = tf.tensor2d(x.q, [d.B, d.Hq]);
          const k = tf.tensor3d(x.k, [d.B, d.S, d.Hk]);
          const kSame = tf.tensor3d(x.kSame, [d.B, d.S, d.Hq]);
          const Wq = tf.tensor2d(x.Wq, [d.Hq, d.U]),
            Wk = tf.tensor2d(x.Wk, [d.Hk, d.U]),
            v = tf.tensor1d(x.v);
          const WaG = tf.tensor2d(x.WaGeneral, [d.Hq, d.Hk]);
          const WaC = tf.tensor2d(x.WaConcat, [d.Hq + d.Hk, d.U]);
          const Ws = tf.tensor2d(x.Wshared, [d.Hq, d.U]);
          const check = (t: tf.Tensor, want: number[], what: string) => {
            assert.deepEqual(t.shape, [d.B, d.S], `${what} shape`);
            assertClose(t.dataSync(), want, 1e-5, what);
            t.dispose();
          };
          check(bahdanauScores(q, k, { Wq, Wk, v }), ref.refBahdanau(d, x.q, x.k, x.Wq, x.Wk, x.v), "bahdanau");
          const dd = { ...d, Hk: d.Hq };
          check(luongScores("dot", q, kSame), ref.refDot(dd, x.q, x.kSame), "dot");
          check(luongScores("general", q, k, { Wa: WaG }), ref.refGeneral(d, x.q, x.k, x.WaGeneral), "general");
          check(luongScores("concat", q, k, { Wa: WaC, v }), ref.refConcat(d, x.q, x.k, x.WaConcat, x.v), "concat");
          check(
            sharedConcatScores(q, kSame, { W: Ws, v }),
            ref.refSharedConcat(dd, x.q, x.kSame, x.Wshared, x.v),
            "concat-shared",
          );
          tf.dispose([q, k, kSame, Wq, Wk, v, WaG, WaC, Ws]);
        });
      }
    });

    it("one score kernel: T queries at once give, row by row, the reference scores of T single steps", async () => {
      const T = 4;
      const x = inputs(11);
      const rng = new Random(12);
      const queries = Array.from({ length: T }, () => randomValues(rng, d.B * d.Hq));
      // [B,T,Hq] from T per-step [B,Hq] queries.
      const stackedValues = (b: number) => queries.flatMap((q) => Array.from(q.slice(b * d.Hq, (b + 1) * d.Hq)));
      const stacked = Array.from({ length: d.B }, (_, b) => stackedValues(b)).flat();
      await assertNoLeak("luongQueryScores", () => {
        const Q = tf.tensor3d(stacked, [d.B, T, d.Hq]);
        const k = tf.tensor3d(x.k, [d.B, d.S, d.Hk]);
        const kSame = tf.tensor3d(x.kSame, [d.B, d.S, d.Hq]);
        const WaG = tf.tensor2d(x.WaGeneral, [d.Hq, d.Hk]);
        const WaC = tf.tensor2d(x.WaConcat, [d.Hq + d.Hk, d.U]);
        const W = tf.tensor2d(x.Wshared, [d.Hq, d.U]);
        const v = tf.tensor1d(x.v);
        const dd = { ...d, Hk: d.Hq };
        const kinds = [
          ["dot", kSame, {}, (q: Float32Array) => ref.refDot(dd, q, x.kSame)],
          ["general", k, { Wa: WaG }, (q: Float32Array) => ref.refGeneral(d, q, x.k, x.WaGeneral)],
          ["concat", k, { Wa: WaC, v }, (q: Float32Array) => ref.refConcat(d, q, x.k, x.WaConcat, x.v)],
          ["concat-shared", kSame, { W, v }, (q: Float32Array) => ref.refSharedConcat(dd, q, x.kSame, x.Wshared, x.v)],
        ] as const;
        for (const [kind, keys, params, reference] of kinds) {
          const scores = luongQueryScores(kind, Q, keys, params);
          assert.deepEqual(scores.shape, [d.B, T, d.S], `${kind} shape`);
          const got = scores.arraySync();
          for (let t = 0; t < T; t++) {
            const want = reference(queries[t]);
            const row = got.flatMap((perBatch) => perBatch[t]);
            assertClose(Float32Array.from(row), want, 1e-5, `${kind} step ${t}`);
          }
          scores.dispose();
        }
        tf.dispose([Q, k, kSame, WaG, WaC, W, v]);
      });
    });

    it("attentionWeights and contextVector match the reference, with and without a mask", async () => {
      const rng = new Random(7);
      const scores = randomValues(rng, d.B * d.S, 3);
      const keys = randomValues(rng, d.B * d.S * d.Hk);
      const mask = [1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
      await assertNoLeak("weights/context", () => {
        const s = tf.tensor2d(scores, [d.B, d.S]);
        const m = tf.tensor2d(mask, [d.B, d.S], "int32");
        const k = tf.tensor3d(keys, [d.B, d.S, d.Hk]);
        for (const withMask of [false, true]) {
          const w = attentionWeights(s, withMask ? m : undefined);
          const wantW = ref.refWeights(d.B, d.S, scores, withMask ? mask : undefined);
          assertClose(w.dataSync(), wantW, 1e-5, `weights (mask ${withMask})`);
          const c = contextVector(w, k);
          assert.deepEqual(c.shape, [d.B, d.Hk]);
          assertClose(c.dataSync(), ref.refContext(d.B, d.S, d.Hk, wantW, keys), 1e-5, "context");
          tf.dispose([w, c]);
        }
        tf.dispose([s, m, k]);
      });
    });

    it("the worked example: hidden size 3, two encoder outputs (numbers checked by hand)", () => {
      // Encoder outputs k1 = [1,1,0], k2 = [0,1,1]; decoder state h = [1,0,2].
      const keys = tf.tensor3d([
        [
          [1, 1, 0],
          [0, 1, 1],
        ],
      ]);
      const h = tf.tensor2d([[1, 0, 2]]);
      // dot: k1·h = 1, k2·h = 2; softmax -> [1/(1+e), e/(1+e)] = [0.268941, 0.731059]
      const dot = luongScores("dot", h, keys);
      assertClose(dot.dataSync(), [1, 2], 1e-6, "dot scores");
      const wDot = attentionWeights(dot);
      assertClose(wDot.dataSync(), [0.268941, 0.731059], 1e-5, "dot weights");
      // context = 0.268941·[1,1,0] + 0.731059·[0,1,1]
      assertClose(contextVector(wDot, keys).dataSync(), [0.268941, 1, 0.731059], 1e-5, "dot context");
      // general with Wa swapping the first two coordinates: h·Wa = [0,1,2]; scores 1 and 3
      const Wa = tf.tensor2d([
        [0, 1, 0],
        [1, 0, 0],
        [0, 0, 1],
      ]);
      const gen = luongScores("general", h, keys, { Wa });
      assertClose(gen.dataSync(), [1, 3], 1e-6, "general scores");
      assertClose(attentionWeights(gen).dataSync(), [0.119203, 0.880797], 1e-5, "general weights");
      // Bahdanau, U = 2: h·Wq = [1,0]; k1·Wk = [1,0], k2·Wk = [1,1]
      // score1 = v·tanh([2,0]) = tanh 2 = 0.964028; score2 = v·tanh([2,1]) = tanh 2 - tanh 1 = 0.202433
      const Wq = tf.tensor2d([
        [1, 0],
        [0, 1],
        [0, 0],
      ]);
      const Wk = tf.tensor2d([
        [0, 0],
        [1, 0],
        [0, 1],
      ]);
      const v = tf.tensor1d([1, -1]);
      const bah = bahdanauScores(h, keys, { Wq, Wk, v });
      assertClose(bah.dataSync(), [0.964028, 0.202433], 1e-5, "bahdanau scores");
      const wBah = attentionWeights(bah);
      assertClose(wBah.dataSync(), [0.6817, 0.3183], 1e-4, "bahdanau weights");
      assertClose(contextVector(wBah, keys).dataSync(), [0.6817, 1, 0.3183], 1e-4, "bahdanau context");
      // The paper's concat with Wa = [Wq; Wk] is the same additive score.
      const WaC = tf.concat([Wq, Wk], 0) as tf.Tensor2D;
      assertClose(
        luongScores("concat", h, keys, { Wa: WaC, v }).dataSync(),
        [0.964028, 0.202433],
        1e-5,
        "concat scores",
      );
    });

    it("masks padding to exactly 0 and rows sum to 1; an all-padding row throws", () => {
      const scores = tf.tensor2d([
        [5, 1, 100],
        [0.5, -2, 3],
      ]);
      const mask = tf.tensor2d([
        [1, 1, 0],
        [1, 0, 1],
      ]);
      const w = attentionWeights(scores, mask).arraySync();
      assert.equal(w[0][2], 0);
      assert.equal(w[1][1], 0);
      for (const row of w) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6);
      assert.throws(
        () =>
          attentionWeights(
            scores,
            tf.tensor2d([
              [1, 1, 1],
              [0, 0, 0],
            ]),
          ),
        /row 1 .* all zeros/,
      );
    });

    it("each batch row is computed independently of the others", () => {
      const x = inputs(11);
      const q = tf.tensor2d(x.q, [d.B, d.Hq]);
      const k = tf.tensor3d(x.k, [d.B, d.S, d.Hk]);
      const layer = new LuongAttention("concat", { querySize: d.Hq, keySize: d.Hk, units: d.U, seed: 3 });
      const all = layer.call(q, k).context.arraySync();
      for (let b = 0; b < d.B; b++) {
        const one = layer.call(q.slice([b, 0], [1, d.Hq]), k.slice([b, 0, 0], [1, d.S, d.Hk])).context.arraySync();
        assertClose(one[0], all[b], 1e-6, `row ${b}`);
      }
      layer.dispose();
    });

    it("layers give finite, non-zero gradients for every weight and input, without leaks", async () => {
      const x = inputs(5);
      const q = tf.tensor2d(x.q, [d.B, d.Hq]);
      const qSame = tf.tensor2d(x.q.slice(0, d.B * d.Hq), [d.B, d.Hq]);
      const k = tf.tensor3d(x.k, [d.B, d.S, d.Hk]);
      const kSame = tf.tensor3d(x.kSame, [d.B, d.S, d.Hq]);
      const mask = tf.tensor2d([1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1], [d.B, d.S]);
      const target = tf.tensor2d(randomValues(new Random(9), d.B * d.Hk), [d.B, d.Hk]);
      const layers = [
        new BahdanauAttention({ querySize: d.Hq, keySize: d.Hk, units: d.U, seed: 1 }),
        new LuongAttention("general", { querySize: d.Hq, keySize: d.Hk, seed: 2 }),
        new LuongAttention("concat", { querySize: d.Hq, keySize: d.Hk, units: d.U, seed: 3 }),
        new LuongAttention("dot", { querySize: d.Hq, keySize: d.Hq }),
        new LuongAttention("concat-shared", { querySize: d.Hq, keySize: d.Hq, units: d.U, seed: 4 }),
      ];
      for (const layer of layers) {
        const same = layer.sizes.keySize === layer.sizes.querySize;
        const query = same ? qSame : q;
        const keys = same ? kSame : k;
        const tgt = same ? target.slice([0, 0], [d.B, d.Hq]) : target;
        await assertNoLeak(`${layer.kind} gradients`, () => {
          const vars = layer.namedVariables();
          const loss = (qq: tf.Tensor2D, kk: tf.Tensor3D) => {
            const out = layer.call(qq, kk, { mask });
            return tf.sum(tf.square(tf.sub(out.context, tgt))).add(tf.sum(tf.mul(out.scores, 0.1))) as tf.Scalar;
          };
          if (Object.keys(vars).length > 0) {
            const { value, grads } = tf.variableGrads(() => loss(query, keys), Object.values(vars));
            for (const [name, v] of Object.entries(vars)) {
              const g = grads[v.name].dataSync();
              assert.ok(g.every(Number.isFinite), `${layer.kind}/${name}: non-finite gradient`);
              assert.ok(
                g.some((x) => x !== 0),
                `${layer.kind}/${name}: all-zero gradient`,
              );
            }
            tf.dispose([value, ...Object.values(grads)]);
          }
          const [gq, gk] = tf.grads((qq: tf.Tensor, kk: tf.Tensor) => loss(qq as tf.Tensor2D, kk as tf.Tensor3D))([
            query,
            keys,
          ]);
          assert.ok(
            gq.dataSync().some((x) => x !== 0) && gq.dataSync().every(Number.isFinite),
            `${layer.kind}: query gradient`,
          );
          assert.ok(
            gk.dataSync().some((x) => x !== 0) && gk.dataSync().every(Number.isFinite),
            `${layer.kind}: keys gradient`,
          );
          tf.dispose([gq, gk]);
        });
        if (same) tgt.dispose();
        layer.dispose();
      }
    });
  });
}

describe("attention shapes and initialisation", () => {
  before(() => useBackend("cpu"));

  it("names the argument, expected and received shape in errors", () => {
    const q = tf.zeros([2, 4]) as tf.Tensor2D;
    const k = tf.zeros([2, 5, 3]) as tf.Tensor3D;
    const Wa = tf.zeros([4, 4]) as tf.Tensor2D;
    assert.throws(() => luongScores("general", q, k, { Wa }), { message: "Wa: expected [Hq,Hk] with Hk=3, got [4,4]" });
    assert.throws(() => new ShapeChecker({ Hk: 4 }).check("keys", k, ["B", "S", "Hk"]), {
      message: "keys: expected [B,S,Hk] with Hk=4, got [2,5,3]",
    });
    assert.throws(() => luongScores("dot", q, k), /query and keys need the same size/);
    assert.throws(
      () => attentionWeights(tf.zeros([2, 5, 1]) as unknown as tf.Tensor2D),
      /scores: expected \[B,S\] \(rank 2\), got \[2,5,1\]/,
    );
    assert.throws(
      () => contextVector(tf.zeros([3, 5]) as tf.Tensor2D, k),
      /keys: expected \[B,S,Hk\] with B=3, got \[2,5,3\]/,
    );
    assert.throws(
      () => attentionWeights(tf.zeros([2, 5]) as tf.Tensor2D, tf.ones([2, 4]) as tf.Tensor2D),
      /mask: expected \[B,S\] with S=5, got \[2,4\]/,
    );
    const layer = new BahdanauAttention({ querySize: 4, keySize: 4, units: 8 });
    assert.throws(() => layer.call(q, k), /keys: expected \[B,S,Hk\]/);
    layer.dispose();
    // Below the attention layer too: a dense layer, the keys' projection, Luong's attentional state.
    const dense = new Dense(4, 3, new Random(1), { bias: false });
    assert.throws(() => dense.apply(tf.zeros([2, 5]) as tf.Tensor2D), {
      message: "Dense input: expected [N,4] with axis 1=4, got [2,5]",
    });
    assert.throws(() => projectKeys(k, tf.zeros([4, 8]) as tf.Tensor2D), {
      message: "W: expected [H,U] with H=3, got [4,8]",
    });
    assert.throws(
      () => attentionalState(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([3, 1]) as tf.Tensor2D, dense.W as tf.Tensor2D),
      {
        message: "decoder hidden state h: expected [N,H] with N=2, got [3,1]",
      },
    );
    const h = attentionalState(tf.ones([2, 3]) as tf.Tensor2D, tf.ones([2, 1]) as tf.Tensor2D, dense.W as tf.Tensor2D);
    assert.deepEqual(h.shape, [2, 3]);
    tf.dispose(h);
    dense.dispose();
  });

  it("initialises every weight with Glorot uniform, reproducibly from the seed", () => {
    const a = new LuongAttention("concat", { querySize: 4, keySize: 6, units: 5, seed: 42 });
    const b = new LuongAttention("concat", { querySize: 4, keySize: 6, units: 5, seed: 42 });
    for (const [name, v] of Object.entries(a.namedVariables())) {
      const vals = v.dataSync();
      const limit = glorotLimit(v.shape);
      assert.ok(
        vals.every((x) => Math.abs(x) <= limit),
        `${name} within ±${limit}`,
      );
      assert.ok(new Set(vals).size > vals.length / 2, `${name} is random, not constant`);
      assertClose(vals, b.namedVariables()[name].dataSync(), 0, `${name} same seed`);
    }
    assert.deepEqual(Object.keys(a.namedVariables()), ["Wa", "v"]);
    assert.deepEqual(Object.keys(new BahdanauAttention({ querySize: 2, keySize: 3 }).namedVariables()), [
      "Wq",
      "Wk",
      "v",
    ]);
    assert.deepEqual(Object.keys(new LuongAttention("dot", { querySize: 3, keySize: 3 }).namedVariables()), []);
    a.dispose();
    b.dispose();
  });
});

describe("scaled dot-product attention", () => {
  it("one query per sentence without the division is Luong's dot attention; the division is by sqrt(d)", () => {
    const B = 2,
      S = 5,
      d = 8;
    const rng = new Random(3);
    const query = tf.tensor2d(randomValues(rng, B * d), [B, d]);
    const keys = tf.tensor3d(randomValues(rng, B * S * d), [B, S, d]);
    const plain = scaledDotProductAttention(query.expandDims(1) as tf.Tensor3D, keys, keys, { scale: false });
    const luongWeights = attentionWeights(luongScores("dot", query, keys));
    assertClose(plain.weights.dataSync(), luongWeights.dataSync(), 1e-5, "weights");
    assertClose(plain.context.dataSync(), contextVector(luongWeights, keys).dataSync(), 1e-5, "context");
    const scaled = scaledDotProductAttention(query.expandDims(1) as tf.Tensor3D, keys, keys);
    assertClose(scaled.scores.mul(Math.sqrt(d)).dataSync(), plain.scores.dataSync(), 1e-5, "scores / sqrt(d)");
    assert.deepEqual(scaled.context.shape, [B, 1, d]);
    tf.dispose([query, keys, plain, luongWeights, scaled] as unknown as tf.Tensor[]);
  });

  it("names the shapes it expected", () => {
    const q = tf.zeros([1, 2, 4]) as tf.Tensor3D,
      k = tf.zeros([1, 3, 5]) as tf.Tensor3D;
    assert.throws(() => scaledDotProductAttention(q, k, k), /keys.*\[B,S,d\]/);
    tf.dispose([q, k]);
  });
});
