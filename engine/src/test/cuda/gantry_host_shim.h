// Host shim: lets g++ compile the engine's .cu kernels unchanged, so their logic is tested on
// machines without a GPU (CudaKernelsShimTest). It models the parts of CUDA the kernels use:
//   - threadIdx / blockIdx / blockDim / gridDim: thread_local per host thread;
//   - a block: blockDim.x real std::threads (reused for every block of the grid, blocks run one
//     after another); __syncthreads: a std::barrier across them;
//   - a warp: 32 consecutive threads; __shfl_xor_sync exchanges through a per-warp slot array
//     and one warp barrier (double-buffered), so a shuffle that not all 32 lanes reach deadlocks here as it
//     would misbehave on a GPU (the test harness runs under a timeout);
//   - __shared__: function-static storage; blocks run one after another, so each block sees
//     its own (uninitialised, as on a GPU) copy in time;
//   - __half / __nv_bfloat16: 16-bit storage with round-to-nearest-even conversion.
// What it does not model: memory-model races between warps without a barrier, occupancy,
// timing, and 1-D blocks only (blockDim.y = blockDim.z = 1), which is all the kernels use.
#pragma once

#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define GANTRY_DYNAMIC_SHARED(type, name) type* name = reinterpret_cast<type*>(gantry_shim::dynamic_shared)

struct dim3 {
  unsigned int x = 1, y = 1, z = 1;
  dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};

inline thread_local dim3 threadIdx;
inline thread_local dim3 blockIdx;
inline thread_local dim3 blockDim;
inline thread_local dim3 gridDim;

namespace gantry_shim {

struct Warp {
  std::barrier<> barrier{32};
  uint64_t slots[2][32]; // double-buffered: one barrier per shuffle (see __shfl_xor_sync)
};

struct Block {
  explicit Block(unsigned int threads) : barrier(threads), warps(threads / 32) {}
  std::barrier<> barrier;
  std::vector<Warp> warps;
};

inline thread_local Block* current_block = nullptr;
inline thread_local unsigned int shuffle_parity = 0;
inline unsigned char* dynamic_shared = nullptr;

/** Runs kernel over grid x block threads; blocks sequentially, the threads of a block concurrently. */
template <typename Kernel, typename... Args>
void launch(dim3 grid, dim3 block, size_t dynamicSharedBytes, Kernel kernel, Args... args) {
  if (block.x == 0 || block.x % 32 != 0 || block.x > 1024 || block.y != 1 || block.z != 1) {
    std::fprintf(stderr, "shim: blockDim must be (32k, 1, 1) with 32k <= 1024, got (%u, %u, %u)\n", block.x,
        block.y, block.z);
    std::exit(3);
  }
  std::vector<unsigned char> shared(dynamicSharedBytes + 16);
  dynamic_shared = shared.data();
  // One host thread per CUDA thread for the whole grid: each walks the blocks in order, and a
  // block barrier after each block keeps blocks from overlapping (they share __shared__ storage).
  Block state(block.x);
  std::vector<std::thread> threads;
  threads.reserve(block.x);
  for (unsigned int tx = 0; tx < block.x; tx++) {
    threads.emplace_back([&, tx] {
      threadIdx = dim3(tx, 0, 0);
      blockDim = block;
      gridDim = grid;
      current_block = &state;
      shuffle_parity = 0;
      for (unsigned int bz = 0; bz < grid.z; bz++) {
        for (unsigned int by = 0; by < grid.y; by++) {
          for (unsigned int bx = 0; bx < grid.x; bx++) {
            blockIdx = dim3(bx, by, bz);
            kernel(args...);
            state.barrier.arrive_and_wait();
          }
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  dynamic_shared = nullptr;
}

}  // namespace gantry_shim

inline void __syncthreads() { gantry_shim::current_block->barrier.arrive_and_wait(); }

template <typename T>
inline T __shfl_xor_sync(unsigned int /*mask: the kernels always use the full warp*/, T value, int laneMask) {
  static_assert(sizeof(T) <= sizeof(uint64_t), "shuffle of a type wider than 64 bits");
  gantry_shim::Warp& warp = gantry_shim::current_block->warps[threadIdx.x / 32];
  unsigned int lane = threadIdx.x % 32;
  // Shuffle k writes buffer k % 2. A lane can only write buffer k % 2 again at shuffle k + 2,
  // after the barrier of shuffle k + 1, which every lane reaches only after reading shuffle k.
  uint64_t* slots = warp.slots[gantry_shim::shuffle_parity];
  gantry_shim::shuffle_parity ^= 1;
  std::memcpy(&slots[lane], &value, sizeof(T));
  warp.barrier.arrive_and_wait();
  T result;
  std::memcpy(&result, &slots[(lane ^ static_cast<unsigned int>(laneMask)) % 32], sizeof(T));
  return result;
}

inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }

// ---- 16-bit floats ------------------------------------------------------------------------

struct __half {
  uint16_t bits;
};
struct __nv_bfloat16 {
  uint16_t bits;
};

inline float gantry_bits_to_float(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
inline uint32_t gantry_float_to_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

inline __half __ushort_as_half(unsigned short bits) { return __half{bits}; }

inline float __half2float(__half h) {
  uint32_t sign = (uint32_t) (h.bits & 0x8000) << 16;
  uint32_t exp = (h.bits >> 10) & 0x1F;
  uint32_t mant = h.bits & 0x3FF;
  if (exp == 0) {
    // zero or subnormal: mant * 2^-24
    float v = std::ldexp((float) mant, -24);
    return sign ? -v : v;
  }
  if (exp == 31) {
    return gantry_bits_to_float(sign | 0x7F800000u | (mant << 13));
  }
  return gantry_bits_to_float(sign | ((exp + 112) << 23) | (mant << 13));
}

inline __half __float2half(float f) {
  uint32_t x = gantry_float_to_bits(f);
  uint16_t sign = (uint16_t) ((x >> 16) & 0x8000);
  uint32_t absBits = x & 0x7FFFFFFFu;
  if (absBits >= 0x7F800000u) { // inf or NaN
    return __half{(uint16_t) (sign | 0x7C00 | (absBits > 0x7F800000u ? 0x200 : 0))};
  }
  float a = gantry_bits_to_float(absBits);
  if (a >= 65520.0f) { // rounds to infinity
    return __half{(uint16_t) (sign | 0x7C00)};
  }
  if (a < 6.103515625e-05f) { // subnormal half: quantum 2^-24, round half to even
    float scaled = a * 16777216.0f;
    float r = std::nearbyint(scaled); // default rounding mode: to nearest, ties to even
    return __half{(uint16_t) (sign | (uint16_t) r)};
  }
  uint32_t exp = ((absBits >> 23) & 0xFF) - 112;
  uint32_t mant = absBits & 0x7FFFFF;
  uint32_t h = (exp << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) {
    h++; // may carry into the exponent, which is the correct rounding
  }
  return __half{(uint16_t) (sign | h)};
}

inline float __bfloat162float(__nv_bfloat16 b) { return gantry_bits_to_float((uint32_t) b.bits << 16); }

inline __nv_bfloat16 __float2bfloat16(float f) {
  uint32_t x = gantry_float_to_bits(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) {
    return __nv_bfloat16{(uint16_t) ((x >> 16) | 0x40)}; // quiet NaN
  }
  uint32_t rounding = 0x7FFF + ((x >> 16) & 1);
  return __nv_bfloat16{(uint16_t) ((x + rounding) >> 16)};
}
