// The GEMM engine behind matmul, conv2d (implicit GEMM) and the recurrent layers.
// C[z](m, n) = sum_k A[z](m, k) * B[z](n, k), where the operands are *loaders*: functors
// giving element (z, i, k) of an operand (i = m for A, n for B) and saying which index is
// contiguous in memory, so one kernel serves plain, transposed and im2col'd operands.
// Variants (llm.c style, checked by native/cuda/dev/gemm_check.cu):
//   1  naive: one thread per output (the reference on the device)
//   2  tiled SGEMM: 128x128x8 block tile in shared memory, 8x8 outputs per thread (fp32 FMA)
//   3  TF32 tensor cores: 128x128x16 block tile, 8 warps of 64x32, mma.sync.m16n8k8
// Split-K (blockIdx.z = batch * ksplit + part) accumulates with atomicAdd into a zeroed C.
#pragma once
#include "cuda/common.cuh"

namespace tf {
namespace cuda {

// Dense strided operand: element (z, i, k) = p[z*bstride + (kcontig ? i*ld + k : k*ld + i)].
struct DenseOperand {
  const float* p;
  int64_t ld, bstride;
  bool kcontig;
  __device__ __forceinline__ bool k_contiguous() const { return kcontig; }
  __device__ __forceinline__ float operator()(int64_t z, int64_t i, int64_t k) const {
    return __ldg(p + z * bstride + (kcontig ? i * ld + k : k * ld + i));
  }
};

// Row-major C with alpha/beta and the bias/relu epilogue of cpu/gemm/gemm.h.
struct DenseStore {
  float* c;
  int64_t ldc, bstride;
  float alpha, beta;
  const float* bias;
  int32_t bias_kind, act;
  bool atomic;
  __device__ __forceinline__ void operator()(int64_t z, int64_t m, int64_t n, float acc) const {
    float* p = c + z * bstride + m * ldc + n;
    if (atomic) {
      atomicAdd(p, alpha * acc);
      return;
    }
    float v = alpha * acc;
    if (beta != 0.0f) v += beta * *p;
    if (bias_kind == 1) v += bias[n];
    else if (bias_kind == 2) v += bias[m];
    if (act == 1) v = v > 0.0f ? v : 0.0f;
    *p = v;
  }
};

struct GemmShape {
  int64_t M, N, K;
  int64_t batch;   // z extent (before split-K)
  int32_t ksplit;  // >= 1
  int64_t kchunk;  // K range per split (multiple of the block's BK)
};

// ---- variant 1: naive -------------------------------------------------------------------
template <class LA, class LB, class ST>
__global__ void gemm_naive_kernel(LA a, LB b, ST st, GemmShape g) {
  const int64_t z = blockIdx.z;
  const int64_t total = g.M * g.N;
  CUDA_KERNEL_LOOP(i, total) {
    const int64_t m = i / g.N, n = i - m * g.N;
    float acc = 0.0f;
    for (int64_t k = 0; k < g.K; ++k) acc = fmaf(a(z, m, k), b(z, n, k), acc);
    st(z, m, n, acc);
  }
}

// ---- shared tile loading (both tiled variants) --------------------------------------------
// Loads E = ROWS*BK elements of an operand tile (ROWS along i, BK along k) into registers,
// E/threads per thread, walking along the operand's contiguous index for coalescing.
template <int ROWS, int BK, int THREADS, class L>
__device__ __forceinline__ void load_tile(const L& op, int64_t z, int64_t i0, int64_t k0, int64_t I, int64_t K,
                                          float (&r)[ROWS * BK / THREADS], int tid) {
  const bool kc = op.k_contiguous();
#pragma unroll
  for (int j = 0; j < ROWS * BK / THREADS; ++j) {
    const int e = tid + j * THREADS;
    const int ii = kc ? e / BK : e % ROWS;
    const int kk = kc ? e % BK : e / ROWS;
    const int64_t i = i0 + ii, k = k0 + kk;
    r[j] = (i < I && k < K) ? op(z, i, k) : 0.0f;
  }
}
template <int ROWS, int BK, int THREADS, class L>
__device__ __forceinline__ void tile_coords(const L& op, int j, int tid, int* ii, int* kk) {
  const bool kc = op.k_contiguous();
  const int e = tid + j * THREADS;
  *ii = kc ? e / BK : e % ROWS;
  *kk = kc ? e % BK : e / ROWS;
}

__device__ __forceinline__ void split_k_range(const GemmShape& g, int64_t* z, int64_t* k_begin, int64_t* k_end) {
  const int64_t zz = blockIdx.z;
  *z = zz / g.ksplit;
  const int64_t part = zz - *z * g.ksplit;
  *k_begin = part * g.kchunk;
  *k_end = *k_begin + g.kchunk < g.K ? *k_begin + g.kchunk : g.K;
}

// ---- variant 2: tiled SGEMM ---------------------------------------------------------------
// 256 threads as 16x16; thread (ty, tx) owns rows {ty*4+i, 64+ty*4+i} and columns
// {tx*4+j, 64+tx*4+j} (split layout: conflict-free float4 reads of the B tile).
constexpr int kSgBM = 128, kSgBN = 128, kSgBK = 8, kSgThreads = 256;

template <class LA, class LB, class ST>
__global__ void __launch_bounds__(kSgThreads) gemm_sgemm_kernel(LA a, LB b, ST st, GemmShape g) {
  constexpr int BM = kSgBM, BN = kSgBN, BK = kSgBK, T = kSgThreads;
  __shared__ __align__(16) float As[2][BK][BM];
  __shared__ __align__(16) float Bs[2][BK][BN];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t m0 = int64_t(blockIdx.y) * BM, n0 = int64_t(blockIdx.x) * BN;
  int64_t z, kb, ke;
  split_k_range(g, &z, &kb, &ke);

  float ra[BM * BK / T], rb[BN * BK / T];
  float acc[8][8] = {};
  auto stash = [&](int buf) {
#pragma unroll
    for (int j = 0; j < BM * BK / T; ++j) {
      int ii, kk;
      tile_coords<BM, BK, T>(a, j, tid, &ii, &kk);
      As[buf][kk][ii] = ra[j];
    }
#pragma unroll
    for (int j = 0; j < BN * BK / T; ++j) {
      int ii, kk;
      tile_coords<BN, BK, T>(b, j, tid, &ii, &kk);
      Bs[buf][kk][ii] = rb[j];
    }
  };
  // Loaders clip k to ke (the split's end) by passing it as K.
  load_tile<BM, BK, T>(a, z, m0, kb, g.M, ke, ra, tid);
  load_tile<BN, BK, T>(b, z, n0, kb, g.N, ke, rb, tid);
  stash(0);
  __syncthreads();
  int buf = 0;
  for (int64_t k0 = kb; k0 < ke; k0 += BK) {
    const bool more = k0 + BK < ke;
    if (more) {
      load_tile<BM, BK, T>(a, z, m0, k0 + BK, g.M, ke, ra, tid);
      load_tile<BN, BK, T>(b, z, n0, k0 + BK, g.N, ke, rb, tid);
    }
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      float4 a0 = *reinterpret_cast<const float4*>(&As[buf][kk][ty * 4]);
      float4 a1 = *reinterpret_cast<const float4*>(&As[buf][kk][64 + ty * 4]);
      float4 b0 = *reinterpret_cast<const float4*>(&Bs[buf][kk][tx * 4]);
      float4 b1 = *reinterpret_cast<const float4*>(&Bs[buf][kk][64 + tx * 4]);
      const float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      const float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    if (more) stash(buf ^ 1);
    __syncthreads();
    buf ^= 1;
  }
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const int64_t m = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
    if (m >= g.M) continue;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int64_t n = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
      if (n < g.N) st(z, m, n, acc[i][j]);
    }
  }
}

// ---- variant 3: TF32 tensor cores (mma.sync m16n8k8, sm_80+) ------------------------------
constexpr int kTcBM = 128, kTcBN = 128, kTcBK = 16, kTcThreads = 256;
constexpr int kTcAStride = kTcBK + 4;  // conflict-free A fragment reads
constexpr int kTcBStride = kTcBN + 8;  // conflict-free B fragment reads

__device__ __forceinline__ uint32_t to_tf32(float x) {
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return r;
}

__device__ __forceinline__ void mma_tf32(float (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

template <class LA, class LB, class ST>
__global__ void __launch_bounds__(kTcThreads) gemm_tf32_kernel(LA a, LB b, ST st, GemmShape g) {
  constexpr int BM = kTcBM, BN = kTcBN, BK = kTcBK, T = kTcThreads;
  __shared__ __align__(16) uint32_t As[2][BM][kTcAStride];
  __shared__ __align__(16) uint32_t Bs[2][BK][kTcBStride];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int gid = lane >> 2, tig = lane & 3;          // mma groupID, threadID_in_group
  const int wm = (warp >> 2) * 64, wn = (warp & 3) * 32;  // warp tile origin in the block tile
  const int64_t m0 = int64_t(blockIdx.y) * BM, n0 = int64_t(blockIdx.x) * BN;
  int64_t z, kb, ke;
  split_k_range(g, &z, &kb, &ke);

  float ra[BM * BK / T], rb[BN * BK / T];
  float acc[4][4][4] = {};
  auto stash = [&](int buf) {
#pragma unroll
    for (int j = 0; j < BM * BK / T; ++j) {
      int ii, kk;
      tile_coords<BM, BK, T>(a, j, tid, &ii, &kk);
      As[buf][ii][kk] = to_tf32(ra[j]);
    }
#pragma unroll
    for (int j = 0; j < BN * BK / T; ++j) {
      int ii, kk;
      tile_coords<BN, BK, T>(b, j, tid, &ii, &kk);
      Bs[buf][kk][ii] = to_tf32(rb[j]);
    }
  };
  load_tile<BM, BK, T>(a, z, m0, kb, g.M, ke, ra, tid);
  load_tile<BN, BK, T>(b, z, n0, kb, g.N, ke, rb, tid);
  stash(0);
  __syncthreads();
  int buf = 0;
  for (int64_t k0 = kb; k0 < ke; k0 += BK) {
    const bool more = k0 + BK < ke;
    if (more) {
      load_tile<BM, BK, T>(a, z, m0, k0 + BK, g.M, ke, ra, tid);
      load_tile<BN, BK, T>(b, z, n0, k0 + BK, g.N, ke, rb, tid);
    }
#pragma unroll
    for (int kk = 0; kk < BK; kk += 8) {
      uint32_t af[4][4], bf[4][2];
#pragma unroll
      for (int mi = 0; mi < 4; ++mi) {
        const int r = wm + mi * 16 + gid;
        af[mi][0] = As[buf][r][kk + tig];
        af[mi][1] = As[buf][r + 8][kk + tig];
        af[mi][2] = As[buf][r][kk + tig + 4];
        af[mi][3] = As[buf][r + 8][kk + tig + 4];
      }
#pragma unroll
      for (int ni = 0; ni < 4; ++ni) {
        const int c = wn + ni * 8 + gid;
        bf[ni][0] = Bs[buf][kk + tig][c];
        bf[ni][1] = Bs[buf][kk + tig + 4][c];
      }
#pragma unroll
      for (int mi = 0; mi < 4; ++mi)
#pragma unroll
        for (int ni = 0; ni < 4; ++ni) mma_tf32(acc[mi][ni], af[mi], bf[ni]);
    }
    if (more) stash(buf ^ 1);
    __syncthreads();
    buf ^= 1;
  }
#pragma unroll
  for (int mi = 0; mi < 4; ++mi)
#pragma unroll
    for (int ni = 0; ni < 4; ++ni)
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        const int64_t m = m0 + wm + mi * 16 + gid + (q >= 2 ? 8 : 0);
        const int64_t n = n0 + wn + ni * 8 + tig * 2 + (q & 1);
        if (m < g.M && n < g.N) st(z, m, n, acc[mi][ni][q]);
      }
}

// Number of multiprocessors of the current device (cached per device).
int sm_count();

// Picks split-K so that small-MN, large-K products (weight gradients) fill the GPU.
// Returns 1 when the store cannot accumulate atomically.
int choose_ksplit(int64_t M, int64_t N, int64_t K, int64_t batch, int bm, int bn, int bk);

// Launches variant 1, 2 or 3. With g.ksplit > 1 the store must be atomic and C zeroed.
template <class LA, class LB, class ST>
void gemm_launch(int variant, const LA& a, const LB& b, const ST& st, GemmShape g, Stream s) {
  if (g.M <= 0 || g.N <= 0 || g.batch <= 0) return;
  if (g.ksplit < 1 || variant == 1) g.ksplit = 1;
  const int bk = variant == 3 ? kTcBK : kSgBK;
  if (g.ksplit == 1) g.kchunk = g.K;
  else g.kchunk = ((g.K + g.ksplit - 1) / g.ksplit + bk - 1) / bk * bk;
  if (g.batch * g.ksplit > 65535) throw CudaError("gemm: batch too large for one launch");
  if (variant == 1) {
    dim3 grid(grid_for(g.M * g.N), 1, unsigned(g.batch));
    gemm_naive_kernel<<<grid, kThreads, 0, s>>>(a, b, st, g);
  } else {
    const int bm = variant == 3 ? kTcBM : kSgBM, bn = variant == 3 ? kTcBN : kSgBN;
    const int64_t gx = (g.N + bn - 1) / bn, gy = (g.M + bm - 1) / bm;
    if (gy > 65535) throw CudaError("gemm: M too large for one launch");
    dim3 grid(unsigned(gx), unsigned(gy), unsigned(g.batch * g.ksplit));
    if (variant == 3) gemm_tf32_kernel<<<grid, kTcThreads, 0, s>>>(a, b, st, g);
    else gemm_sgemm_kernel<<<grid, kSgThreads, 0, s>>>(a, b, st, g);
  }
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tf
