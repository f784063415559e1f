/**
 * Shape checks with errors that name the argument, the expected shape and the shape received,
 * in the style of the TensorFlow NMT tutorial's ShapeChecker: symbolic dimensions (`B`, `S`, `Hk`)
 * are bound by the first tensor that uses them and must agree everywhere after.
 *
 *   const shapes = new ShapeChecker();
 *   shapes.check("query", query, ["B", "Hq"]);
 *   shapes.check("keys", keys, ["B", "S", "Hk"]);   // B must equal query's B
 */
import type { Tensor } from "@tensorflow/tfjs";

export type Dim = string | number;

export class ShapeChecker {
  /** Symbol -> size, as bound so far. */
  readonly dims: Record<string, number> = {};

  constructor(known: Record<string, number> = {}) {
    Object.assign(this.dims, known);
  }

  /** Binds a symbol to a size without a tensor (e.g. a layer's configured units). */
  bind(symbol: string, size: number): this {
    this.dims[symbol] = size;
    return this;
  }

  /** Checks `tensor` against `expected`; throws `name: expected [B,S,Hk] with Hk=4, got [2,5,3]`. */
  check(name: string, tensor: Tensor | { shape: number[] } | undefined | null, expected: Dim[]): this {
    const spec = `[${expected.join(",")}]`;
    if (tensor == null || !Array.isArray((tensor as { shape?: unknown }).shape)) {
      throw new Error(`${name}: expected a tensor of shape ${spec}, got ${tensor === null ? "null" : typeof tensor}`);
    }
    const shape = tensor.shape;
    if (shape.length !== expected.length) {
      throw new Error(
        `${name}: expected ${spec} (rank ${expected.length}), got [${shape.join(",")}] (rank ${shape.length})`,
      );
    }
    const conflicts: string[] = [];
    const pending: Record<string, number> = {};
    expected.forEach((dim, axis) => {
      const got = shape[axis];
      if (typeof dim === "number") {
        if (got !== dim) conflicts.push(`axis ${axis}=${dim}`);
        return;
      }
      const bound = this.dims[dim] ?? pending[dim];
      if (bound === undefined) pending[dim] = got;
      else if (bound !== got) conflicts.push(`${dim}=${bound}`);
    });
    if (conflicts.length) {
      throw new Error(`${name}: expected ${spec} with ${conflicts.join(", ")}, got [${shape.join(",")}]`);
    }
    Object.assign(this.dims, pending);
    return this;
  }

  /** The bound size of a symbol; throws if it was never bound. */
  size(symbol: string): number {
    const v = this.dims[symbol];
    if (v === undefined) throw new Error(`ShapeChecker: dimension ${symbol} is not bound yet`);
    return v;
  }
}

/** One-off check: `checkShape("keys", keys, ["B","S",4])`. */
export function checkShape(
  name: string,
  tensor: Tensor | { shape: number[] },
  expected: Dim[],
  known: Record<string, number> = {},
): void {
  new ShapeChecker(known).check(name, tensor, expected);
}
