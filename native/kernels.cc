// Native kernels for the workbook's training step on the wasm backend.
//
// Every function works on typed arrays that view tfjs's wasm heap (or any Float32Array): no copies.
// Matrix products go to OpenBLAS, on as many threads as setThreads says; the element-wise parts of the
// fused kernels run here on the calling thread, vectorised (-ffast-math lets the compiler use glibc's
// vector exp and tanh). Shapes are documented in src/backend/fused/*.ts, which calls these functions.
#include <node_api.h>
#include <cblas.h>
#include <cmath>
#include <cstring>
#include <vector>

namespace {

struct Args {
  napi_env env;
  napi_value argv[27];
  size_t argc = 27;
  bool failed = false;
  Args(napi_env e, napi_callback_info info) : env(e) { napi_get_cb_info(e, info, &argc, argv, nullptr, nullptr); }
  void fail(const char* msg) {
    if (!failed) napi_throw_type_error(env, nullptr, msg);
    failed = true;
  }
  int i(size_t k) {
    int32_t v = 0;
    if (k >= argc || napi_get_value_int32(env, argv[k], &v) != napi_ok) fail("workbook_kernels: expected an integer argument");
    return v;
  }
  double d(size_t k) {
    double v = 0;
    if (k >= argc || napi_get_value_double(env, argv[k], &v) != napi_ok) fail("workbook_kernels: expected a number argument");
    return v;
  }
  bool b(size_t k) {
    bool v = false;
    if (k >= argc || napi_get_value_bool(env, argv[k], &v) != napi_ok) fail("workbook_kernels: expected a boolean argument");
    return v;
  }
  // A Float32Array (or Int32Array) argument; null/undefined gives nullptr when allowed.
  template <typename T>
  T* arr(size_t k, size_t need, bool optional = false) {
    napi_valuetype type;
    if (k >= argc || napi_typeof(env, argv[k], &type) != napi_ok) { fail("workbook_kernels: missing array argument"); return nullptr; }
    if (type == napi_null || type == napi_undefined) {
      if (!optional) fail("workbook_kernels: a required array argument is null");
      return nullptr;
    }
    bool is = false;
    napi_is_typedarray(env, argv[k], &is);
    if (!is) { fail("workbook_kernels: expected a typed array argument"); return nullptr; }
    napi_typedarray_type tt;
    size_t length;
    void* data;
    napi_get_typedarray_info(env, argv[k], &tt, &length, &data, nullptr, nullptr);
    if (length < need) { fail("workbook_kernels: a typed array argument is shorter than its shape says"); return nullptr; }
    return static_cast<T*>(data);
  }
  float* f(size_t k, size_t need, bool optional = false) { return arr<float>(k, need, optional); }
};

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// gemm(transA, transB, M, N, K, alpha, A, B, beta, C, batch, strideA, strideB, strideC)
// C[M,N] = alpha · op(A) · op(B) + beta · C for each of `batch` matrices (a stride of 0 repeats one).
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a(env, info);
  bool tA = a.b(0), tB = a.b(1);
  int M = a.i(2), N = a.i(3), K = a.i(4);
  double alpha = a.d(5);
  int batch = a.i(10), sA = a.i(11), sB = a.i(12), sC = a.i(13);
  double beta = a.d(8);
  if (a.failed) return nullptr;
  float* A = a.f(6, (size_t)sA * (batch - 1) + (size_t)M * K);
  float* B = a.f(7, (size_t)sB * (batch - 1) + (size_t)K * N);
  float* C = a.f(9, (size_t)sC * (batch - 1) + (size_t)M * N);
  if (a.failed) return nullptr;
  int lda = tA ? M : K, ldb = tB ? K : N;
  for (int i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, M, N, K, (float)alpha,
                A + (size_t)i * sA, lda, B + (size_t)i * sB, ldb, (float)beta, C + (size_t)i * sC, N);
  }
  return undefinedValue(env);
}

// lstmForward(T, B, H, xProj[B,T,4H], h0[B,H], c0[B,H], Wh[H,4H], mask[B,T]|null,
//             out[B,T,H], hT[B,H], cT[B,H], gates[T,B,4H], hs[T+1,B,H], cs[T+1,B,H])
// gates = activated i, f, g, o; hs/cs = the states before each step (index 0 = h0/c0) and after the last.
napi_value LstmForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int T = a.i(0), B = a.i(1), H = a.i(2);
  if (a.failed) return nullptr;
  size_t G = 4 * (size_t)H;
  float* x = a.f(3, (size_t)B * T * G);
  float* h0 = a.f(4, (size_t)B * H);
  float* c0 = a.f(5, (size_t)B * H);
  float* Wh = a.f(6, (size_t)H * G);
  float* mask = a.f(7, (size_t)B * T, true);
  float* out = a.f(8, (size_t)B * T * H);
  float* hT = a.f(9, (size_t)B * H);
  float* cT = a.f(10, (size_t)B * H);
  float* gates = a.f(11, (size_t)T * B * G);
  float* hs = a.f(12, (size_t)(T + 1) * B * H);
  float* cs = a.f(13, (size_t)(T + 1) * B * H);
  if (a.failed) return nullptr;
  std::memcpy(hs, h0, sizeof(float) * B * H);
  std::memcpy(cs, c0, sizeof(float) * B * H);
  for (int t = 0; t < T; t++) {
    float* g = gates + (size_t)t * B * G;
    const float* hp = hs + (size_t)t * B * H;
    const float* cp = cs + (size_t)t * B * H;
    float* hn = hs + (size_t)(t + 1) * B * H;
    float* cn = cs + (size_t)(t + 1) * B * H;
    for (int b = 0; b < B; b++) std::memcpy(g + b * G, x + ((size_t)b * T + t) * G, sizeof(float) * G);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, (int)G, H, 1.0f, hp, H, Wh, (int)G, 1.0f, g, (int)G);
    for (int b = 0; b < B; b++) {
      float m = mask ? mask[(size_t)b * T + t] : 1.0f;
      float* gb = g + b * G;
#pragma omp simd
      for (int j = 0; j < H; j++) {
        float ig = sigmoid(gb[j]), fg = sigmoid(gb[H + j]), gg = std::tanh(gb[2 * H + j]), og = sigmoid(gb[3 * H + j]);
        gb[j] = ig; gb[H + j] = fg; gb[2 * H + j] = gg; gb[3 * H + j] = og;
        size_t k = (size_t)b * H + j;
        float c = fg * cp[k] + ig * gg;
        float h = og * std::tanh(c);
        cn[k] = m * c + (1 - m) * cp[k];
        hn[k] = m * h + (1 - m) * hp[k];
        out[((size_t)b * T + t) * H + j] = hn[k] * m;
      }
    }
  }
  std::memcpy(hT, hs + (size_t)T * B * H, sizeof(float) * B * H);
  std::memcpy(cT, cs + (size_t)T * B * H, sizeof(float) * B * H);
  return undefinedValue(env);
}

// lstmBackward(T, B, H, Wh[H,4H], mask|null, gates, hs, cs, dOut[B,T,H]|null, dhT|null, dcT|null,
//              dX[B,T,4H], dh0[B,H], dc0[B,H], dWh[H,4H], dG scratch[T,B,4H])
napi_value LstmBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int T = a.i(0), B = a.i(1), H = a.i(2);
  if (a.failed) return nullptr;
  size_t G = 4 * (size_t)H, BH = (size_t)B * H;
  float* Wh = a.f(3, (size_t)H * G);
  float* mask = a.f(4, (size_t)B * T, true);
  float* gates = a.f(5, (size_t)T * B * G);
  float* hs = a.f(6, (size_t)(T + 1) * BH);
  float* cs = a.f(7, (size_t)(T + 1) * BH);
  float* dOut = a.f(8, (size_t)B * T * H, true);
  float* dhT = a.f(9, BH, true);
  float* dcT = a.f(10, BH, true);
  float* dX = a.f(11, (size_t)B * T * G);
  float* dh0 = a.f(12, BH);
  float* dc0 = a.f(13, BH);
  float* dWh = a.f(14, (size_t)H * G);
  float* dG = a.f(15, (size_t)T * B * G);
  if (a.failed) return nullptr;
  std::vector<float> dh(BH), dc(BH);
  if (dhT) std::memcpy(dh.data(), dhT, sizeof(float) * BH); else std::fill(dh.begin(), dh.end(), 0.0f);
  if (dcT) std::memcpy(dc.data(), dcT, sizeof(float) * BH); else std::fill(dc.begin(), dc.end(), 0.0f);
  for (int t = T - 1; t >= 0; t--) {
    const float* g = gates + (size_t)t * B * G;
    const float* cp = cs + (size_t)t * BH;
    const float* cn = cs + (size_t)(t + 1) * BH;
    float* dg = dG + (size_t)t * B * G;
    for (int b = 0; b < B; b++) {
      float m = mask ? mask[(size_t)b * T + t] : 1.0f;
      const float* gb = g + b * G;
      float* db = dg + b * G;
#pragma omp simd
      for (int j = 0; j < H; j++) {
        size_t k = (size_t)b * H + j;
        float dhTotal = dh[k] + (dOut ? dOut[((size_t)b * T + t) * H + j] * m : 0.0f);
        float dhNew = m * dhTotal, dcNew = m * dc[k];
        float ig = gb[j], fg = gb[H + j], gg = gb[2 * H + j], og = gb[3 * H + j];
        float tc = std::tanh(cn[k]);
        float dO = dhNew * tc;
        dcNew += dhNew * og * (1 - tc * tc);
        float dF = dcNew * cp[k], dI = dcNew * gg, dGg = dcNew * ig;
        db[j] = dI * ig * (1 - ig);
        db[H + j] = dF * fg * (1 - fg);
        db[2 * H + j] = dGg * (1 - gg * gg);
        db[3 * H + j] = dO * og * (1 - og);
        dh[k] = (1 - m) * dhTotal;
        dc[k] = (1 - m) * dc[k] + dcNew * fg;
      }
    }
    // dh_{t-1} += dGates · Whᵀ
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, H, (int)G, 1.0f, dg, (int)G, Wh, (int)G, 1.0f, dh.data(), H);
  }
  std::memcpy(dh0, dh.data(), sizeof(float) * BH);
  std::memcpy(dc0, dc.data(), sizeof(float) * BH);
  // dWh = Σ_t h_{t-1}ᵀ · dGates_t: one product over all T·B rows.
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, (int)G, T * B, 1.0f, hs, H, dG, (int)G, 0.0f, dWh, (int)G);
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++) std::memcpy(dX + ((size_t)b * T + t) * G, dG + ((size_t)t * B + b) * G, sizeof(float) * G);
  return undefinedValue(env);
}

// additiveForward(B, T, S, U, kp[B,S,U], qp[B,T,U], v[U], scores[B,T,S], tanhSaved[B,T,S,U])
// scores[b,t,s] = Σ_u v[u] · tanh(kp[b,s,u] + qp[b,t,u])
napi_value AdditiveForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int B = a.i(0), T = a.i(1), S = a.i(2), U = a.i(3);
  if (a.failed) return nullptr;
  float* kp = a.f(4, (size_t)B * S * U);
  float* qp = a.f(5, (size_t)B * T * U);
  float* v = a.f(6, U);
  float* scores = a.f(7, (size_t)B * T * S);
  float* saved = a.f(8, (size_t)B * T * S * U);
  if (a.failed) return nullptr;
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++) {
      const float* q = qp + ((size_t)b * T + t) * U;
      for (int s = 0; s < S; s++) {
        const float* k = kp + ((size_t)b * S + s) * U;
        float* th = saved + (((size_t)b * T + t) * S + s) * U;
        float acc = 0;
#pragma omp simd reduction(+ : acc)
        for (int u = 0; u < U; u++) {
          float y = std::tanh(k[u] + q[u]);
          th[u] = y;
          acc += v[u] * y;
        }
        scores[((size_t)b * T + t) * S + s] = acc;
      }
    }
  return undefinedValue(env);
}

// additiveBackward(B, T, S, U, dScores[B,T,S], tanhSaved[B,T,S,U], v[U], dkp[B,S,U], dqp[B,T,U], dv[U])
napi_value AdditiveBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int B = a.i(0), T = a.i(1), S = a.i(2), U = a.i(3);
  if (a.failed) return nullptr;
  float* ds = a.f(4, (size_t)B * T * S);
  float* th = a.f(5, (size_t)B * T * S * U);
  float* v = a.f(6, U);
  float* dkp = a.f(7, (size_t)B * S * U);
  float* dqp = a.f(8, (size_t)B * T * U);
  float* dv = a.f(9, U);
  if (a.failed) return nullptr;
  std::vector<float> dvPart((size_t)B * U, 0.0f);
  for (int b = 0; b < B; b++) {
    float* dk = dkp + (size_t)b * S * U;
    std::memset(dk, 0, sizeof(float) * S * U);
    float* dvb = dvPart.data() + (size_t)b * U;
    for (int t = 0; t < T; t++) {
      float* dq = dqp + ((size_t)b * T + t) * U;
      std::memset(dq, 0, sizeof(float) * U);
      for (int s = 0; s < S; s++) {
        float g = ds[((size_t)b * T + t) * S + s];
        const float* y = th + (((size_t)b * T + t) * S + s) * U;
        float* dks = dk + (size_t)s * U;
#pragma omp simd
        for (int u = 0; u < U; u++) {
          float pre = g * v[u] * (1 - y[u] * y[u]);
          dks[u] += pre;
          dq[u] += pre;
          dvb[u] += g * y[u];
        }
      }
    }
  }
  for (int u = 0; u < U; u++) {
    float acc = 0;
    for (int b = 0; b < B; b++) acc += dvPart[(size_t)b * U + u];
    dv[u] = acc;
  }
  return undefinedValue(env);
}

// Softmax cross-entropy of one row, in place or not: probs = softmax(x); returns
// (1-eps)·(lse - x[label]) + eps·(lse - mean(x)).
float softmaxCrossEntropyRow(int V, const float* row, int32_t label, float eps, float* p) {
  float mx = row[0], total = 0;
  for (int j = 1; j < V; j++) mx = row[j] > mx ? row[j] : mx;
#pragma omp simd reduction(+ : total)
  for (int j = 0; j < V; j++) total += row[j];
  float labelScore = (label >= 0 && label < V) ? row[label] : 0;
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int j = 0; j < V; j++) {
    float e = std::exp(row[j] - mx);
    p[j] = e;
    sum += e;
  }
  float inv = 1.0f / sum;
#pragma omp simd
  for (int j = 0; j < V; j++) p[j] *= inv;
  float lse = std::log(sum) + mx;
  float ce = (label >= 0 && label < V) ? lse - labelScore : lse;
  return eps > 0 ? (1 - eps) * ce + eps * (lse - total / V) : ce;
}

// dLogits of one row: (p - target)·g, target = (1-eps)·onehot + eps/V.
void softmaxCrossEntropyRowBackward(int V, const float* p, int32_t label, float eps, float g, float* d) {
  float off = eps / V;
#pragma omp simd
  for (int j = 0; j < V; j++) d[j] = (p[j] - off) * g;
  if (label >= 0 && label < V) d[label] -= (1 - eps) * g;
}

// softmaxCrossEntropy(N, V, logits[N,V], labels Int32[N], eps, perToken[N], probs[N,V])
napi_value SoftmaxCrossEntropy(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int N = a.i(0), V = a.i(1);
  double eps = a.d(4);
  if (a.failed) return nullptr;
  float* x = a.f(2, (size_t)N * V);
  int32_t* labels = a.arr<int32_t>(3, N);
  float* perToken = a.f(5, N);
  float* probs = a.f(6, (size_t)N * V);
  if (a.failed) return nullptr;
  for (int n = 0; n < N; n++) perToken[n] = softmaxCrossEntropyRow(V, x + (size_t)n * V, labels[n], (float)eps, probs + (size_t)n * V);
  return undefinedValue(env);
}

// classifierCrossEntropy(N, F, V, X[N,F], W[F,V], b[V], labels Int32[N], eps, perToken[N], probs[N,V])
// The classifier (X·W + b) and the softmax cross-entropy of each row in one call.
napi_value ClassifierCrossEntropy(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int N = a.i(0), F = a.i(1), V = a.i(2);
  double eps = a.d(7);
  if (a.failed) return nullptr;
  float* X = a.f(3, (size_t)N * F);
  float* W = a.f(4, (size_t)F * V);
  float* b = a.f(5, V);
  int32_t* labels = a.arr<int32_t>(6, N);
  float* perToken = a.f(8, N);
  float* probs = a.f(9, (size_t)N * V);
  if (a.failed) return nullptr;
  for (int n = 0; n < N; n++) std::memcpy(probs + (size_t)n * V, b, sizeof(float) * V);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, V, F, 1.0f, X, F, W, V, 1.0f, probs, V);
  for (int n = 0; n < N; n++) {
    float* row = probs + (size_t)n * V;
    perToken[n] = softmaxCrossEntropyRow(V, row, labels[n], (float)eps, row);
  }
  return undefinedValue(env);
}

// classifierCrossEntropyBackward(N, F, V, X, W, probs, labels, eps, dPerToken[N], dX[N,F], dW[F,V], db[V], scratch[N,V])
napi_value ClassifierCrossEntropyBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int N = a.i(0), F = a.i(1), V = a.i(2);
  double eps = a.d(7);
  if (a.failed) return nullptr;
  float* X = a.f(3, (size_t)N * F);
  float* W = a.f(4, (size_t)F * V);
  float* p = a.f(5, (size_t)N * V);
  int32_t* labels = a.arr<int32_t>(6, N);
  float* dy = a.f(8, N);
  float* dX = a.f(9, (size_t)N * F);
  float* dW = a.f(10, (size_t)F * V);
  float* db = a.f(11, V);
  float* d = a.f(12, (size_t)N * V);
  if (a.failed) return nullptr;
  std::fill(db, db + V, 0.0f);
  for (int n = 0; n < N; n++) {
    float* dn = d + (size_t)n * V;
    softmaxCrossEntropyRowBackward(V, p + (size_t)n * V, labels[n], (float)eps, dy[n], dn);
#pragma omp simd
    for (int j = 0; j < V; j++) db[j] += dn[j];
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, F, V, 1.0f, d, V, W, V, 0.0f, dX, F);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, F, V, N, 1.0f, X, F, d, V, 0.0f, dW, V);
  return undefinedValue(env);
}

// softmaxCrossEntropyBackward(N, V, probs[N,V], labels Int32[N], eps, dPerToken[N], dLogits[N,V])
napi_value SoftmaxCrossEntropyBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int N = a.i(0), V = a.i(1);
  double eps = a.d(4);
  if (a.failed) return nullptr;
  float* p = a.f(2, (size_t)N * V);
  int32_t* labels = a.arr<int32_t>(3, N);
  float* dy = a.f(5, N);
  float* dx = a.f(6, (size_t)N * V);
  if (a.failed) return nullptr;
  for (int n = 0; n < N; n++) softmaxCrossEntropyRowBackward(V, p + (size_t)n * V, labels[n], (float)eps, dy[n], dx + (size_t)n * V);
  return undefinedValue(env);
}

// adam(n, value, m, v, grad, scale, lr, beta1, beta2, eps, oneMinusAccBeta1, oneMinusAccBeta2, outValue, outM, outV)
// tfjs's AdamOptimizer update, on the gradient times `scale` (gradient clipping), in float32.
napi_value Adam(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int n = a.i(0);
  double beta1 = a.d(7), beta2 = a.d(8);
  float scale = (float)a.d(5), lr = (float)a.d(6), b1 = (float)beta1, b2 = (float)beta2, eps = (float)a.d(9);
  float c1 = (float)a.d(10), c2 = (float)a.d(11);
  if (a.failed) return nullptr;
  float* w = a.f(1, n);
  float* m = a.f(2, n);
  float* v = a.f(3, n);
  float* g = a.f(4, n);
  float* ow = a.f(12, n);
  float* om = a.f(13, n);
  float* ov = a.f(14, n);
  if (a.failed) return nullptr;
  float nb1 = (float)(1 - beta1), nb2 = (float)(1 - beta2);  // as tfjs: 1 - beta in double, then float32
#pragma omp simd
  for (int i = 0; i < n; i++) {
    float gi = g[i] * scale;
    float mi = m[i] * b1 + gi * nb1;
    float vi = v[i] * b2 + (gi * gi) * nb2;
    float mh = mi / c1, vh = vi / c2;
    ow[i] = (mh / (std::sqrt(vh) + eps)) * (-lr) + w[i];
    om[i] = mi;
    ov[i] = vi;
  }
  return undefinedValue(env);
}

// sumOfSquares(x, n) -> Σ x² (in double)
napi_value SumOfSquares(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int n = a.i(1);
  if (a.failed) return nullptr;
  float* x = a.f(0, n);
  if (a.failed) return nullptr;
  double acc = 0;
  for (int i = 0; i < n; i++) acc += (double)x[i] * x[i];
  napi_value r;
  napi_create_double(env, acc, &r);
  return r;
}

// luongGreedy(B, T, S, E, H, Hk, U, V, kind, table[*,E], Wx[E,4H], b[4H], Wh[H,4H], h0[B,H], c0[B,H],
//             keys[B,S,Hk], kp[B,S,U]|null, WaQuery[H,U]|null, v[U]|null, WaGeneral[H,Hk]|null, maskBias[B,S],
//             Wc[Hk+H,H], Wcls[H,V], bcls[V], inputs Int32[B,T], force Int32[T], chosen Int32[B,T])
// The previous word of every step when a Luong decoder without input feeding feeds its own guesses:
// chosen[:,0] = inputs[:,0]; step t runs the LSTM on chosen[:,t], attends (kind 0 dot, 1 general,
// 2 concat), h~ = tanh([c; h]·Wc), logits = h~·Wcls + bcls; chosen[:,t+1] = force[t] ? inputs[:,t+1] : argmax.
napi_value LuongGreedy(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int B = a.i(0), T = a.i(1), S = a.i(2), E = a.i(3), H = a.i(4), Hk = a.i(5), U = a.i(6), V = a.i(7), kind = a.i(8);
  if (a.failed) return nullptr;
  size_t G = 4 * (size_t)H;
  float* table = a.f(9, (size_t)E);
  float* Wx = a.f(10, (size_t)E * G);
  float* bias = a.f(11, G);
  float* Wh = a.f(12, (size_t)H * G);
  float* h0 = a.f(13, (size_t)B * H);
  float* c0 = a.f(14, (size_t)B * H);
  float* keys = a.f(15, (size_t)B * S * Hk);
  float* kp = a.f(16, (size_t)B * S * U, kind != 2);
  float* WaQ = a.f(17, (size_t)H * U, kind != 2);
  float* v = a.f(18, U, kind != 2);
  float* WaG = a.f(19, (size_t)H * Hk, kind != 1);
  float* maskBias = a.f(20, (size_t)B * S);
  float* Wc = a.f(21, (size_t)(Hk + H) * H);
  float* Wcls = a.f(22, (size_t)H * V);
  float* bcls = a.f(23, V);
  if (a.failed) return nullptr;
  int32_t* inputs = a.arr<int32_t>(24, (size_t)B * T);
  int32_t* force = a.arr<int32_t>(25, T > 0 ? T - 1 : 0);
  int32_t* chosen = a.arr<int32_t>(26, (size_t)B * T);
  if (a.failed) return nullptr;
  std::vector<float> h(h0, h0 + (size_t)B * H), c(c0, c0 + (size_t)B * H), x((size_t)B * E), gates((size_t)B * G),
      q((size_t)B * (kind == 2 ? U : Hk)), w((size_t)B * S), cat((size_t)B * (Hk + H)), feat((size_t)B * H), logits((size_t)B * V);
  for (int b = 0; b < B; b++) chosen[(size_t)b * T] = inputs[(size_t)b * T];
  for (int t = 0; t + 1 < T; t++) {
    for (int b = 0; b < B; b++) std::memcpy(&x[(size_t)b * E], table + (size_t)chosen[(size_t)b * T + t] * E, sizeof(float) * E);
    for (int b = 0; b < B; b++) std::memcpy(&gates[(size_t)b * G], bias, sizeof(float) * G);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, (int)G, E, 1.0f, x.data(), E, Wx, (int)G, 1.0f, gates.data(), (int)G);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, (int)G, H, 1.0f, h.data(), H, Wh, (int)G, 1.0f, gates.data(), (int)G);
    for (int b = 0; b < B; b++)
#pragma omp simd
      for (int j = 0; j < H; j++) {
        const float* gb = &gates[(size_t)b * G];
        size_t k = (size_t)b * H + j;
        float ig = sigmoid(gb[j]), fg = sigmoid(gb[H + j]), gg = std::tanh(gb[2 * H + j]), og = sigmoid(gb[3 * H + j]);
        c[k] = fg * c[k] + ig * gg;
        h[k] = og * std::tanh(c[k]);
      }
    if (kind == 1) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, Hk, H, 1.0f, h.data(), H, WaG, Hk, 0.0f, q.data(), Hk);
    if (kind == 2) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, U, H, 1.0f, h.data(), H, WaQ, U, 0.0f, q.data(), U);
    for (int b = 0; b < B; b++) {
      float* wb = &w[(size_t)b * S];
      for (int s = 0; s < S; s++) {
        float acc = 0;
        if (kind == 2) {
          const float* k = kp + ((size_t)b * S + s) * U;
          const float* qb = &q[(size_t)b * U];
          for (int u = 0; u < U; u++) acc += v[u] * std::tanh(k[u] + qb[u]);
        } else {
          const float* k = keys + ((size_t)b * S + s) * Hk;
          const float* qb = kind == 1 ? &q[(size_t)b * Hk] : &h[(size_t)b * H];
          for (int j = 0; j < Hk; j++) acc += k[j] * qb[j];
        }
        wb[s] = acc + maskBias[(size_t)b * S + s];
      }
      float mx = wb[0];
      for (int s = 1; s < S; s++) mx = wb[s] > mx ? wb[s] : mx;
      float sum = 0;
      for (int s = 0; s < S; s++) { wb[s] = std::exp(wb[s] - mx); sum += wb[s]; }
      float* cb = &cat[(size_t)b * (Hk + H)];
      std::fill(cb, cb + Hk, 0.0f);
      for (int s = 0; s < S; s++) {
        float ws = wb[s] / sum;
        const float* k = keys + ((size_t)b * S + s) * Hk;
        for (int j = 0; j < Hk; j++) cb[j] += ws * k[j];
      }
      std::memcpy(cb + Hk, &h[(size_t)b * H], sizeof(float) * H);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, Hk + H, 1.0f, cat.data(), Hk + H, Wc, H, 0.0f, feat.data(), H);
    for (auto& f : feat) f = std::tanh(f);
    for (int b = 0; b < B; b++) std::memcpy(&logits[(size_t)b * V], bcls, sizeof(float) * V);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, V, H, 1.0f, feat.data(), H, Wcls, V, 1.0f, logits.data(), V);
    for (int b = 0; b < B; b++) {
      int32_t next;
      if (force[t]) {
        next = inputs[(size_t)b * T + t + 1];
      } else {
        const float* lb = &logits[(size_t)b * V];
        int best = 0;
        for (int j = 1; j < V; j++) if (lb[j] > lb[best]) best = j;
        next = best;
      }
      chosen[(size_t)b * T + t + 1] = next;
    }
  }
  return undefinedValue(env);
}

// sumRows(rows, cols, x[rows,cols], out[cols]): out[j] = Σ_i x[i,j] (a reduction over leading axes).
napi_value SumRows(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int rows = a.i(0), cols = a.i(1);
  if (a.failed) return nullptr;
  float* x = a.f(2, (size_t)rows * cols);
  float* out = a.f(3, cols);
  if (a.failed) return nullptr;
  std::fill(out, out + cols, 0.0f);
  for (int i = 0; i < rows; i++) {
    const float* r = x + (size_t)i * cols;
#pragma omp simd
    for (int j = 0; j < cols; j++) out[j] += r[j];
  }
  return undefinedValue(env);
}

// tanh(n, x, out)
napi_value Tanh(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int n = a.i(0);
  if (a.failed) return nullptr;
  float* x = a.f(1, n);
  float* out = a.f(2, n);
  if (a.failed) return nullptr;
#pragma omp simd
  for (int i = 0; i < n; i++) out[i] = std::tanh(x[i]);
  return undefinedValue(env);
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int n = a.i(0);
  if (a.failed) return nullptr;
  if (n < 1) n = 1;
  openblas_set_num_threads(n);
  return undefinedValue(env);
}

napi_value GetThreads(napi_env env, napi_callback_info info) {
  napi_value r;
  napi_create_int32(env, openblas_get_num_threads(), &r);
  return r;
}

napi_value Init(napi_env env, napi_value exports) {
  struct { const char* name; napi_callback fn; } fns[] = {
      {"gemm", Gemm},
      {"lstmForward", LstmForward},
      {"lstmBackward", LstmBackward},
      {"additiveForward", AdditiveForward},
      {"additiveBackward", AdditiveBackward},
      {"softmaxCrossEntropy", SoftmaxCrossEntropy},
      {"softmaxCrossEntropyBackward", SoftmaxCrossEntropyBackward},
      {"classifierCrossEntropy", ClassifierCrossEntropy},
      {"classifierCrossEntropyBackward", ClassifierCrossEntropyBackward},
      {"adam", Adam},
      {"sumOfSquares", SumOfSquares},
      {"luongGreedy", LuongGreedy},
      {"sumRows", SumRows},
      {"tanh", Tanh},
      {"setThreads", SetThreads},
      {"getThreads", GetThreads},
  };
  for (auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
