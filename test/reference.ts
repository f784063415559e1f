/**
 * Plain-JavaScript attention, written with loops over flat arrays and no tfjs, as an independent
 * reference for the library. Row-major layouts: query [B,Hq], keys [B,S,Hk], W [in,out].
 */
export interface Dims {
  B: number;
  S: number;
  Hq: number;
  Hk: number;
  U: number;
}

function matVec(
  x: Float32Array | number[],
  xOff: number,
  n: number,
  W: ArrayLike<number>,
  wRowOff: number,
  out: number,
): number[] {
  // y[j] = Σ_i x[xOff+i] * W[(wRowOff+i)*out + j]
  const y = new Array(out).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < out; j++) y[j] += x[xOff + i] * W[(wRowOff + i) * out + j];
  return y;
}

export function refBahdanau(
  d: Dims,
  q: Float32Array,
  k: Float32Array,
  Wq: Float32Array,
  Wk: Float32Array,
  v: Float32Array,
): number[] {
  const out: number[] = [];
  for (let b = 0; b < d.B; b++) {
    const qp = matVec(q, b * d.Hq, d.Hq, Wq, 0, d.U);
    for (let s = 0; s < d.S; s++) {
      const kp = matVec(k, (b * d.S + s) * d.Hk, d.Hk, Wk, 0, d.U);
      let score = 0;
      for (let u = 0; u < d.U; u++) score += v[u] * Math.tanh(qp[u] + kp[u]);
      out.push(score);
    }
  }
  return out;
}

export function refDot(d: Dims, q: Float32Array, k: Float32Array): number[] {
  const out: number[] = [];
  for (let b = 0; b < d.B; b++)
    for (let s = 0; s < d.S; s++) {
      let score = 0;
      for (let h = 0; h < d.Hk; h++) score += k[(b * d.S + s) * d.Hk + h] * q[b * d.Hq + h];
      out.push(score);
    }
  return out;
}

export function refGeneral(d: Dims, q: Float32Array, k: Float32Array, Wa: Float32Array): number[] {
  const out: number[] = [];
  for (let b = 0; b < d.B; b++) {
    const qw = matVec(q, b * d.Hq, d.Hq, Wa, 0, d.Hk);
    for (let s = 0; s < d.S; s++) {
      let score = 0;
      for (let h = 0; h < d.Hk; h++) score += k[(b * d.S + s) * d.Hk + h] * qw[h];
      out.push(score);
    }
  }
  return out;
}

/** Builds the concatenation [q; k] explicitly, as the paper writes it. */
export function refConcat(d: Dims, q: Float32Array, k: Float32Array, Wa: Float32Array, v: Float32Array): number[] {
  const out: number[] = [];
  for (let b = 0; b < d.B; b++)
    for (let s = 0; s < d.S; s++) {
      const cat: number[] = [];
      for (let h = 0; h < d.Hq; h++) cat.push(q[b * d.Hq + h]);
      for (let h = 0; h < d.Hk; h++) cat.push(k[(b * d.S + s) * d.Hk + h]);
      const proj = matVec(cat, 0, d.Hq + d.Hk, Wa, 0, d.U);
      let score = 0;
      for (let u = 0; u < d.U; u++) score += v[u] * Math.tanh(proj[u]);
      out.push(score);
    }
  return out;
}

export function refSharedConcat(d: Dims, q: Float32Array, k: Float32Array, W: Float32Array, v: Float32Array): number[] {
  const out: number[] = [];
  for (let b = 0; b < d.B; b++)
    for (let s = 0; s < d.S; s++) {
      const sum: number[] = [];
      for (let h = 0; h < d.Hk; h++) sum.push(q[b * d.Hq + h] + k[(b * d.S + s) * d.Hk + h]);
      const proj = matVec(sum, 0, d.Hk, W, 0, d.U);
      let score = 0;
      for (let u = 0; u < d.U; u++) score += v[u] * Math.tanh(proj[u]);
      out.push(score);
    }
  return out;
}

export function refWeights(B: number, S: number, scores: ArrayLike<number>, mask?: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    let max = -Infinity;
    for (let s = 0; s < S; s++) if (!mask || mask[b * S + s]) max = Math.max(max, scores[b * S + s]);
    let sum = 0;
    const e: number[] = [];
    for (let s = 0; s < S; s++) {
      const x = !mask || mask[b * S + s] ? Math.exp(scores[b * S + s] - max) : 0;
      e.push(x);
      sum += x;
    }
    for (const x of e) out.push(x / sum);
  }
  return out;
}

export function refContext(B: number, S: number, H: number, w: ArrayLike<number>, k: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      let c = 0;
      for (let s = 0; s < S; s++) c += w[b * S + s] * k[(b * S + s) * H + h];
      out.push(c);
    }
  return out;
}
