import * as tf from "@tensorflow/tfjs";

/**
 * `tf.tidy` for results typed as interfaces (tfjs's typing wants an index signature): every tensor
 * created inside is disposed except those reachable from the returned object.
 */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

/**
 * Runs `fn` with gradient recording off: inside `tf.variableGrads`, what `fn` computes is not taped (no
 * gradient can flow through it, and nothing is kept for a backward pass). tfjs has no public switch for
 * this; it records only while its engine's gradient depth is above 0.
 */
export function withoutGradients<T>(fn: () => T): T {
  const state = (tf.engine() as unknown as { state: { gradientDepth: number } }).state;
  const depth = state.gradientDepth;
  state.gradientDepth = 0;
  try {
    return fn();
  } finally {
    state.gradientDepth = depth;
  }
}
