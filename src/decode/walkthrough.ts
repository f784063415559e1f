/**
 * Decoding one word at a time with every intermediate value exposed, for the step-by-step notebooks:
 *
 *   const walk = startDecoding(translationModel, "She has kissed him.");   // step 1: the encoder hidden states
 *   const step = walk.next();                                 // one decoder step, all its numbers
 *   walk.dispose();
 */
import * as tf from "@tensorflow/tfjs";
import { tidy } from "../util/tidy";
import type { TranslationModel } from "../models/translation-model";
import { DecoderMemory, DecoderState, memoryTensors } from "../models/decoder";
import { encodeSentence } from "../data/dataset";
import { EOS_ID, SOS_ID } from "../data/vocab";

export interface StepTrace {
  /** 0-based output position. */
  index: number;
  /** The word fed in (the previous output, `_SOS` first). */
  inputWord: string;
  /** The decoder state the scores were computed from: s_{t-1} (Bahdanau) or the new h_t (Luong). */
  query: number[];
  queryName: string;
  /** `[S]` alignment scores, attention weights; `[Hk]` context vector. */
  scores: number[];
  weights: number[];
  context: number[];
  /** The chosen word (greedy) and its probability; the five most likely words. */
  outputWord: string;
  probability: number;
  top: Array<{ word: string; probability: number }>;
}

/** The tensors of one step of the walk (see `DecoderWalk.next`). */
interface StepTensors {
  state: DecoderState;
  query: tf.Tensor;
  scores: tf.Tensor;
  weights: tf.Tensor;
  context: tf.Tensor;
  probs: tf.Tensor;
}

export class DecoderWalk {
  readonly sourceTokens: string[];
  /** `[S][Hk]`: the encoder hidden states (step 1 of both tutorials). */
  readonly encoderOutputs: number[][];
  readonly steps: StepTrace[] = [];
  private memory: DecoderMemory;
  private state: DecoderState;
  private previous = SOS_ID;
  private finished = false;

  constructor(
    readonly translationModel: TranslationModel,
    sentence: string,
  ) {
    const kind = translationModel.model.config.attention;
    if (kind === "none" || kind === "none-cho")
      throw new Error(
        `DecoderWalk shows the attention of each step; a model with attention "${kind}" has none (use translate)`,
      );
    const enc = encodeSentence(sentence, translationModel.sourceVocab, translationModel.tokenizeOptions);
    this.sourceTokens = enc.tokens;
    const S = enc.ids.length;
    const started = tidy((): { memory: DecoderMemory; state: DecoderState } => {
      const r = translationModel.model.start(tf.tensor2d([enc.ids], [1, S], "int32"), tf.ones([1, S]) as tf.Tensor2D);
      for (const t of [...memoryTensors(r.memory), r.state.rnn.h, r.state.rnn.c, r.state.attentional])
        if (t) tf.keep(t);
      return r;
    });
    this.memory = started.memory;
    this.state = started.state;
    this.encoderOutputs = (this.memory.keys.arraySync() as number[][][])[0];
  }

  /** True once `_EOS` was chosen. */
  get done(): boolean {
    return this.finished;
  }

  /** Output words so far. */
  get words(): string[] {
    return this.steps.filter((s) => s.outputWord !== "_EOS").map((s) => s.outputWord);
  }

  /** One decoder step's tensors, kept past the tidy: the new state, the query, the attention, the word probabilities. */
  private stepTensors(isLuong: boolean): StepTensors {
    return tidy((): StepTensors => {
      const { model } = this.translationModel;
      const out = model.decoder.step(tf.tensor1d([this.previous], "int32"), this.state, this.memory);
      const probs = tf.softmax(model.logits(out.features));
      for (const t of [out.state.rnn.h, out.state.rnn.c, out.state.attentional]) if (t) tf.keep(t);
      return {
        state: out.state,
        // A copy: the query is a state tensor that lives on after this step.
        query: tf.keep((isLuong ? out.state.rnn.h : this.state.rnn.h).clone()),
        scores: tf.keep(out.attention.scores),
        weights: tf.keep(out.attention.weights),
        context: tf.keep(out.attention.context),
        probs: tf.keep(probs),
      };
    });
  }

  /** Runs one decoder step (greedy choice) and returns all its numbers. */
  next(): StepTrace {
    if (this.finished) throw new Error("DecoderWalk.next: the translation already ended with _EOS");
    const isLuong = this.translationModel.model.config.attention !== "bahdanau";
    const vocab = this.translationModel.targetVocab;
    const r = this.stepTensors(isLuong);
    const probs = Array.from(r.probs.dataSync());
    const order = probs.map((p, i) => [p, i] as [number, number]).sort((a, b) => b[0] - a[0]);
    const best = order[0][1];
    const trace: StepTrace = {
      index: this.steps.length,
      inputWord: vocab.words[this.previous],
      query: Array.from(r.query.dataSync()),
      queryName: isLuong ? "new decoder hidden state h_t" : "previous decoder hidden state s_{t-1}",
      scores: Array.from(r.scores.dataSync()),
      weights: Array.from(r.weights.dataSync()),
      context: Array.from(r.context.dataSync()),
      outputWord: vocab.words[best],
      probability: order[0][0],
      top: order.slice(0, 5).map(([p, i]) => ({ word: vocab.words[i], probability: p })),
    };
    tf.dispose([r.query, r.scores, r.weights, r.context, r.probs]);
    for (const t of [this.state.rnn.h, this.state.rnn.c, this.state.attentional]) if (t) t.dispose();
    this.state = r.state;
    this.previous = best;
    this.steps.push(trace);
    if (best === EOS_ID) this.finished = true;
    return trace;
  }

  /** Steps until `_EOS` or `maxLength` words. */
  run(maxLength = 2 * this.sourceTokens.length + 10): StepTrace[] {
    while (!this.finished && this.steps.length < maxLength) this.next();
    return this.steps;
  }

  /** `[steps][S]` attention weights so far. */
  attention(): number[][] {
    return this.steps.map((s) => s.weights);
  }

  dispose(): void {
    tf.dispose([
      ...memoryTensors(this.memory),
      this.state.rnn.h,
      this.state.rnn.c ?? [],
      this.state.attentional ?? [],
    ] as tf.Tensor[]);
  }
}

/** Step 1 of both tutorials: encode a sentence, ready to decode it one step at a time. */
export function startDecoding(translationModel: TranslationModel, sentence: string): DecoderWalk {
  return new DecoderWalk(translationModel, sentence);
}
