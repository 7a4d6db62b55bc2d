// Test harness: runs one kernel of gantry_kernels.cu through the host shim.
//   gantry_harness OP INPUT OUTPUT
// INPUT is the op's little-endian arguments in the order read below (CudaKernelsShimTest
// writes them); OUTPUT receives the result arrays. Exit code 2 = bad usage or short input.
#include "gantry_host_shim.h"

#include <fstream>
#include <iterator>
#include <string>

#include "../../main/cuda/gantry_kernels.cu"

namespace {

struct Reader {
  std::vector<unsigned char> data;
  size_t at = 0;

  template <typename T>
  T scalar() {
    T v;
    need(sizeof(T));
    std::memcpy(&v, data.data() + at, sizeof(T));
    at += sizeof(T);
    return v;
  }

  template <typename T>
  std::vector<T> array(size_t n) {
    std::vector<T> v(n);
    need(n * sizeof(T));
    std::memcpy(v.data(), data.data() + at, n * sizeof(T));
    at += n * sizeof(T);
    return v;
  }

  void need(size_t n) {
    if (at + n > data.size()) {
      std::fprintf(stderr, "harness: input too short: need %zu bytes at offset %zu, have %zu\n", n, at, data.size());
      std::exit(2);
    }
  }
};

struct Writer {
  std::ofstream out;
  template <typename T>
  void array(const std::vector<T>& v) {
    out.write(reinterpret_cast<const char*>(v.data()), (std::streamsize) (v.size() * sizeof(T)));
  }
};

template <typename T>
std::vector<float> attention(Reader& in, int kernelType) {
  int numTokens = in.scalar<int>();
  int numHeads = in.scalar<int>();
  int numKvHeads = in.scalar<int>();
  int headDim = in.scalar<int>();
  int blockSize = in.scalar<int>();
  int numBlocks = in.scalar<int>();
  int numSeqs = in.scalar<int>();
  int maxBlocksPerSeq = in.scalar<int>();
  int threads = in.scalar<int>();
  int numRows = in.scalar<int>();
  auto pos = in.array<int>(numTokens);
  auto seqOf = in.array<int>(numSeqs == 0 ? 0 : numTokens);
  auto tables = in.array<int>((size_t) numSeqs * maxBlocksPerSeq);
  auto q = in.array<float>((size_t) numTokens * numHeads * headDim);
  int kvDim = numKvHeads * headDim;
  auto kRows = in.array<float>((size_t) numRows * kvDim);
  auto vRows = in.array<float>((size_t) numRows * kvDim);
  auto slots = in.array<long long>(numRows);
  size_t cacheElems = (size_t) numBlocks * blockSize * kvDim;
  std::vector<T> kc(cacheElems), vc(cacheElems);
  // The KV write under test: rows land in their slots through reshape_and_cache.
  if (kernelType == 0) {
    gantry_shim::launch(dim3(numRows), dim3(64), 0, gantry_reshape_and_cache_f32, kRows.data(), vRows.data(),
        (float*) kc.data(), (float*) vc.data(), slots.data(), kvDim);
  } else if (kernelType == 1) {
    gantry_shim::launch(dim3(numRows), dim3(64), 0, gantry_reshape_and_cache_f16, kRows.data(), vRows.data(),
        (__half*) kc.data(), (__half*) vc.data(), slots.data(), kvDim);
  } else {
    gantry_shim::launch(dim3(numRows), dim3(64), 0, gantry_reshape_and_cache_bf16, kRows.data(), vRows.data(),
        (__nv_bfloat16*) kc.data(), (__nv_bfloat16*) vc.data(), slots.data(), kvDim);
  }
  std::vector<float> out((size_t) numTokens * numHeads * headDim);
  float scale = 1.0f / std::sqrt((float) headDim);
  size_t smem = (size_t) (threads / 32) * (headDim + 2) * sizeof(float);
  dim3 grid(numTokens * numHeads);
  if (kernelType == 0) {
    gantry_shim::launch(grid, dim3(threads), smem, gantry_paged_attention_f32, out.data(), q.data(),
        (const float*) kc.data(), (const float*) vc.data(), pos.data(), seqOf.data(), tables.data(), maxBlocksPerSeq,
        numHeads, numKvHeads, headDim, blockSize, scale);
  } else if (kernelType == 1) {
    gantry_shim::launch(grid, dim3(threads), smem, gantry_paged_attention_f16, out.data(), q.data(),
        (const __half*) kc.data(), (const __half*) vc.data(), pos.data(), seqOf.data(), tables.data(),
        maxBlocksPerSeq, numHeads, numKvHeads, headDim, blockSize, scale);
  } else {
    gantry_shim::launch(grid, dim3(threads), smem, gantry_paged_attention_bf16, out.data(), q.data(),
        (const __nv_bfloat16*) kc.data(), (const __nv_bfloat16*) vc.data(), pos.data(), seqOf.data(),
        tables.data(), maxBlocksPerSeq, numHeads, numKvHeads, headDim, blockSize, scale);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: gantry_harness OP INPUT OUTPUT\n");
    return 2;
  }
  std::string op = argv[1];
  Reader in;
  {
    std::ifstream f(argv[2], std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "harness: cannot read %s\n", argv[2]);
      return 2;
    }
    in.data.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  Writer out{std::ofstream(argv[3], std::ios::binary)};

  if (op == "rms_norm") {
    int tokens = in.scalar<int>();
    int n = in.scalar<int>();
    float eps = in.scalar<float>();
    int threads = in.scalar<int>();
    auto x = in.array<float>((size_t) tokens * n);
    auto w = in.array<float>(n);
    std::vector<float> y((size_t) tokens * n);
    gantry_shim::launch(dim3(tokens), dim3(threads), 0, gantry_rms_norm_f32, y.data(), (const float*) x.data(),
        (const float*) w.data(), n, eps);
    out.array(y);
  } else if (op == "rope_inv_freq") {
    int headDim = in.scalar<int>();
    double theta = in.scalar<double>();
    double factor = in.scalar<double>();
    double low = in.scalar<double>();
    double high = in.scalar<double>();
    double original = in.scalar<double>();
    std::vector<float> inv(headDim / 2);
    gantry_shim::launch(dim3((headDim / 2 + 31) / 32), dim3(32), 0, gantry_rope_inv_freq, inv.data(), headDim, theta,
        factor, low, high, original);
    out.array(inv);
  } else if (op == "rope") {
    int tokens = in.scalar<int>();
    int heads = in.scalar<int>();
    int headDim = in.scalar<int>();
    int interleaved = in.scalar<int>();
    auto pos = in.array<int>(tokens);
    auto inv = in.array<float>(headDim / 2);
    auto qk = in.array<float>((size_t) tokens * heads * headDim);
    gantry_shim::launch(dim3(tokens), dim3(64), 0, gantry_rope_f32, qk.data(), (const int*) pos.data(),
        (const float*) inv.data(), heads, headDim, interleaved);
    out.array(qk);
  } else if (op == "silu_and_mul" || op == "residual_add") {
    long long n = in.scalar<long long>();
    auto a = in.array<float>(n);
    auto b = in.array<float>(n);
    if (op == "silu_and_mul") {
      std::vector<float> y(n);
      gantry_shim::launch(dim3(3), dim3(64), 0, gantry_silu_and_mul_f32, y.data(), (const float*) a.data(),
          (const float*) b.data(), n);
      out.array(y);
    } else {
      gantry_shim::launch(dim3(3), dim3(64), 0, gantry_residual_add_f32, a.data(), (const float*) b.data(), n);
      out.array(a);
    }
  } else if (op == "embedding") {
    int tokens = in.scalar<int>();
    int vocab = in.scalar<int>();
    int hidden = in.scalar<int>();
    auto ids = in.array<int>(tokens);
    auto table = in.array<float>((size_t) vocab * hidden);
    std::vector<float> y((size_t) tokens * hidden);
    gantry_shim::launch(dim3(tokens), dim3(32), 0, gantry_embedding_gather_f32, y.data(), (const float*) table.data(),
        (const int*) ids.data(), hidden);
    out.array(y);
  } else if (op == "embedding_f16" || op == "embedding_bf16") {
    int tokens = in.scalar<int>();
    int vocab = in.scalar<int>();
    int hidden = in.scalar<int>();
    auto ids = in.array<int>(tokens);
    auto table = in.array<uint16_t>((size_t) vocab * hidden); // raw 16-bit patterns
    std::vector<float> y((size_t) tokens * hidden);
    if (op == "embedding_f16") {
      gantry_shim::launch(dim3(tokens), dim3(32), 0, gantry_embedding_gather_f16, y.data(),
          (const __half*) table.data(), (const int*) ids.data(), hidden);
    } else {
      gantry_shim::launch(dim3(tokens), dim3(32), 0, gantry_embedding_gather_bf16, y.data(),
          (const __nv_bfloat16*) table.data(), (const int*) ids.data(), hidden);
    }
    out.array(y);
  } else if (op == "add_bias") {
    int tokens = in.scalar<int>();
    int n = in.scalar<int>();
    auto y = in.array<float>((size_t) tokens * n);
    auto bias = in.array<float>(n);
    gantry_shim::launch(dim3(tokens), dim3(32), 0, gantry_add_bias_f32, y.data(), (const float*) bias.data(), n);
    out.array(y);
  } else if (op == "convert_f16" || op == "convert_bf16") {
    long long n = in.scalar<long long>();
    auto x = in.array<float>(n);
    std::vector<uint16_t> y(n);
    if (op == "convert_f16") {
      gantry_shim::launch(dim3(3), dim3(64), 0, gantry_convert_f32_to_f16, (__half*) y.data(), (const float*) x.data(), n);
    } else {
      gantry_shim::launch(dim3(3), dim3(64), 0, gantry_convert_f32_to_bf16, (__nv_bfloat16*) y.data(),
          (const float*) x.data(), n);
    }
    out.array(y);
  } else if (op == "copy_blocks") {
    long long numBlocks = in.scalar<long long>();
    long long blockWords = in.scalar<long long>();
    int numPairs = in.scalar<int>();
    auto pairs = in.array<long long>(2 * (size_t) numPairs);
    auto kc = in.array<unsigned int>(numBlocks * blockWords);
    auto vc = in.array<unsigned int>(numBlocks * blockWords);
    gantry_shim::launch(dim3(numPairs), dim3(64), 0, gantry_copy_blocks, kc.data(), vc.data(),
        (const long long*) pairs.data(), blockWords);
    out.array(kc);
    out.array(vc);
  } else if (op == "attention_f32" || op == "attention_f16" || op == "attention_bf16") {
    std::vector<float> y = op == "attention_f32" ? attention<float>(in, 0)
        : op == "attention_f16"                  ? attention<__half>(in, 1)
                                                 : attention<__nv_bfloat16>(in, 2);
    out.array(y);
  } else if (op == "argmax") {
    int rows = in.scalar<int>();
    int vocab = in.scalar<int>();
    int threads = in.scalar<int>();
    auto logits = in.array<float>((size_t) rows * vocab);
    std::vector<int> idx(rows);
    gantry_shim::launch(dim3(rows), dim3(threads), 0, gantry_argmax_f32, idx.data(), (const float*) logits.data(),
        vocab);
    out.array(idx);
  } else if (op == "topk") {
    int rows = in.scalar<int>();
    int vocab = in.scalar<int>();
    int k = in.scalar<int>();
    int threads = in.scalar<int>();
    auto logits = in.array<float>((size_t) rows * vocab);
    std::vector<int> idx((size_t) rows * k);
    std::vector<float> val((size_t) rows * k);
    gantry_shim::launch(dim3(rows), dim3(threads), 0, gantry_topk_f32, idx.data(), val.data(),
        (const float*) logits.data(), vocab, k);
    out.array(idx);
    out.array(val);
  } else if (op == "gemv_q8_0" || op == "gemv_q4_0") {
    int rows = in.scalar<int>();
    int cols = in.scalar<int>();
    int tokens = in.scalar<int>();
    size_t rowBytes = (size_t) cols / 32 * (op == "gemv_q8_0" ? 34 : 18);
    auto w = in.array<uint8_t>(rows * rowBytes);
    auto x = in.array<float>((size_t) tokens * cols);
    std::vector<float> y((size_t) tokens * rows);
    int warpsPerBlock = 4;
    dim3 grid((rows + warpsPerBlock - 1) / warpsPerBlock, tokens);
    gantry_shim::launch(grid, dim3(32 * warpsPerBlock), 0, op == "gemv_q8_0" ? gantry_gemv_q8_0 : gantry_gemv_q4_0,
        y.data(), (const uint8_t*) w.data(), (const float*) x.data(), rows, cols);
    out.array(y);
  } else {
    std::fprintf(stderr, "harness: unknown op '%s'\n", op.c_str());
    return 2;
  }
  if (in.at != in.data.size()) {
    std::fprintf(stderr, "harness: %zu unread input bytes for op %s\n", in.data.size() - in.at, op.c_str());
    return 2;
  }
  return out.out.good() ? 0 : 1;
}
