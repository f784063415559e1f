import * as tf from "@tensorflow/tfjs";

/**
 * `tf.tidy` for results typed as interfaces (tfjs's typing wants an index signature): every tensor
 * created inside is disposed except those reachable from the returned object.
 */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}
