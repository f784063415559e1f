/**
 * A minimal container of named trainable variables, shared by attention layers and models.
 * Names are stable paths (`decoder/attention/Wa`) so that checkpoints can save and load them.
 */
import * as tf from "@tensorflow/tfjs";
import { Random } from "../util/random";

export type Initializer = "glorotUniform" | "zeros" | "ones" | { uniform: number };

/** Glorot (Xavier) uniform: U(-l, l), l = sqrt(6 / (fanIn + fanOut)); a vector `[n]` counts as `[n,1]`. */
export function glorotLimit(shape: number[]): number {
  const fanIn = shape.length === 1 ? shape[0] : shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const fanOut = shape.length === 1 ? 1 : shape[shape.length - 1];
  return Math.sqrt(6 / (fanIn + fanOut));
}

export function initialValues(shape: number[], init: Initializer, rng: Random): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (init === "zeros") return out;
  if (init === "ones") return out.fill(1);
  const limit = init === "glorotUniform" ? glorotLimit(shape) : init.uniform;
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

export class Module {
  private readonly own = new Map<string, tf.Variable>();
  private readonly children = new Map<string, Module>();

  /** Creates a trainable variable, initialised from the module's seeded generator. */
  protected addWeight(name: string, shape: number[], init: Initializer, rng: Random): tf.Variable {
    if (this.own.has(name)) throw new Error(`${this.constructor.name}: weight ${name} defined twice`);
    const initial = tf.tensor(initialValues(shape, init, rng), shape, "float32");
    const v = tf.variable(initial, true);
    initial.dispose(); // the variable keeps its own reference to the data
    this.own.set(name, v);
    return v;
  }

  protected addChild<M extends Module>(name: string, child: M): M {
    this.children.set(name, child);
    return child;
  }

  /** All variables, keyed by path: own weights by name, children's as `child/name`. */
  namedVariables(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    for (const [k, v] of this.own) out[k] = v;
    for (const [c, m] of this.children) {
      for (const [k, v] of Object.entries(m.namedVariables())) out[`${c}/${k}`] = v;
    }
    return out;
  }

  trainableVariables(): tf.Variable[] {
    return Object.values(this.namedVariables());
  }

  countParams(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  /** Copies values into the variables by path; every variable must be given, with its shape. */
  loadValues(values: Record<string, tf.Tensor>, where = "weights"): void {
    const vars = this.namedVariables();
    for (const [name, v] of Object.entries(vars)) {
      const t = values[name];
      if (!t) throw new Error(`${where}: missing variable ${name} [${v.shape}]`);
      if (t.shape.join(",") !== v.shape.join(",")) {
        throw new Error(`${where}: variable ${name}: expected [${v.shape}], got [${t.shape}]`);
      }
    }
    for (const [name, v] of Object.entries(vars)) v.assign(values[name]);
  }

  dispose(): void {
    for (const v of this.own.values()) v.dispose();
    for (const m of this.children.values()) m.dispose();
    this.own.clear();
    this.children.clear();
  }
}
