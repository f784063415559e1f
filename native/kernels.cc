// Native kernels for the workbook's training step on the wasm backend.
//
// Every function works on typed arrays that view tfjs's wasm heap (or any Float32Array): no copies.
// Matrix products go to sgemm() below, on as many threads as setThreads says: OpenBLAS where the addon was
// built with it (-DWORKBOOK_OPENBLAS, scripts/build-native.js decides), else the portable product of this
// file, a blocked sgemm vectorised for the machine it is compiled on; setBlas("portable") picks the
// portable one at run time in an OpenBLAS build too (WORKBOOK_BLAS=portable, for comparisons). The
// element-wise parts of the fused kernels run here on the calling thread, vectorised (-ffast-math lets the
// compiler use glibc's vector exp and tanh). Shapes are documented in src/backend/fused/*.ts, which calls
// these functions.
#include <node_api.h>
#ifdef WORKBOOK_OPENBLAS
#include <cblas.h>
#endif
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

// ---- The portable single-precision matrix product ------------------------------------------------------
//
// C = alpha · op(A) · op(B) + beta · C, row-major, the way GotoBLAS and BLIS do it: op(A) is copied into
// strips of MR rows and op(B) into strips of NR columns (k running fastest inside a strip, so both are read
// in order whatever the transposes), and a micro-kernel keeps an MR × NR block of C in vector registers over
// KC steps of k (a KC × NR strip of B stays in L1, an MC × KC block of A in L2). The vector width is the
// machine's (AVX-512, AVX, NEON/SSE: -march=native), written with GCC/Clang vector types; without them
// it is plain loops. Strips and tiles of C are shared out to the threads of a small pool that
// setThreads sizes. Every element of C is summed in the same order whatever the thread count.

namespace portable {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif

#if defined(__GNUC__) || defined(__clang__)
typedef float vfloat __attribute__((vector_size(kLanes * sizeof(float))));
inline vfloat vload(const float* p) { vfloat v; std::memcpy(&v, p, sizeof v); return v; }
inline void vstore(float* p, vfloat v) { std::memcpy(p, &v, sizeof v); }
inline vfloat vsplat(float x) { return vfloat{} + x; }
#else
struct vfloat {
  float x[kLanes];
  vfloat operator*(const vfloat& o) const { vfloat r; for (int i = 0; i < kLanes; i++) r.x[i] = x[i] * o.x[i]; return r; }
  vfloat& operator+=(const vfloat& o) { for (int i = 0; i < kLanes; i++) x[i] += o.x[i]; return *this; }
  vfloat operator+(const vfloat& o) const { vfloat r = *this; r += o; return r; }
};
inline vfloat vload(const float* p) { vfloat v; std::memcpy(v.x, p, sizeof v.x); return v; }
inline void vstore(float* p, vfloat v) { std::memcpy(p, v.x, sizeof v.x); }
inline vfloat vsplat(float x) { vfloat v; for (int i = 0; i < kLanes; i++) v.x[i] = x; return v; }
#endif

constexpr int NV = 2;               // vectors per row of the register block
constexpr int NR = NV * kLanes;     // columns of the register block
#if defined(__aarch64__)
constexpr int kRegisters = 32;
#else
constexpr int kRegisters = kLanes == 16 ? 32 : 16;  // AVX-512: 32 vector registers; AVX and SSE: 16
#endif
// Rows of the register block: MR × NV accumulators, NV values of B and a broadcast fit the registers.
constexpr int MR = kRegisters == 32 ? 8 : kLanes == 8 ? 6 : 4;
// Depth of one pass: a KC × NR strip of B stays in L1 (32 KB with AVX-512, 24 KB with AVX, 16 KB else).
constexpr int KC = kLanes == 16 ? 256 : kLanes == 8 ? 384 : 512;
constexpr int MC = 128;             // rows of C per tile (an MC × KC block of A: 128 KB, in L2)

inline int cdiv(int a, int b) { return (a + b - 1) / b; }

// ---- Threads: a pool that setThreads sizes; the caller is thread 0 ----

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

class Pool {
 public:
  // Runs body() on up to n threads (the caller and n - 1 workers) and returns when all have finished.
  // A second caller (a worker_threads thread) while the pool is busy runs body() alone.
  void run(int n, const std::function<void()>& body) {
    std::unique_lock<std::mutex> own(runMutex_, std::defer_lock);
    if (n <= 1 || !own.try_lock()) { body(); return; }
#if defined(__cpp_exceptions)
    try {
#endif
      while (started_ < n - 1) {
        std::thread(&Pool::worker, this, started_ + 1, state_.load()).detach();
        started_++;
      }
#if defined(__cpp_exceptions)
    } catch (const std::system_error&) {  // no more threads to be had: run on those there are
      n = started_ + 1;
      if (n == 1) { body(); return; }
    }
#endif
    body_ = &body;
    pending_.store(n - 1);
    uint64_t next = ((state_.load() >> 16) + 1) << 16 | (uint64_t)n;
    state_.store(next);  // seq_cst: a worker about to sleep either sees it or is counted in sleepers_
    if (sleepers_.load() > 0) {
      { std::lock_guard<std::mutex> lk(m_); }
      cv_.notify_all();
    }
    body();
    for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; spins++) pause(spins);
  }

 private:
  // A short spin, then yielding the core: on a busy machine a worker may share it with the caller.
  static void pause(int spins) {
    if (spins < 64) cpuRelax();
    else std::this_thread::yield();
  }

  // Waits for the next generation (spinning for a while: the LSTM's steps come a few microseconds apart,
  // then asleep), runs the body when it is one of that generation's threads.
  void worker(int id, uint64_t seen) {
    for (;;) {
      uint64_t s;
      auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(500);
      for (int spins = 0; (s = state_.load()) == seen; spins++) {
        pause(spins);
        if (spins % 64 == 63 && std::chrono::steady_clock::now() > until) {
          std::unique_lock<std::mutex> lk(m_);
          sleepers_++;
          cv_.wait(lk, [&] { return state_.load() != seen; });
          sleepers_--;
        }
      }
      seen = s;
      if (id < (int)(s & 0xffff)) {
        (*body_)();
        pending_.fetch_sub(1, std::memory_order_release);
      }
    }
  }

  std::mutex runMutex_, m_;
  std::condition_variable cv_;
  std::atomic<uint64_t> state_{0};  // generation << 16 | threads of that generation
  std::atomic<int> sleepers_{0}, pending_{0};
  const std::function<void()>* body_ = nullptr;
  int started_ = 0;
};

inline Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: its threads sleep through the process's exit
  return *p;
}

inline int maxThreads() {
  unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? (int)hw : 1;
}

std::atomic<int> gThreads{maxThreads()};

// body(i) for i in [0, items), shared out dynamically to `threads` threads.
template <typename F>
void parallelFor(int items, int threads, F&& body) {
  threads = std::min(threads, items);
  if (threads <= 1) {
    for (int i = 0; i < items; i++) body(i);
    return;
  }
  std::atomic<int> next{0};
  std::function<void()> loop = [&] {
    for (int i; (i = next.fetch_add(1, std::memory_order_relaxed)) < items;) body(i);
  };
  pool().run(threads, loop);
}

// ---- Packing ----

// Strip s of op(A) (rows s·MR ..): K × MR floats, element (k, r) at k·MR + r, times alpha; rows past M are 0.
void packAStrip(bool tA, int M, int K, float alpha, const float* A, int lda, int s, float* dst) {
  int i0 = s * MR, rows = std::min(MR, M - i0);
  if (tA) {  // op(A)[i, k] = A[k·lda + i]: MR consecutive floats per k
    for (int k = 0; k < K; k++) {
      const float* src = A + (size_t)k * lda + i0;
      float* d = dst + (size_t)k * MR;
      for (int r = 0; r < rows; r++) d[r] = alpha * src[r];
      for (int r = rows; r < MR; r++) d[r] = 0;
    }
  } else {
    for (int r = 0; r < MR; r++) {
      float* d = dst + r;
      if (r >= rows) {
        for (int k = 0; k < K; k++) d[(size_t)k * MR] = 0;
        continue;
      }
      const float* src = A + (size_t)(i0 + r) * lda;
      for (int k = 0; k < K; k++) d[(size_t)k * MR] = alpha * src[k];
    }
  }
}

// Strip s of op(B) (columns s·NR ..): K × NR floats, element (k, c) at k·NR + c; columns past N are 0.
void packBStrip(bool tB, int K, int N, const float* B, int ldb, int s, float* dst) {
  int j0 = s * NR, cols = std::min(NR, N - j0);
  if (!tB) {  // op(B)[k, j] = B[k·ldb + j]: NR consecutive floats per k
    for (int k = 0; k < K; k++) {
      const float* src = B + (size_t)k * ldb + j0;
      float* d = dst + (size_t)k * NR;
      if (cols == NR) {
        std::memcpy(d, src, sizeof(float) * NR);
      } else {
        for (int c = 0; c < cols; c++) d[c] = src[c];
        for (int c = cols; c < NR; c++) d[c] = 0;
      }
    }
  } else {  // op(B)[k, j] = B[j·ldb + k]: a transpose, a few k at a time to stay in cache
    for (int k0 = 0; k0 < K; k0 += 64) {
      int k1 = std::min(K, k0 + 64);
      for (int c = 0; c < NR; c++) {
        float* d = dst + c;
        if (c >= cols) {
          for (int k = k0; k < k1; k++) d[(size_t)k * NR] = 0;
          continue;
        }
        const float* src = B + (size_t)(j0 + c) * ldb;
        for (int k = k0; k < k1; k++) d[(size_t)k * NR] = src[k];
      }
    }
  }
}

// ---- The micro-kernel: C[MR × NR] (beta·C or +=) the product of an A strip and a B strip over kc ----

// C block = (first ? beta·C : C) + Σ_k a[k]ᵀ b[k], for the top-left rows × cols of the block.
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))  // its own registers: inlined into the tile loops, GCC spills its accumulators
#endif
void micro(int kc, const float* a, const float* b, float* C, int ldc, int rows, int cols, bool first, float beta) {
  vfloat acc[MR][NV];
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) acc[r][v] = vsplat(0.0f);
  for (int k = 0; k < kc; k++) {
    vfloat bv[NV];
    for (int v = 0; v < NV; v++) bv[v] = vload(b + (size_t)k * NR + v * kLanes);
    for (int r = 0; r < MR; r++) {
      vfloat ar = vsplat(a[(size_t)k * MR + r]);
      for (int v = 0; v < NV; v++) acc[r][v] += ar * bv[v];
    }
  }
  if (rows == MR && cols == NR) {
    for (int r = 0; r < MR; r++)
      for (int v = 0; v < NV; v++) {
        float* c = C + (size_t)r * ldc + v * kLanes;
        vfloat old = first ? (beta == 0.0f ? vsplat(0.0f) : vsplat(beta) * vload(c)) : vload(c);
        vstore(c, old + acc[r][v]);
      }
    return;
  }
  float tmp[MR * NR];
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) vstore(tmp + r * NR + v * kLanes, acc[r][v]);
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < cols; j++) {
      float* c = C + (size_t)r * ldc + j;
      float old = first ? (beta == 0.0f ? 0.0f : beta * *c) : *c;
      *c = old + tmp[r * NR + j];
    }
}

// ---- Small products: straight loops (packing would cost more than it saves) ----

void smallGemm(bool tA, bool tB, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
               float beta, float* C, int ldc) {
  for (int i = 0; i < M; i++) {
    float* c = C + (size_t)i * ldc;
    if (beta == 0.0f) std::fill(c, c + N, 0.0f);
    else if (beta != 1.0f) for (int j = 0; j < N; j++) c[j] *= beta;
    if (!tB) {
      for (int k = 0; k < K; k++) {
        float a = alpha * (tA ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k]);
        const float* b = B + (size_t)k * ldb;
#pragma omp simd
        for (int j = 0; j < N; j++) c[j] += a * b[j];
      }
    } else {
      for (int j = 0; j < N; j++) {
        const float* b = B + (size_t)j * ldb;
        float acc = 0;
        if (!tA) {
          const float* a = A + (size_t)i * lda;
#pragma omp simd reduction(+ : acc)
          for (int k = 0; k < K; k++) acc += a[k] * b[k];
        } else {
          for (int k = 0; k < K; k++) acc += A[(size_t)k * lda + i] * b[k];
        }
        c[j] += alpha * acc;
      }
    }
  }
}

// ---- Scratch memory: this thread's buffers, kept from call to call ----

// A float buffer of the calling thread, handed back for the next user when it goes out of scope: a fresh
// multi-megabyte allocation in every call would be given back to the system and page-faulted in again
// (a third of a decoder pass's time, measured). get(n) takes the smallest spare buffer that holds n floats
// (else the largest, grown), so the spares stay as large as the calls need, no larger.
class Scratch {
 public:
  Scratch() = default;
  ~Scratch() {
    if (taken_) spare().push_back(std::move(v_));
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  float* get(size_t n) {
    if (!taken_) take(n);
    if (v_.size() < n) v_.resize(n);
    return v_.data();
  }

 private:
  static std::vector<std::vector<float>>& spare() {
    thread_local std::vector<std::vector<float>> s;
    return s;
  }
  void take(size_t n) {
    taken_ = true;
    auto& s = spare();
    if (s.empty()) return;
    size_t best = 0;
    for (size_t i = 1; i < s.size(); i++) {
      bool fits = s[i].size() >= n, bestFits = s[best].size() >= n;
      if (fits ? !bestFits || s[i].size() < s[best].size() : !bestFits && s[i].size() > s[best].size()) best = i;
    }
    v_ = std::move(s[best]);
    s.erase(s.begin() + best);
  }
  std::vector<float> v_;
  bool taken_ = false;
};

// ---- op(B) packed once, for products that reuse it (the LSTM's recurrent weights over T steps) ----

struct PackedB {
  int K = 0, N = 0;
  Scratch memory;
  float* data = nullptr;  // ceil(N / NR) strips of K × NR

  void pack(bool tB, int K_, int N_, const float* B, int ldb, int threads) {
    K = K_;
    N = N_;
    int strips = cdiv(N, NR);
    float* d = data = memory.get((size_t)strips * K * NR);
    int t = (size_t)K * N >= (1 << 16) ? threads : 1;
    parallelFor(strips, t, [&](int s) { packBStrip(tB, K, N, B, ldb, s, d + (size_t)s * K * NR); });
  }
  const float* strip(int s) const { return data + (size_t)s * K * NR; }
};

// C[M × N] = op(A) · Bp (+ beta · C), op(A) scaled by alpha: packs op(A), then shares tiles of C out.
void gemmPacked(bool tA, int M, float alpha, const float* A, int lda, const PackedB& Bp, float beta, float* C, int ldc,
                int threads) {
  int N = Bp.N, K = Bp.K;
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j];
    return;
  }
  int aStrips = cdiv(M, MR), bStrips = cdiv(N, NR);
  Scratch apack;
  float* ap = apack.get((size_t)aStrips * K * MR);
  double work = (double)M * N * K;
  if (work < (1 << 18)) threads = 1;
  parallelFor(aStrips, (size_t)M * K >= (1 << 16) ? threads : 1,
              [&](int s) { packAStrip(tA, M, K, alpha, A, lda, s, ap + (size_t)s * K * MR); });
  // Tiles of C: MC rows × w strips of B, with enough of them to keep every thread busy.
  int stripsPerRowTile = cdiv(MC, MR), rowTiles = cdiv(aStrips, stripsPerRowTile);
  int colTiles = threads == 1 ? 1 : std::max(1, std::min(bStrips, cdiv(8 * threads, rowTiles)));
  int w = cdiv(bStrips, colTiles);
  colTiles = cdiv(bStrips, w);
  parallelFor(rowTiles * colTiles, threads, [&](int tile) {
    int rt = tile / colTiles, ct = tile % colTiles;
    int s0 = rt * stripsPerRowTile, s1 = std::min(aStrips, s0 + stripsPerRowTile);
    int j0 = ct * w, j1 = std::min(bStrips, j0 + w);
    for (int p0 = 0; p0 < K; p0 += KC) {
      int kc = std::min(KC, K - p0);
      for (int js = j0; js < j1; js++) {
        const float* b = Bp.strip(js) + (size_t)p0 * NR;
        int cols = std::min(NR, N - js * NR);
        for (int is = s0; is < s1; is++) {
          const float* a = ap + (size_t)is * K * MR + (size_t)p0 * MR;
          int rows = std::min(MR, M - is * MR);
          micro(kc, a, b, C + (size_t)is * MR * ldc + js * NR, ldc, rows, cols, p0 == 0, beta);
        }
      }
    }
  });
}

// The portable sgemm: C = alpha · op(A) · op(B) + beta · C, row-major.
void sgemm(bool tA, bool tB, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
           float beta, float* C, int ldc, int threads) {
  if (M <= 0 || N <= 0) return;
  if ((double)M * N * K < 32768 || M < 4 || N < 8) {
    smallGemm(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  PackedB bpack;
  bpack.pack(tB, K, N, B, ldb, threads);
  gemmPacked(tA, M, alpha, A, lda, bpack, beta, C, ldc, threads);
}

}  // namespace portable

// ---- sgemm: OpenBLAS or the portable product ----

#ifdef WORKBOOK_OPENBLAS
std::atomic<bool> gOpenBLAS{true};  // setBlas("portable") turns it off
#endif

inline bool useOpenBLAS() {
#ifdef WORKBOOK_OPENBLAS
  return gOpenBLAS.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

// C[M, N] = alpha · op(A) · op(B) + beta · C, row-major (op = transposed when tA / tB).
void sgemm(bool tA, bool tB, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
           float beta, float* C, int ldc) {
#ifdef WORKBOOK_OPENBLAS
  if (useOpenBLAS()) {
    cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
                B, ldb, beta, C, ldc);
    return;
  }
#endif
  portable::sgemm(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, portable::gThreads.load());
}

// op(B) [K, N], the right-hand side of several products (weights over the T steps of a sequence): packed
// once for the portable product; OpenBLAS reads it as it is.
class RightOperand {
 public:
  RightOperand(bool trans, int K, int N, const float* B) : trans_(trans), K_(K), N_(N), B_(B), openblas_(useOpenBLAS()) {
    if (!openblas_) packed_.pack(trans, K, N, B, trans ? K : N, portable::gThreads.load());
  }
  // C[M, N] = alpha · op(A) · op(B) + beta · C, A [M, K] (lda = K) and C (ldc = N) row-major.
  void multiply(int M, float alpha, const float* A, float beta, float* C) const {
    if (openblas_) sgemm(false, trans_, M, N_, K_, alpha, A, K_, B_, trans_ ? K_ : N_, beta, C, N_);
    else portable::gemmPacked(false, M, alpha, A, K_, packed_, beta, C, N_, portable::gThreads.load());
  }

 private:
  bool trans_;
  int K_, N_;
  const float* B_;
  bool openblas_;
  portable::PackedB packed_;
};

// A view of a scratch buffer with the bits of std::vector's interface that LuongGreedy uses.
struct Buf {
  float* p;
  size_t n;
  float* data() const { return p; }
  float& operator[](size_t i) const { return p[i]; }
  float* begin() const { return p; }
  float* end() const { return p + n; }
};

// A kernel's arguments, read by position; a bad one throws a TypeError that names the kernel and the argument
// ("lstmForward: argument 3: expected a typed array"), once.
struct Args {
  napi_env env;
  const char* fn;
  napi_value argv[27];
  size_t argc = 27;
  bool failed = false;
  Args(napi_env e, napi_callback_info info, const char* name) : env(e), fn(name) {
    napi_get_cb_info(e, info, &argc, argv, nullptr, nullptr);
  }
  void fail(size_t k, const char* what) {
    if (!failed) {
      std::string msg = std::string(fn) + ": argument " + std::to_string(k) + ": " + what;
      napi_throw_type_error(env, nullptr, msg.c_str());
    }
    failed = true;
  }
  int i(size_t k) {
    int32_t v = 0;
    if (k >= argc || napi_get_value_int32(env, argv[k], &v) != napi_ok) fail(k, "expected an integer");
    return v;
  }
  double d(size_t k) {
    double v = 0;
    if (k >= argc || napi_get_value_double(env, argv[k], &v) != napi_ok) fail(k, "expected a number");
    return v;
  }
  bool b(size_t k) {
    bool v = false;
    if (k >= argc || napi_get_value_bool(env, argv[k], &v) != napi_ok) fail(k, "expected true or false");
    return v;
  }
  // A Float32Array (or Int32Array) argument; null/undefined gives nullptr when allowed.
  template <typename T>
  T* arr(size_t k, size_t need, bool optional = false) {
    napi_valuetype type;
    if (k >= argc || napi_typeof(env, argv[k], &type) != napi_ok) { fail(k, "missing (expected a typed array)"); return nullptr; }
    if (type == napi_null || type == napi_undefined) {
      if (!optional) fail(k, "expected a typed array, got null or undefined");
      return nullptr;
    }
    bool is = false;
    napi_is_typedarray(env, argv[k], &is);
    if (!is) { fail(k, "expected a typed array"); return nullptr; }
    napi_typedarray_type tt;
    size_t length;
    void* data;
    napi_get_typedarray_info(env, argv[k], &tt, &length, &data, nullptr, nullptr);
    if (length < need) {
      std::string what = "a typed array of " + std::to_string(length) + " values, shorter than the " + std::to_string(need) + " its shape needs";
      fail(k, what.c_str());
      return nullptr;
    }
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
  Args a(env, info, "gemm");
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
  auto one = [&](int i, int threads) {
    float *a = A + (size_t)i * sA, *b = B + (size_t)i * sB, *c = C + (size_t)i * sC;
    if (threads == 0) sgemm(tA, tB, M, N, K, (float)alpha, a, lda, b, ldb, (float)beta, c, N);
    else portable::sgemm(tA, tB, M, N, K, (float)alpha, a, lda, b, ldb, (float)beta, c, N, threads);
  };
  // Many small products (attention's [T, H] x [H, S] for each sentence): one per thread.
  if (batch > 1 && sC >= M * N && !useOpenBLAS() && (double)M * N * K < (1 << 20))
    portable::parallelFor(batch, portable::gThreads.load(), [&](int i) { one(i, 1); });
  else
    for (int i = 0; i < batch; i++) one(i, 0);
  return undefinedValue(env);
}

// lstmForward(T, B, H, xProj[B,T,4H], h0[B,H], c0[B,H], Wh[H,4H], mask[B,T]|null,
//             out[B,T,H], hT[B,H], cT[B,H], gates[T,B,4H], hs[T+1,B,H], cs[T+1,B,H])
// gates = activated i, f, g, o; hs/cs = the states before each step (index 0 = h0/c0) and after the last.
napi_value LstmForward(napi_env env, napi_callback_info info) {
  Args a(env, info, "lstmForward");
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
  RightOperand wh(false, H, (int)G, Wh);
  for (int t = 0; t < T; t++) {
    float* g = gates + (size_t)t * B * G;
    const float* hp = hs + (size_t)t * B * H;
    const float* cp = cs + (size_t)t * B * H;
    float* hn = hs + (size_t)(t + 1) * B * H;
    float* cn = cs + (size_t)(t + 1) * B * H;
    for (int b = 0; b < B; b++) std::memcpy(g + b * G, x + ((size_t)b * T + t) * G, sizeof(float) * G);
    wh.multiply(B, 1.0f, hp, 1.0f, g);
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
  Args a(env, info, "lstmBackward");
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
  RightOperand whT(true, (int)G, H, Wh);
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
    whT.multiply(B, 1.0f, dg, 1.0f, dh.data());
  }
  std::memcpy(dh0, dh.data(), sizeof(float) * BH);
  std::memcpy(dc0, dc.data(), sizeof(float) * BH);
  // dWh = Σ_t h_{t-1}ᵀ · dGates_t: one product over all T·B rows.
  sgemm(true, false, H, (int)G, T * B, 1.0f, hs, H, dG, (int)G, 0.0f, dWh, (int)G);
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++) std::memcpy(dX + ((size_t)b * T + t) * G, dG + ((size_t)t * B + b) * G, sizeof(float) * G);
  return undefinedValue(env);
}

// additiveForward(B, T, S, U, kp[B,S,U], qp[B,T,U], v[U], scores[B,T,S], tanhSaved[B,T,S,U])
// scores[b,t,s] = Σ_u v[u] · tanh(kp[b,s,u] + qp[b,t,u])
napi_value AdditiveForward(napi_env env, napi_callback_info info) {
  Args a(env, info, "additiveForward");
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
  Args a(env, info, "additiveBackward");
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
  Args a(env, info, "softmaxCrossEntropy");
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
  Args a(env, info, "classifierCrossEntropy");
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
  sgemm(false, false, N, V, F, 1.0f, X, F, W, V, 1.0f, probs, V);
  for (int n = 0; n < N; n++) {
    float* row = probs + (size_t)n * V;
    perToken[n] = softmaxCrossEntropyRow(V, row, labels[n], (float)eps, row);
  }
  return undefinedValue(env);
}

// classifierCrossEntropyBackward(N, F, V, X, W, probs, labels, eps, dPerToken[N], dX[N,F], dW[F,V], db[V], scratch[N,V])
napi_value ClassifierCrossEntropyBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "classifierCrossEntropyBackward");
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
  sgemm(false, true, N, F, V, 1.0f, d, V, W, V, 0.0f, dX, F);
  sgemm(true, false, F, V, N, 1.0f, X, F, d, V, 0.0f, dW, V);
  return undefinedValue(env);
}

// softmaxCrossEntropyBackward(N, V, probs[N,V], labels Int32[N], eps, dPerToken[N], dLogits[N,V])
napi_value SoftmaxCrossEntropyBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "softmaxCrossEntropyBackward");
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
  Args a(env, info, "adam");
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
  Args a(env, info, "sumOfSquares");
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
  Args a(env, info, "luongGreedy");
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
  portable::Scratch buffers[9];  // kept from call to call (see Scratch)
  auto buffer = [&](int i, size_t n) { return Buf{buffers[i].get(n), n}; };
  Buf h = buffer(0, (size_t)B * H), c = buffer(1, (size_t)B * H), x = buffer(2, (size_t)B * E), gates = buffer(3, (size_t)B * G),
      q = buffer(4, (size_t)B * (kind == 2 ? U : Hk)), w = buffer(5, (size_t)B * S), cat = buffer(6, (size_t)B * (Hk + H)),
      feat = buffer(7, (size_t)B * H), logits = buffer(8, (size_t)B * V);
  std::memcpy(h.data(), h0, sizeof(float) * B * H);
  std::memcpy(c.data(), c0, sizeof(float) * B * H);
  for (int b = 0; b < B; b++) chosen[(size_t)b * T] = inputs[(size_t)b * T];
  if (T < 2) return undefinedValue(env);
  // The weights of every step, packed once for the portable product.
  RightOperand wx(false, E, (int)G, Wx), wh(false, H, (int)G, Wh), wc(false, Hk + H, H, Wc), wcls(false, H, V, Wcls);
  RightOperand wa(false, H, kind == 1 ? Hk : kind == 2 ? U : 0, kind == 1 ? WaG : WaQ);
  for (int t = 0; t + 1 < T; t++) {
    for (int b = 0; b < B; b++) std::memcpy(&x[(size_t)b * E], table + (size_t)chosen[(size_t)b * T + t] * E, sizeof(float) * E);
    for (int b = 0; b < B; b++) std::memcpy(&gates[(size_t)b * G], bias, sizeof(float) * G);
    wx.multiply(B, 1.0f, x.data(), 1.0f, gates.data());
    wh.multiply(B, 1.0f, h.data(), 1.0f, gates.data());
    for (int b = 0; b < B; b++)
#pragma omp simd
      for (int j = 0; j < H; j++) {
        const float* gb = &gates[(size_t)b * G];
        size_t k = (size_t)b * H + j;
        float ig = sigmoid(gb[j]), fg = sigmoid(gb[H + j]), gg = std::tanh(gb[2 * H + j]), og = sigmoid(gb[3 * H + j]);
        c[k] = fg * c[k] + ig * gg;
        h[k] = og * std::tanh(c[k]);
      }
    if (kind == 1 || kind == 2) wa.multiply(B, 1.0f, h.data(), 0.0f, q.data());
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
    wc.multiply(B, 1.0f, cat.data(), 0.0f, feat.data());
    for (auto& f : feat) f = std::tanh(f);
    for (int b = 0; b < B; b++) std::memcpy(&logits[(size_t)b * V], bcls, sizeof(float) * V);
    wcls.multiply(B, 1.0f, feat.data(), 1.0f, logits.data());
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
  Args a(env, info, "sumRows");
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
  Args a(env, info, "tanh");
  int n = a.i(0);
  if (a.failed) return nullptr;
  float* x = a.f(1, n);
  float* out = a.f(2, n);
  if (a.failed) return nullptr;
#pragma omp simd
  for (int i = 0; i < n; i++) out[i] = std::tanh(x[i]);
  return undefinedValue(env);
}

// setThreads(n): threads of the matrix products (OpenBLAS's and the portable product's, at most one per core).
napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info, "setThreads");
  int n = a.i(0);
  if (a.failed) return nullptr;
  if (n < 1) n = 1;
  portable::gThreads.store(std::min(n, portable::maxThreads()));
#ifdef WORKBOOK_OPENBLAS
  openblas_set_num_threads(n);
#endif
  return undefinedValue(env);
}

napi_value GetThreads(napi_env env, napi_callback_info info) {
  napi_value r;
#ifdef WORKBOOK_OPENBLAS
  if (useOpenBLAS()) {
    napi_create_int32(env, openblas_get_num_threads(), &r);
    return r;
  }
#endif
  napi_create_int32(env, portable::gThreads.load(), &r);
  return r;
}

napi_value String(napi_env env, const std::string& s) {
  napi_value r;
  napi_create_string_utf8(env, s.c_str(), s.size(), &r);
  return r;
}

// blas() -> "openblas" or "portable": the matrix product in use.
napi_value Blas(napi_env env, napi_callback_info info) { return String(env, useOpenBLAS() ? "openblas" : "portable"); }

// blasAvailable() -> the products this build has: ["openblas", "portable"] or ["portable"].
napi_value BlasAvailable(napi_env env, napi_callback_info info) {
  napi_value list;
  napi_create_array(env, &list);
  uint32_t n = 0;
#ifdef WORKBOOK_OPENBLAS
  napi_set_element(env, list, n++, String(env, "openblas"));
#endif
  napi_set_element(env, list, n++, String(env, "portable"));
  return list;
}

// setBlas(name): "openblas" or "portable"; an error for a product this build does not have.
napi_value SetBlas(napi_env env, napi_callback_info info) {
  Args a(env, info, "setBlas");
  char name[32] = {0};
  size_t len = 0;
  if (a.argc < 1 || napi_get_value_string_utf8(env, a.argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, nullptr, "setBlas: expected \"openblas\" or \"portable\"");
    return nullptr;
  }
  std::string want(name, len);
#ifdef WORKBOOK_OPENBLAS
  if (want == "openblas" || want == "portable") {
    gOpenBLAS.store(want == "openblas");
    return Blas(env, info);
  }
#else
  if (want == "portable") return Blas(env, info);
  if (want == "openblas") {
    napi_throw_error(env, nullptr, "setBlas: this build of the native kernels has no OpenBLAS (built with the portable matrix product)");
    return nullptr;
  }
#endif
  napi_throw_type_error(env, nullptr, ("setBlas: unknown matrix product \"" + want + "\" (use openblas or portable)").c_str());
  return nullptr;
}

// blasInfo() -> one line on the product in use: OpenBLAS's configuration, or the portable kernel's shape.
napi_value BlasInfo(napi_env env, napi_callback_info info) {
#ifdef WORKBOOK_OPENBLAS
  if (useOpenBLAS()) return String(env, openblas_get_config());
#endif
  const char* isa = portable::kLanes == 16 ? "AVX-512" : portable::kLanes == 8 ? "AVX" :
#if defined(__aarch64__) || defined(__ARM_NEON)
      "NEON";
#elif defined(__SSE2__)
      "SSE";
#else
      "scalar";
#endif
  return String(env, std::string(isa) + ", " + std::to_string(portable::MR) + "x" + std::to_string(portable::NR) +
                         " register blocks");
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
      {"blas", Blas},
      {"blasAvailable", BlasAvailable},
      {"setBlas", SetBlas},
      {"blasInfo", BlasInfo},
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
