/**
 * Where each step of the two tutorials lives: notebook 01 (Bahdanau) and notebook 02 (Luong) number the
 * steps of one decoder step, and each step is one named library function whose doc comment says "Defined
 * in notebook NN, step N". A test checks both sides: the notebook's "Step N" section calls the function,
 * and the function's comment names the step. The README's Architecture section prints this table.
 */

export interface TutorialStep {
  /** "01" or "02". */
  notebook: string;
  step: number;
  title: string;
  /** The library function (or method) that computes the step. */
  name: string;
  /** The folder and file under src/ that defines it. */
  file: string;
  /** What the notebook's "Step N" section calls (`wb.<call>(`), when it computes the step by hand. */
  call?: string;
}

export const TUTORIAL_STEPS: readonly TutorialStep[] = [
  { notebook: "01", step: 1, title: "the encoder hidden states", name: "Encoder.encode", file: "models/encoder.ts" },
  {
    notebook: "01",
    step: 2,
    title: "alignment scores from the previous decoder state",
    name: "bahdanauScores",
    file: "attention/scores.ts",
    call: "bahdanauScores",
  },
  {
    notebook: "01",
    step: 3,
    title: "softmax",
    name: "attentionWeights",
    file: "attention/weights.ts",
    call: "attentionWeights",
  },
  {
    notebook: "01",
    step: 4,
    title: "the context vector",
    name: "contextVector",
    file: "attention/context.ts",
    call: "contextVector",
  },
  {
    notebook: "01",
    step: 5,
    title: "decoding with the context",
    name: "rnnInputWithContext",
    file: "models/decoder-steps.ts",
    call: "rnnInputWithContext",
  },
  {
    notebook: "01",
    step: 5,
    title: "the RNN step",
    name: "decoderRnnStep",
    file: "models/decoder-steps.ts",
    call: "decoderRnnStep",
  },
  { notebook: "01", step: 6, title: "repeat", name: "BahdanauDecoder.step", file: "models/bahdanau-decoder.ts" },
  { notebook: "02", step: 1, title: "the encoder hidden states", name: "Encoder.encode", file: "models/encoder.ts" },
  {
    notebook: "02",
    step: 2,
    title: "the decoder RNN runs first",
    name: "decoderRnnStep",
    file: "models/decoder-steps.ts",
    call: "decoderRnnStep",
  },
  {
    notebook: "02",
    step: 3,
    title: "alignment scores, three ways",
    name: "luongScores",
    file: "attention/scores.ts",
    call: "luongScores",
  },
  {
    notebook: "02",
    step: 4,
    title: "softmax, for each score",
    name: "attentionWeights",
    file: "attention/weights.ts",
    call: "attentionWeights",
  },
  {
    notebook: "02",
    step: 5,
    title: "the context vector",
    name: "contextVector",
    file: "attention/context.ts",
    call: "contextVector",
  },
  {
    notebook: "02",
    step: 6,
    title: "the attentional hidden state",
    name: "attentionalState",
    file: "models/decoder-steps.ts",
    call: "attentionalState",
  },
  {
    notebook: "02",
    step: 7,
    title: "classify, then repeat",
    name: "wordScores",
    file: "models/decoder-steps.ts",
    call: "wordScores",
  },
];
