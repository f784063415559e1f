/**
 * The checkpoint's binary tensor format: float32 values one tensor after another in one file (weights.bin,
 * optimizer.bin), and a table in config.json of each tensor's name, shape, byte offset and length. Reading
 * checks the table against the file's bytes before it allocates anything.
 */
import * as tf from "@tensorflow/tfjs";

/** A named tensor, as `optimizer.getWeights()` returns them. */
export type NamedTensor = { name: string; tensor: tf.Tensor };

/** Where a tensor's values lie in its file. */
export interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

/** The tensors' float32 values one after another, and the table of where each one is. */
export function packTensors(named: Array<{ name: string; tensor: tf.Tensor }>): {
  entries: TensorEntry[];
  bytes: Buffer;
} {
  const entries: TensorEntry[] = [];
  const parts: Buffer[] = [];
  let offset = 0;
  for (const { name, tensor } of named) {
    const values = tensor.dataSync() as Float32Array;
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    entries.push({ name, shape: tensor.shape, offset, length: data.length });
    parts.push(Buffer.from(buf));
    offset += data.byteLength;
  }
  return { entries, bytes: Buffer.concat(parts) };
}

/** Values of a tensor read from a file, before they become a tensor. */
export interface NamedValues {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Checks a config's table of tensors against the bytes of its file, without allocating a tensor: every
 * entry well formed, inside the file, the entries filling it exactly.
 */
export function checkTensorEntries(entries: unknown, byteLength: number, where: string, field: string): TensorEntry[] {
  if (!Array.isArray(entries)) throw new Error(`${where}: ${field} is not a list of tensors`);
  const total = entries.reduce((n: number, e: TensorEntry) => n + (Number(e?.length) || 0) * 4, 0);
  const file = field === "weights" ? "weights.bin" : "optimizer.bin";
  if (byteLength !== total)
    throw new Error(
      `${where.replace(/config\.json$/, file)}: ${byteLength} bytes, expected ${total} (a corrupt or truncated file)`,
    );
  const names = new Set<string>();
  entries.forEach((e: TensorEntry, i) => {
    const at = `${where}: ${field}[${i}]`;
    if (!e || typeof e.name !== "string" || names.has(e.name)) throw new Error(`${at}: a missing or repeated name`);
    names.add(e.name);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
      throw new Error(`${at} (${e.name}): shape ${JSON.stringify(e.shape)} is not a list of sizes`);
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (size !== e.length) throw new Error(`${at} (${e.name}): shape [${e.shape}] but ${e.length} values`);
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset % 4 !== 0)
      throw new Error(`${at} (${e.name}): offset ${e.offset} is not a byte offset (a non-negative multiple of 4)`);
    if (e.offset + e.length * 4 > byteLength)
      throw new Error(
        `${at} (${e.name}): bytes ${e.offset}..${e.offset + e.length * 4} lie past the end of ${file} (${byteLength} bytes)`,
      );
  });
  return entries as TensorEntry[];
}

/** The values of checked entries, each verified finite (NaN or infinity names the tensor and index). */
export function readValues(entries: TensorEntry[], bytes: Buffer, file: string): NamedValues[] {
  return entries.map((e) => {
    const values = new Float32Array(e.length);
    Buffer.from(values.buffer).set(bytes.subarray(e.offset, e.offset + e.length * 4));
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]))
        throw new Error(`${file}: ${e.name} holds ${values[i]} at index ${i} (a checkpoint must hold finite numbers)`);
    }
    return { name: e.name, shape: e.shape, values };
  });
}

/** Tensors of checked values. */
export function toTensors(named: NamedValues[]): NamedTensor[] {
  return named.map((n) => ({ name: n.name, tensor: tf.tensor(n.values, n.shape, "float32") }));
}
