/**
 * What both attention decoders share: the encoder memory they attend to, their state, and one step's
 * output.
 */
import * as tf from "@tensorflow/tfjs";
import type { Module } from "../nn/module";
import type { Dense, RnnState } from "../nn/layers";
import type { AttentionOutput } from "../attention/layers";

export interface DecoderMemory {
  /** `[B,S,Hk]` encoder outputs. */
  keys: tf.Tensor3D;
  /** `[B,S]` source mask. */
  mask: tf.Tensor2D;
  /** `[B,S,U]` key projection of additive scores, computed once per batch. */
  keysProjected?: tf.Tensor3D;
}

export interface DecoderState {
  rnn: RnnState;
  /** Luong with input feeding: the previous attentional hidden state h̃ `[B,H]`. */
  attentional?: tf.Tensor2D;
}

export interface DecoderStep {
  state: DecoderState;
  /** `[B,F]`: what the classifier turns into word scores. */
  features: tf.Tensor2D;
  attention: AttentionOutput;
}

export interface AttentionDecoder extends Module {
  readonly classifier: Dense;
  /** Adds what can be computed once per batch (the key projection). */
  prepare(keys: tf.Tensor3D, mask: tf.Tensor2D): DecoderMemory;
  initialState(encoderState: RnnState): DecoderState;
  /** One step: `previous [B]` int32 tokens -> new state, features and attention. */
  step(previous: tf.Tensor1D, state: DecoderState, memory: DecoderMemory, options?: { dropout?: number; seed?: number }): DecoderStep;
}
