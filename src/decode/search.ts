/**
 * Decoding: greedy (batched) and beam search, each returning for every output word the attention weights
 * over the source. Decoding always ends: at `_EOS` or at `maxLength` words.
 */
import * as tf from "@tensorflow/tfjs";
import { tidy } from "../util/tidy";
import type { Seq2Seq } from "../models/seq2seq";
import { DecoderMemory, DecoderState, memoryTensors, tileMemory } from "../models/decoder";
import { EOS_ID, SOS_ID } from "../data/vocab";
import { padBatch } from "../data/batches";

export interface Hypothesis {
  /** Output ids, without _SOS and _EOS. */
  ids: number[];
  /** `[ids.length (+1 with _EOS)][S]`: the attention weights for each output step over the source. */
  attention: number[][];
  /** Sum of log-probabilities of the chosen words (with _EOS when it was chosen). */
  logProb: number;
  /** True when the model chose _EOS before maxLength. */
  complete: boolean;
}

export interface SearchOptions {
  /** Most output words; default 2·S + 10 for a source of S tokens. */
  maxLength?: number;
}

function disposeState(s: DecoderState): void {
  tf.dispose([s.rnn.h, s.rnn.c ?? [], s.attentional ?? []] as tf.Tensor[]);
}

function disposeMemory(m: DecoderMemory): void {
  tf.dispose(memoryTensors(m));
}

function keepState(s: DecoderState): DecoderState {
  for (const t of [s.rnn.h, s.rnn.c, s.attentional]) if (t) tf.keep(t);
  return s;
}

/** Greedy decoding of several sentences at once. `sources` are id lists (no _SOS/_EOS). */
export function greedySearch(model: Seq2Seq, sources: number[][], options: SearchOptions = {}): Hypothesis[] {
  const batch = padBatch(sources.map((source) => ({ source, target: [] })));
  const B = batch.size,
    S = batch.sourceLength;
  const maxLength = options.maxLength ?? 2 * S + 10;
  const lengths = sources.map((s) => s.length);
  const out: Hypothesis[] = sources.map(() => ({ ids: [], attention: [], logProb: 0, complete: false }));
  const { memory, state: initial } = tidy((): { memory: DecoderMemory; state: DecoderState } => {
    const r = model.start(tf.tensor2d(batch.source, [B, S], "int32"), tf.tensor2d(batch.sourceMask, [B, S]));
    memoryTensors(r.memory).forEach((t) => tf.keep(t));
    keepState(r.state);
    return { memory: r.memory, state: r.state };
  });
  let state = initial;
  let previous = new Int32Array(B).fill(SOS_ID);
  try {
    for (let t = 0; t < maxLength && out.some((h) => !h.complete); t++) {
      const step = tidy((): { state: DecoderState; best: tf.Tensor1D; bestLogp: tf.Tensor1D; weights: tf.Tensor2D } => {
        const r = model.decoder.step(tf.tensor1d(previous, "int32"), state, memory);
        const logp = tf.logSoftmax(model.logits(r.features));
        keepState(r.state);
        return {
          state: r.state,
          best: tf.keep(tf.argMax(logp, 1)),
          bestLogp: tf.keep(tf.max(logp, 1)),
          weights: tf.keep(r.attention.weights),
        };
      });
      disposeState(state);
      state = step.state;
      const best = step.best.dataSync(),
        bestLogp = step.bestLogp.dataSync(),
        weights = step.weights.dataSync();
      tf.dispose([step.best, step.bestLogp, step.weights]);
      previous = Int32Array.from(best);
      out.forEach((h, b) => {
        if (h.complete || h.ids.length >= maxLength) return;
        h.attention.push(Array.from(weights.subarray(b * S, b * S + lengths[b])));
        h.logProb += bestLogp[b];
        if (best[b] === EOS_ID) h.complete = true;
        else h.ids.push(best[b]);
      });
      if (out.every((h) => h.complete || h.ids.length >= maxLength)) break;
    }
  } finally {
    disposeState(state);
    disposeMemory(memory);
  }
  return out;
}

export interface BeamOptions extends SearchOptions {
  beamSize: number;
  /** α of the length normalisation lp(n) = ((5 + n) / 6)^α (Wu et al. 2016); 0 compares raw log-probabilities. */
  lengthPenalty?: number;
  /** Called after every step with the candidates it weighed (the best 2K, in order). */
  onStep?: (step: BeamStep) => void;
}

interface Beam {
  ids: number[];
  attention: number[][];
  logProb: number;
}

/** One expansion beam search looked at: a beam's words plus one more, and what became of it. */
export interface BeamCandidate {
  /** The beam's words so far (ids, without _SOS). */
  prefix: number[];
  word: number;
  /** log P of prefix + word. */
  logProb: number;
  /** What beam search compares finished hypotheses by: logProb / lp(length). */
  normalised: number;
  /** kept: one of the next K beams; finished: ended with _EOS; dropped: not among the best K. */
  fate: "kept" | "finished" | "dropped";
}

/** Everything one step of beam search weighed (watch it: notebook 09). */
export interface BeamStep {
  step: number;
  candidates: BeamCandidate[];
}

/** What one decoder step gives beam search: each beam's best 2K next words and their log-probabilities. */
interface Expansion {
  state: DecoderState;
  /** `[n·width]`: log P of word `j` after beam `b` at `b·width + j`, best first within a beam. */
  values: Float32Array;
  indices: Int32Array;
  width: number;
  /** `[n·S]`: each beam's attention weights at this step. */
  weights: Float32Array;
}

/** Step 5 of decoding for every beam at once, and each beam's `wanted` most probable next words (on the backend). */
function expandBeams(
  model: Seq2Seq,
  beams: Beam[],
  state: DecoderState,
  memory: DecoderMemory,
  wanted: number,
): Expansion {
  const previous = beams.map((b) => (b.ids.length ? b.ids[b.ids.length - 1] : SOS_ID));
  const step = tidy((): { state: DecoderState; values: tf.Tensor2D; indices: tf.Tensor2D; weights: tf.Tensor2D } => {
    const r = model.decoder.step(tf.tensor1d(previous, "int32"), state, memory);
    keepState(r.state);
    const logp = tf.logSoftmax(model.logits(r.features));
    const top = tf.topk(logp, Math.min(wanted, logp.shape[1]));
    return {
      state: r.state,
      values: tf.keep(top.values),
      indices: tf.keep(top.indices),
      weights: tf.keep(r.attention.weights),
    };
  });
  const expansion = {
    state: step.state,
    values: step.values.dataSync() as Float32Array,
    indices: step.indices.dataSync() as Int32Array,
    width: step.values.shape[1],
    weights: step.weights.dataSync() as Float32Array,
  };
  tf.dispose([step.values, step.indices, step.weights]);
  return expansion;
}

/** Every beam's expansions with their total log-probabilities, the most probable first. */
function rankExpansions(beams: Beam[], e: Expansion): Array<{ beam: number; word: number; logProb: number }> {
  const candidates: Array<{ beam: number; word: number; logProb: number }> = [];
  for (let b = 0; b < beams.length; b++) {
    for (let j = 0; j < e.width; j++) {
      candidates.push({
        beam: b,
        word: e.indices[b * e.width + j],
        logProb: beams[b].logProb + e.values[b * e.width + j],
      });
    }
  }
  return candidates.sort((x, y) => y.logProb - x.logProb);
}

/**
 * Walks the ranked expansions until K beams are kept: one ending in _EOS joins `finished`, another becomes
 * a beam of the next step. Returns those beams, the beam each came from, and each candidate's fate.
 */
function selectBeams(
  candidates: Array<{ beam: number; word: number; logProb: number }>,
  beams: Beam[],
  weights: Float32Array,
  S: number,
  K: number,
  finished: Hypothesis[],
): { next: Beam[]; parents: number[]; fates: BeamCandidate["fate"][] } {
  const next: Beam[] = [],
    parents: number[] = [],
    fates: BeamCandidate["fate"][] = [];
  for (const c of candidates) {
    if (next.length >= K) break;
    const parent = beams[c.beam];
    const attention = [...parent.attention, Array.from(weights.subarray(c.beam * S, (c.beam + 1) * S))];
    if (c.word === EOS_ID) {
      finished.push({ ids: parent.ids, attention, logProb: c.logProb, complete: true });
      fates.push("finished");
    } else {
      next.push({ ids: [...parent.ids, c.word], attention, logProb: c.logProb });
      parents.push(c.beam);
      fates.push("kept");
    }
  }
  return { next, parents, fates };
}

/** The decoder states of the kept beams, in their new order (`parents[k]`: the beam that beam k came from). */
function reorderState(state: DecoderState, parents: number[]): DecoderState {
  return tidy((): DecoderState => {
    const idx = tf.tensor1d(parents, "int32");
    const pick = (x?: tf.Tensor2D) => (x ? tf.keep(tf.gather(x, idx)) : undefined);
    return {
      rnn: { h: pick(state.rnn.h)!, c: pick(state.rnn.c) },
      attentional: pick(state.attentional),
      step: state.step,
    };
  });
}

/** Beam search for one sentence. With `beamSize` 1 it makes the same choices as greedy search. */
export function beamSearch(model: Seq2Seq, source: number[], options: BeamOptions): Hypothesis {
  const K = options.beamSize;
  if (!(Number.isInteger(K) && K >= 1)) throw new Error(`beamSearch: beamSize must be a positive integer, got ${K}`);
  const alpha = options.lengthPenalty ?? 0.6;
  const S = source.length;
  if (S === 0) throw new Error("beamSearch: empty source sentence");
  const maxLength = options.maxLength ?? 2 * S + 10;
  const normalised = (logProb: number, n: number) => (alpha === 0 ? logProb : logProb / Math.pow((5 + n) / 6, alpha));
  const { memory, state: initial } = tidy((): { memory: DecoderMemory; state: DecoderState } => {
    const r = model.start(tf.tensor2d([source], [1, S], "int32"), tf.ones([1, S]) as tf.Tensor2D);
    memoryTensors(r.memory).forEach((t) => tf.keep(t));
    keepState(r.state);
    return { memory: r.memory, state: r.state };
  });
  let beams: Beam[] = [{ ids: [], attention: [], logProb: 0 }];
  let state = initial;
  let beamMemory = memory;
  const finished: Hypothesis[] = [];
  try {
    for (let t = 0; t < maxLength && beams.length > 0; t++) {
      if (beamMemory.keys.shape[0] !== beams.length) {
        const tiled = tileMemory(memory, beams.length);
        if (beamMemory !== memory) disposeMemory(beamMemory);
        beamMemory = tiled;
      }
      const expansion = expandBeams(model, beams, state, beamMemory, 2 * K);
      disposeState(state);
      const candidates = rankExpansions(beams, expansion);
      const { next, parents, fates } = selectBeams(candidates, beams, expansion.weights, S, K, finished);
      options.onStep?.(describeStep(t, candidates.slice(0, 2 * K), beams, fates, normalised));
      if (finished.length >= K || next.length === 0) {
        disposeState(expansion.state);
        state = { rnn: { h: tf.zeros([1, 1]) } };
        beams = [];
        break;
      }
      state = reorderState(expansion.state, parents);
      disposeState(expansion.state);
      beams = next;
    }
  } finally {
    disposeState(state);
    if (beamMemory !== memory) disposeMemory(beamMemory);
    disposeMemory(memory);
  }
  return bestHypothesis(finished.length ? finished : beams.map((b) => ({ ...b, complete: false })), normalised);
}

/** What one step of beam search weighed, for `onStep`: the candidates, best first, with their fates. */
function describeStep(
  step: number,
  candidates: Array<{ beam: number; word: number; logProb: number }>,
  beams: Beam[],
  fates: BeamCandidate["fate"][],
  normalised: (logProb: number, n: number) => number,
): BeamStep {
  return {
    step,
    candidates: candidates.map((c, k) => ({
      prefix: beams[c.beam].ids,
      word: c.word,
      logProb: c.logProb,
      normalised: normalised(c.logProb, beams[c.beam].ids.length + 1),
      fate: fates[k] ?? "dropped",
    })),
  };
}

/** The hypothesis with the best length-normalised log-probability (a finished one counts its _EOS). */
function bestHypothesis(pool: Hypothesis[], normalised: (logProb: number, n: number) => number): Hypothesis {
  const score = (h: Hypothesis) => normalised(h.logProb, h.ids.length + (h.complete ? 1 : 0));
  return pool.reduce((best, h) => (score(h) > score(best) ? h : best));
}
