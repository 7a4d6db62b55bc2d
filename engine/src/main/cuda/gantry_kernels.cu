// Gantry CUDA kernels: the device side of the engine's forward pass.
//
// The same source compiles two ways:
//   nvcc  -> fatbin (sm_80, sm_90, PTX compute_90), see build-kernels.sh;
//   g++   -> host test harness, with engine/src/test/cuda/gantry_host_shim.h defining the CUDA
//            built-ins (threads of a block are real std::threads, __syncthreads a barrier).
// So kernels must be shim-friendly: every thread of a block reaches every __syncthreads and
// every warp shuffle (no early return before them), blockDim.x is a multiple of 32, and dynamic
// shared memory is declared with GANTRY_DYNAMIC_SHARED.
//
// Layouts follow the Java CPU backend (dev.gantry.engine.backend.CpuBackend / cpu.PagedAttention):
//   activations  (token, dim) row-major floats
//   KV cache     (slot, numKvHeads * headDim), slot = table[p / blockSize] * blockSize + p % blockSize
//   Q8_0 row     n/32 blocks of {f16 scale, 32 x int8}            (34 bytes)
//   Q4_0 row     n/32 blocks of {f16 scale, 16 bytes of nibbles}  (18 bytes); low nibbles are
//                elements 0..15, high nibbles 16..31, value = scale * (nibble - 8)
#ifdef __CUDACC__
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <stdint.h>
#define GANTRY_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#else
#include "gantry_host_shim.h"
#endif

#define GANTRY_WARP 32
#define GANTRY_FULL_MASK 0xffffffffu
// Largest head dimension paged attention supports: each lane keeps headDim / 32 accumulators.
#define GANTRY_MAX_HEAD_DIM 256

// ---------------------------------------------------------------------------------------------
// Element types of the KV cache: FP32, FP16 or BF16 storage, always FP32 arithmetic.

__device__ __forceinline__ float gantry_to_float(float v) { return v; }
__device__ __forceinline__ float gantry_to_float(__half v) { return __half2float(v); }
__device__ __forceinline__ float gantry_to_float(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T> __device__ __forceinline__ T gantry_from_float(float v);
template <> __device__ __forceinline__ float gantry_from_float<float>(float v) { return v; }
template <> __device__ __forceinline__ __half gantry_from_float<__half>(float v) { return __float2half(v); }
template <> __device__ __forceinline__ __nv_bfloat16 gantry_from_float<__nv_bfloat16>(float v) {
  return __float2bfloat16(v);
}

/** The little-endian IEEE half at p (GGUF block scales are only 2-byte aligned). */
__device__ __forceinline__ float gantry_f16_at(const uint8_t* p) {
  unsigned short bits = (unsigned short) (p[0] | (p[1] << 8));
  return __half2float(__ushort_as_half(bits));
}

__device__ __forceinline__ float gantry_warp_sum(float v) {
  for (int o = GANTRY_WARP / 2; o > 0; o >>= 1) {
    v += __shfl_xor_sync(GANTRY_FULL_MASK, v, o);
  }
  return v;
}

__device__ __forceinline__ float gantry_warp_max(float v) {
  for (int o = GANTRY_WARP / 2; o > 0; o >>= 1) {
    v = fmaxf(v, __shfl_xor_sync(GANTRY_FULL_MASK, v, o));
  }
  return v;
}

/** Sum over the whole block; every thread gets the result. Uses 32 floats of static shared memory. */
__device__ __forceinline__ float gantry_block_sum(float v) {
  __shared__ float partial[GANTRY_WARP];
  int lane = threadIdx.x % GANTRY_WARP;
  int warp = threadIdx.x / GANTRY_WARP;
  int numWarps = blockDim.x / GANTRY_WARP;
  v = gantry_warp_sum(v);
  if (lane == 0) {
    partial[warp] = v;
  }
  __syncthreads();
  float total = lane < numWarps ? partial[lane] : 0.0f;
  total = gantry_warp_sum(total);
  __syncthreads(); // partial is reused by the next call
  return total;
}

// ---------------------------------------------------------------------------------------------
// RMSNorm: out[t, i] = x[t, i] / sqrt(mean(x[t, :]^2) + eps) * w[i]. Grid: numTokens blocks.

extern "C" __global__ void gantry_rms_norm_f32(float* __restrict__ out, const float* __restrict__ x,
    const float* __restrict__ w, int n, float eps) {
  const float* row = x + (size_t) blockIdx.x * n;
  float ss = 0.0f;
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    ss += row[i] * row[i];
  }
  ss = gantry_block_sum(ss);
  float inv = rsqrtf(ss / n + eps);
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    out[(size_t) blockIdx.x * n + i] = row[i] * inv * w[i];
  }
}

// ---------------------------------------------------------------------------------------------
// RoPE inverse frequencies with optional Llama 3.1 scaling (factor <= 0 disables it), matching
// ModelConfig.ropeInverseFrequencies / RopeScaling.scale. One thread per frequency; double
// precision like the Java code because the wavelength thresholds are compared exactly.

extern "C" __global__ void gantry_rope_inv_freq(float* __restrict__ invFreq, int headDim, double theta,
    double factor, double lowFreqFactor, double highFreqFactor, double originalMaxPositions) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < headDim / 2) {
    double f = 1.0 / pow(theta, (2.0 * i) / headDim);
    if (factor > 0.0) {
      const double pi = 3.14159265358979323846;
      double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
      double highFreqWavelen = originalMaxPositions / highFreqFactor;
      double wavelen = 2.0 * pi / f;
      if (wavelen < highFreqWavelen) {
        // high frequency: unchanged
      } else if (wavelen > lowFreqWavelen) {
        f = f / factor;
      } else {
        double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        f = (1.0 - smooth) * f / factor + smooth * f;
      }
    }
    invFreq[i] = (float) f;
  }
}

// RoPE in place on qk (token, heads * headDim). interleaved != 0 pairs (x[2i], x[2i+1]) (GGUF
// llama), else (x[i], x[i + headDim/2]) (HF rotate_half). Angles in double, as the Java backend
// computes cos/sin, so long positions do not lose phase. Grid: numTokens blocks.

extern "C" __global__ void gantry_rope_f32(float* __restrict__ qk, const int* __restrict__ pos,
    const float* __restrict__ invFreq, int heads, int headDim, int interleaved) {
  int t = blockIdx.x;
  int half = headDim / 2;
  int stride = interleaved ? 2 : 1;
  int partner = interleaved ? 1 : half;
  for (int item = threadIdx.x; item < heads * half; item += blockDim.x) {
    int h = item / half;
    int i = item % half;
    double angle = (double) pos[t] * invFreq[i];
    float c = (float) cos(angle);
    float s = (float) sin(angle);
    size_t a = ((size_t) t * heads + h) * headDim + (size_t) i * stride;
    size_t b = a + partner;
    float x0 = qk[a];
    float x1 = qk[b];
    qk[a] = x0 * c - x1 * s;
    qk[b] = x1 * c + x0 * s;
  }
}

// ---------------------------------------------------------------------------------------------
// Elementwise: SiLU-and-mul (out = silu(gate) * up), residual add (x += y), embedding gather.

extern "C" __global__ void gantry_silu_and_mul_f32(float* __restrict__ out, const float* __restrict__ gate,
    const float* __restrict__ up, long long n) {
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
    float g = gate[i];
    out[i] = g / (1.0f + expf(-g)) * up[i];
  }
}

extern "C" __global__ void gantry_residual_add_f32(float* __restrict__ x, const float* __restrict__ y, long long n) {
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
    x[i] += y[i];
  }
}

/** out[t, :] = table[tokens[t], :] as floats, for F32, F16 and BF16 tables. Grid: numTokens blocks. */
template <typename T>
__device__ void gantry_embedding_gather(float* __restrict__ out, const T* __restrict__ table,
    const int* __restrict__ tokens, int hidden) {
  const T* src = table + (size_t) tokens[blockIdx.x] * hidden;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
    out[(size_t) blockIdx.x * hidden + i] = gantry_to_float(src[i]);
  }
}

extern "C" __global__ void gantry_embedding_gather_f32(float* out, const float* table, const int* tokens, int hidden) {
  gantry_embedding_gather<float>(out, table, tokens, hidden);
}

extern "C" __global__ void gantry_embedding_gather_f16(float* out, const __half* table, const int* tokens, int hidden) {
  gantry_embedding_gather<__half>(out, table, tokens, hidden);
}

extern "C" __global__ void gantry_embedding_gather_bf16(float* out, const __nv_bfloat16* table, const int* tokens,
    int hidden) {
  gantry_embedding_gather<__nv_bfloat16>(out, table, tokens, hidden);
}

/** Bias of a linear layer: y[t, i] += bias[i] (Qwen2's q/k/v biases). Grid: numTokens blocks. */
extern "C" __global__ void gantry_add_bias_f32(float* __restrict__ y, const float* __restrict__ bias, int n) {
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    y[(size_t) blockIdx.x * n + i] += bias[i];
  }
}

// Activations rounded (to nearest even) to the 16-bit type of F16 / BF16 weights, so cublasGemmEx
// multiplies two 16-bit matrices with FP32 accumulation and FP32 output (cuBLAS has no F16 x F32).
template <typename T>
__device__ void gantry_convert_from_f32(T* __restrict__ out, const float* __restrict__ in, long long n) {
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
    out[i] = gantry_from_float<T>(in[i]);
  }
}

extern "C" __global__ void gantry_convert_f32_to_f16(__half* out, const float* in, long long n) {
  gantry_convert_from_f32<__half>(out, in, n);
}

extern "C" __global__ void gantry_convert_f32_to_bf16(__nv_bfloat16* out, const float* in, long long n) {
  gantry_convert_from_f32<__nv_bfloat16>(out, in, n);
}

// ---------------------------------------------------------------------------------------------
// KV cache write: the K and V rows of each token go to its slot. Grid: numTokens blocks.

template <typename T>
__device__ void gantry_reshape_and_cache(const float* __restrict__ k, const float* __restrict__ v,
    T* __restrict__ kc, T* __restrict__ vc, const long long* __restrict__ slots, int kvDim) {
  int t = blockIdx.x;
  long long slot = slots[t];
  for (int i = threadIdx.x; i < kvDim; i += blockDim.x) {
    kc[slot * kvDim + i] = gantry_from_float<T>(k[(size_t) t * kvDim + i]);
    vc[slot * kvDim + i] = gantry_from_float<T>(v[(size_t) t * kvDim + i]);
  }
}

extern "C" __global__ void gantry_reshape_and_cache_f32(const float* k, const float* v, float* kc, float* vc,
    const long long* slots, int kvDim) {
  gantry_reshape_and_cache<float>(k, v, kc, vc, slots, kvDim);
}

extern "C" __global__ void gantry_reshape_and_cache_f16(const float* k, const float* v, __half* kc, __half* vc,
    const long long* slots, int kvDim) {
  gantry_reshape_and_cache<__half>(k, v, kc, vc, slots, kvDim);
}

extern "C" __global__ void gantry_reshape_and_cache_bf16(const float* k, const float* v, __nv_bfloat16* kc,
    __nv_bfloat16* vc, const long long* slots, int kvDim) {
  gantry_reshape_and_cache<__nv_bfloat16>(k, v, kc, vc, slots, kvDim);
}

/**
 * Copy-on-write block copy: for each pair p, block pairs[2p+1] := block pairs[2p] in both caches.
 * blockElems = blockSize * numKvHeads * headDim. Works on raw 32-bit words so one kernel serves
 * every element type (blockBytes must be a multiple of 4). Grid: numPairs blocks.
 */
extern "C" __global__ void gantry_copy_blocks(unsigned int* __restrict__ kc, unsigned int* __restrict__ vc,
    const long long* __restrict__ pairs, long long blockWords) {
  long long src = pairs[2 * blockIdx.x] * blockWords;
  long long dst = pairs[2 * blockIdx.x + 1] * blockWords;
  for (long long i = threadIdx.x; i < blockWords; i += blockDim.x) {
    kc[dst + i] = kc[src + i];
    vc[dst + i] = vc[src + i];
  }
}

// ---------------------------------------------------------------------------------------------
// Paged attention, decode and (chunked) prefill alike: one CUDA block per (token, query head).
// Token t attends to positions 0..pos[t] of its sequence through tables[seqOf[t]] (row stride
// maxBlocksPerSeq), so a prefill chunk is just several tokens of one sequence with rising pos.
// Each warp streams positions warp, warp + numWarps, ... with an online softmax (running max m,
// running sum l, accumulator of headDim / 32 floats per lane), then the warps' partial results
// are merged through shared memory. No limit on context length. Output layout matches q:
// (token, numHeads * headDim). Dynamic shared memory: numWarps * (headDim + 2) floats.

template <typename T>
__device__ void gantry_paged_attention(float* __restrict__ out, const float* __restrict__ q,
    const T* __restrict__ kc, const T* __restrict__ vc, const int* __restrict__ pos,
    const int* __restrict__ seqOf, const int* __restrict__ tables, int maxBlocksPerSeq, int numHeads,
    int numKvHeads, int headDim, int blockSize, float scale) {
  GANTRY_DYNAMIC_SHARED(float, smem);
  int t = blockIdx.x / numHeads;
  int h = blockIdx.x % numHeads;
  int g = h / (numHeads / numKvHeads);
  int lane = threadIdx.x % GANTRY_WARP;
  int warp = threadIdx.x / GANTRY_WARP;
  int numWarps = blockDim.x / GANTRY_WARP;
  int kvDim = numKvHeads * headDim;
  int perLane = (headDim + GANTRY_WARP - 1) / GANTRY_WARP;
  const float* qRow = q + ((size_t) t * numHeads + h) * headDim;
  const int* table = tables + (size_t) seqOf[t] * maxBlocksPerSeq;
  int len = pos[t] + 1;

  float qv[GANTRY_MAX_HEAD_DIM / GANTRY_WARP];
  float acc[GANTRY_MAX_HEAD_DIM / GANTRY_WARP];
  for (int r = 0; r < GANTRY_MAX_HEAD_DIM / GANTRY_WARP; r++) {
    int d = lane + r * GANTRY_WARP;
    qv[r] = (r < perLane && d < headDim) ? qRow[d] * scale : 0.0f;
    acc[r] = 0.0f;
  }
  float m = -INFINITY;
  float l = 0.0f;
  for (int j = warp; j < len; j += numWarps) {
    size_t row = ((size_t) table[j / blockSize] * blockSize + j % blockSize) * kvDim + (size_t) g * headDim;
    float s = 0.0f;
    for (int r = 0; r < perLane; r++) {
      int d = lane + r * GANTRY_WARP;
      if (d < headDim) {
        s += qv[r] * gantry_to_float(kc[row + d]);
      }
    }
    s = gantry_warp_sum(s);
    float mNew = fmaxf(m, s);
    float correction = expf(m - mNew); // 0 on the first position (m = -inf)
    float p = expf(s - mNew);
    l = l * correction + p;
    for (int r = 0; r < perLane; r++) {
      int d = lane + r * GANTRY_WARP;
      float vv = d < headDim ? gantry_to_float(vc[row + d]) : 0.0f;
      acc[r] = acc[r] * correction + p * vv;
    }
    m = mNew;
  }
  // Merge: warp w's partial at smem[w * (headDim + 2)]: acc[headDim], m, l.
  float* mine = smem + (size_t) warp * (headDim + 2);
  for (int r = 0; r < perLane; r++) {
    int d = lane + r * GANTRY_WARP;
    if (d < headDim) {
      mine[d] = acc[r];
    }
  }
  if (lane == 0) {
    mine[headDim] = m;
    mine[headDim + 1] = l;
  }
  __syncthreads();
  float mMax = -INFINITY;
  for (int w = 0; w < numWarps; w++) {
    mMax = fmaxf(mMax, smem[(size_t) w * (headDim + 2) + headDim]);
  }
  float denom = 0.0f;
  for (int w = 0; w < numWarps; w++) {
    float mw = smem[(size_t) w * (headDim + 2) + headDim];
    // A warp that saw no position has m = -inf and l = 0: weight exp(-inf) = 0.
    denom += (mw == -INFINITY ? 0.0f : expf(mw - mMax)) * smem[(size_t) w * (headDim + 2) + headDim + 1];
  }
  float* outRow = out + ((size_t) t * numHeads + h) * headDim;
  for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
    float num = 0.0f;
    for (int w = 0; w < numWarps; w++) {
      float mw = smem[(size_t) w * (headDim + 2) + headDim];
      num += (mw == -INFINITY ? 0.0f : expf(mw - mMax)) * smem[(size_t) w * (headDim + 2) + d];
    }
    outRow[d] = num / denom;
  }
}

extern "C" __global__ void gantry_paged_attention_f32(float* out, const float* q, const float* kc, const float* vc,
    const int* pos, const int* seqOf, const int* tables, int maxBlocksPerSeq, int numHeads, int numKvHeads,
    int headDim, int blockSize, float scale) {
  gantry_paged_attention<float>(out, q, kc, vc, pos, seqOf, tables, maxBlocksPerSeq, numHeads, numKvHeads, headDim,
      blockSize, scale);
}

extern "C" __global__ void gantry_paged_attention_f16(float* out, const float* q, const __half* kc, const __half* vc,
    const int* pos, const int* seqOf, const int* tables, int maxBlocksPerSeq, int numHeads, int numKvHeads,
    int headDim, int blockSize, float scale) {
  gantry_paged_attention<__half>(out, q, kc, vc, pos, seqOf, tables, maxBlocksPerSeq, numHeads, numKvHeads, headDim,
      blockSize, scale);
}

extern "C" __global__ void gantry_paged_attention_bf16(float* out, const float* q, const __nv_bfloat16* kc,
    const __nv_bfloat16* vc, const int* pos, const int* seqOf, const int* tables, int maxBlocksPerSeq, int numHeads,
    int numKvHeads, int headDim, int blockSize, float scale) {
  gantry_paged_attention<__nv_bfloat16>(out, q, kc, vc, pos, seqOf, tables, maxBlocksPerSeq, numHeads, numKvHeads,
      headDim, blockSize, scale);
}

// ---------------------------------------------------------------------------------------------
// Greedy argmax per row of logits (rows, vocab); ties go to the lowest index, like torch.argmax
// and the Java Sampler. Grid: rows blocks.

extern "C" __global__ void gantry_argmax_f32(int* __restrict__ outIndex, const float* __restrict__ logits, int vocab) {
  __shared__ float bestValue[GANTRY_WARP];
  __shared__ int bestIndex[GANTRY_WARP];
  const float* row = logits + (size_t) blockIdx.x * vocab;
  float v = -INFINITY;
  int idx = 0x7fffffff;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
    if (row[i] > v) { // strict: each thread keeps its lowest index among equal maxima
      v = row[i];
      idx = i;
    }
  }
  for (int o = GANTRY_WARP / 2; o > 0; o >>= 1) {
    float ov = __shfl_xor_sync(GANTRY_FULL_MASK, v, o);
    int oi = __shfl_xor_sync(GANTRY_FULL_MASK, idx, o);
    if (ov > v || (ov == v && oi < idx)) {
      v = ov;
      idx = oi;
    }
  }
  int lane = threadIdx.x % GANTRY_WARP;
  int warp = threadIdx.x / GANTRY_WARP;
  if (lane == 0) {
    bestValue[warp] = v;
    bestIndex[warp] = idx;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    float bv = bestValue[0];
    int bi = bestIndex[0];
    for (int w = 1; w < (int) (blockDim.x / GANTRY_WARP); w++) {
      if (bestValue[w] > bv || (bestValue[w] == bv && bestIndex[w] < bi)) {
        bv = bestValue[w];
        bi = bestIndex[w];
      }
    }
    // A row of NaN or -inf only has no strict maximum: answer 0 like a first-index scan.
    outIndex[blockIdx.x] = bi == 0x7fffffff ? 0 : bi;
  }
}

// ---------------------------------------------------------------------------------------------
// Top-k per row of logits (rows, vocab), for top-k / top-p sampling on the host: the k largest
// (value, index) pairs in descending order, ties broken by the lower index (so the result is the
// prefix of a stable descending sort). Round r selects the largest pair strictly below round
// r - 1's pair in that order, so no scratch copy of the row is needed: O(k * vocab / threads),
// meant for k up to a few hundred. Grid: rows blocks; outputs (rows, k).

/** True when (v, i) comes before (bv, bi) in descending-value, ascending-index order. */
__device__ __forceinline__ bool gantry_before(float v, int i, float bv, int bi) {
  return v > bv || (v == bv && i < bi);
}

extern "C" __global__ void gantry_topk_f32(int* __restrict__ outIndex, float* __restrict__ outValue,
    const float* __restrict__ logits, int vocab, int k) {
  __shared__ float bestValue[GANTRY_WARP];
  __shared__ int bestIndex[GANTRY_WARP];
  __shared__ float prevValue;
  __shared__ int prevIndex;
  const float* row = logits + (size_t) blockIdx.x * vocab;
  int lane = threadIdx.x % GANTRY_WARP;
  int warp = threadIdx.x / GANTRY_WARP;
  int numWarps = blockDim.x / GANTRY_WARP;
  if (threadIdx.x == 0) {
    prevValue = INFINITY;
    prevIndex = -1; // (+inf, -1) precedes every element, +inf logits included
  }
  __syncthreads();
  for (int r = 0; r < k; r++) {
    float pv = prevValue;
    int pi = prevIndex;
    float v = -INFINITY;
    int idx = 0x7fffffff;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
      if (gantry_before(pv, pi, row[i], i) && gantry_before(row[i], i, v, idx)) {
        v = row[i];
        idx = i;
      }
    }
    for (int o = GANTRY_WARP / 2; o > 0; o >>= 1) {
      float ov = __shfl_xor_sync(GANTRY_FULL_MASK, v, o);
      int oi = __shfl_xor_sync(GANTRY_FULL_MASK, idx, o);
      if (gantry_before(ov, oi, v, idx)) {
        v = ov;
        idx = oi;
      }
    }
    if (lane == 0) {
      bestValue[warp] = v;
      bestIndex[warp] = idx;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      for (int w = 1; w < numWarps; w++) {
        if (gantry_before(bestValue[w], bestIndex[w], v, idx)) {
          v = bestValue[w];
          idx = bestIndex[w];
        }
      }
      // k > vocab: the rows past the vocabulary are (-inf, -1).
      bool found = idx != 0x7fffffff;
      outIndex[(size_t) blockIdx.x * k + r] = found ? idx : -1;
      outValue[(size_t) blockIdx.x * k + r] = found ? v : -INFINITY;
      if (found) {
        prevValue = v;
        prevIndex = idx;
      }
    }
    __syncthreads(); // prev is read by everyone next round; bestValue is rewritten
  }
}

// ---------------------------------------------------------------------------------------------
// Dequantizing GEMV: y[t, r] = dot(row r of W, x[t, :]) for W in GGUF Q8_0 / Q4_0, n = cols
// (a multiple of 32). One warp per output row; each lane takes whole 32-element blocks so the
// scale is read once per block. Grid: (ceil(rows / warpsPerBlock), numTokens).

// The 32 weights of one block dotted with 32 activations, without the block's f16 scale.
// Q8_0 block (34 bytes): f16 scale, 32 signed bytes. Q4_0 block (18 bytes): f16 scale, 16
// bytes whose low nibbles are weights 0..15 and high nibbles 16..31, each offset by 8.
struct GantryQ8_0 {
  static constexpr int kBlockBytes = 34;
  static __device__ __forceinline__ float dot(const uint8_t* blk, const float* x) {
    float s = 0.0f;
    for (int j = 0; j < 32; j++) {
      s += (float) (signed char) blk[2 + j] * x[j];
    }
    return s;
  }
};

struct GantryQ4_0 {
  static constexpr int kBlockBytes = 18;
  static __device__ __forceinline__ float dot(const uint8_t* blk, const float* x) {
    float s = 0.0f;
    for (int j = 0; j < 16; j++) {
      int qb = blk[2 + j];
      s += (float) ((qb & 0x0F) - 8) * x[j] + (float) ((qb >> 4) - 8) * x[j + 16];
    }
    return s;
  }
};

template <typename Format>
__device__ __forceinline__ void gantry_gemv_quantized(float* __restrict__ y, const uint8_t* __restrict__ w,
    const float* __restrict__ x, int rows, int cols) {
  int lane = threadIdx.x % GANTRY_WARP;
  int r = blockIdx.x * (blockDim.x / GANTRY_WARP) + threadIdx.x / GANTRY_WARP;
  int t = blockIdx.y;
  int numBlocks = cols / 32;
  float sum = 0.0f;
  if (r < rows) {
    const uint8_t* rowBytes = w + (size_t) r * numBlocks * Format::kBlockBytes;
    const float* xt = x + (size_t) t * cols;
    for (int b = lane; b < numBlocks; b += GANTRY_WARP) {
      const uint8_t* blk = rowBytes + (size_t) b * Format::kBlockBytes;
      sum += gantry_f16_at(blk) * Format::dot(blk, xt + b * 32);
    }
  }
  sum = gantry_warp_sum(sum); // outside the branch: every lane of the warp takes part
  if (r < rows && lane == 0) {
    y[(size_t) t * rows + r] = sum;
  }
}

extern "C" __global__ void gantry_gemv_q8_0(float* __restrict__ y, const uint8_t* __restrict__ w,
    const float* __restrict__ x, int rows, int cols) {
  gantry_gemv_quantized<GantryQ8_0>(y, w, x, rows, cols);
}

extern "C" __global__ void gantry_gemv_q4_0(float* __restrict__ y, const uint8_t* __restrict__ w,
    const float* __restrict__ x, int rows, int cols) {
  gantry_gemv_quantized<GantryQ4_0>(y, w, x, rows, cols);
}
