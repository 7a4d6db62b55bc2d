package dev.gantry.engine.backend.cpu;

import dev.gantry.engine.model.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels for 256- and 512-bit float vectors (AVX2, AVX-512). Quantized blocks
 * of 32 int8 (Q8_0) or 32 nibbles (Q4_0) are widened to float lanes in registers
 * ({@code castShape}) and multiplied there, so a row is dequantized on the fly. Machines
 * with narrower vectors fall back to {@link ScalarKernels} for the quantized kernels.
 */
final class VectorKernels implements Kernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  /** Bytes that widen to one float vector. */
  private static final VectorSpecies<Byte> B = L == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
  private static final VectorSpecies<Integer> I = L == 16 ? IntVector.SPECIES_512 : IntVector.SPECIES_256;

  private final ScalarKernels scalar = new ScalarKernels();

  static Kernels create() {
    return new VectorKernels();
  }

  private static boolean wide() {
    return L == 16 || L == 8;
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    int i = 0;
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    FloatVector acc2 = FloatVector.zero(F);
    FloatVector acc3 = FloatVector.zero(F);
    // Four accumulators hide the FMA latency.
    for (int bound = n - 4 * L; i <= bound; i += 4 * L) {
      acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
      acc1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), acc1);
      acc2 = FloatVector.fromArray(F, a, aOff + i + 2 * L).fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), acc2);
      acc3 = FloatVector.fromArray(F, a, aOff + i + 3 * L).fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), acc3);
    }
    for (int bound = n - L; i <= bound; i += L) {
      acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
    }
    float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += a[aOff + i] * b[bOff + i];
    }
    return sum;
  }

  @Override
  public void dot4(float[] w, int wOff, int stride, float[] x, int xOff, int n, float[] out, int outOff) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    int i = 0;
    for (int bound = n - L; i <= bound; i += L) {
      FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
      a0 = FloatVector.fromArray(F, w, wOff + i).fma(xv, a0);
      a1 = FloatVector.fromArray(F, w, wOff + stride + i).fma(xv, a1);
      a2 = FloatVector.fromArray(F, w, wOff + 2 * stride + i).fma(xv, a2);
      a3 = FloatVector.fromArray(F, w, wOff + 3 * stride + i).fma(xv, a3);
    }
    float s0 = a0.reduceLanes(VectorOperators.ADD);
    float s1 = a1.reduceLanes(VectorOperators.ADD);
    float s2 = a2.reduceLanes(VectorOperators.ADD);
    float s3 = a3.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      float xi = x[xOff + i];
      s0 += w[wOff + i] * xi;
      s1 += w[wOff + stride + i] * xi;
      s2 += w[wOff + 2 * stride + i] * xi;
      s3 += w[wOff + 3 * stride + i] * xi;
    }
    out[outOff] = s0;
    out[outOff + 1] = s1;
    out[outOff + 2] = s2;
    out[outOff + 3] = s3;
  }

  @Override
  public void dot4x4(float[] w, int wOff, int wStride, float[] x, int xOff, int xStride, int n, float[] out, int outOff) {
    FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
    FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
    FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
    FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
    int i = 0;
    for (int bound = n - L; i <= bound; i += L) {
      FloatVector x0 = FloatVector.fromArray(F, x, xOff + i);
      FloatVector x1 = FloatVector.fromArray(F, x, xOff + xStride + i);
      FloatVector x2 = FloatVector.fromArray(F, x, xOff + 2 * xStride + i);
      FloatVector x3 = FloatVector.fromArray(F, x, xOff + 3 * xStride + i);
      FloatVector w0 = FloatVector.fromArray(F, w, wOff + i);
      a00 = w0.fma(x0, a00);
      a01 = w0.fma(x1, a01);
      a02 = w0.fma(x2, a02);
      a03 = w0.fma(x3, a03);
      FloatVector w1 = FloatVector.fromArray(F, w, wOff + wStride + i);
      a10 = w1.fma(x0, a10);
      a11 = w1.fma(x1, a11);
      a12 = w1.fma(x2, a12);
      a13 = w1.fma(x3, a13);
      FloatVector w2 = FloatVector.fromArray(F, w, wOff + 2 * wStride + i);
      a20 = w2.fma(x0, a20);
      a21 = w2.fma(x1, a21);
      a22 = w2.fma(x2, a22);
      a23 = w2.fma(x3, a23);
      FloatVector w3 = FloatVector.fromArray(F, w, wOff + 3 * wStride + i);
      a30 = w3.fma(x0, a30);
      a31 = w3.fma(x1, a31);
      a32 = w3.fma(x2, a32);
      a33 = w3.fma(x3, a33);
    }
    // Reduce each accumulator by name: putting vectors in an array would box them.
    out[outOff + 0] = a00.reduceLanes(VectorOperators.ADD);
    out[outOff + 1] = a01.reduceLanes(VectorOperators.ADD);
    out[outOff + 2] = a02.reduceLanes(VectorOperators.ADD);
    out[outOff + 3] = a03.reduceLanes(VectorOperators.ADD);
    out[outOff + 4] = a10.reduceLanes(VectorOperators.ADD);
    out[outOff + 5] = a11.reduceLanes(VectorOperators.ADD);
    out[outOff + 6] = a12.reduceLanes(VectorOperators.ADD);
    out[outOff + 7] = a13.reduceLanes(VectorOperators.ADD);
    out[outOff + 8] = a20.reduceLanes(VectorOperators.ADD);
    out[outOff + 9] = a21.reduceLanes(VectorOperators.ADD);
    out[outOff + 10] = a22.reduceLanes(VectorOperators.ADD);
    out[outOff + 11] = a23.reduceLanes(VectorOperators.ADD);
    out[outOff + 12] = a30.reduceLanes(VectorOperators.ADD);
    out[outOff + 13] = a31.reduceLanes(VectorOperators.ADD);
    out[outOff + 14] = a32.reduceLanes(VectorOperators.ADD);
    out[outOff + 15] = a33.reduceLanes(VectorOperators.ADD);
    for (int j = i; j < n; j++) { // tail shorter than a vector
      for (int r = 0; r < 4; r++) {
        float wj = w[wOff + r * wStride + j];
        for (int t = 0; t < 4; t++) {
          out[outOff + 4 * r + t] += wj * x[xOff + t * xStride + j];
        }
      }
    }
  }

  @Override
  public float dotQ8_0(byte[] w, int wOff, float[] x, int xOff, int n) {
    if (!wide()) {
      return scalar.dotQ8_0(w, wOff, x, xOff, n);
    }
    FloatVector acc = FloatVector.zero(F);
    for (int b = 0; b < n / 32; b++) {
      int p = wOff + b * 34 + 2;
      int xi = xOff + b * 32;
      FloatVector sum = FloatVector.zero(F);
      for (int j = 0; j < 32; j += L) {
        FloatVector wv = (FloatVector) ByteVector.fromArray(B, w, p + j).castShape(F, 0);
        sum = wv.fma(FloatVector.fromArray(F, x, xi + j), sum);
      }
      acc = sum.fma(FloatVector.broadcast(F, Kernels.f16At(w, p - 2)), acc);
    }
    return acc.reduceLanes(VectorOperators.ADD);
  }

  @Override
  public float dotQ4_0(byte[] w, int wOff, float[] x, int xOff, int n) {
    if (!wide()) {
      return scalar.dotQ4_0(w, wOff, x, xOff, n);
    }
    FloatVector acc = FloatVector.zero(F);
    for (int b = 0; b < n / 32; b++) {
      int p = wOff + b * 18 + 2;
      int xi = xOff + b * 32;
      FloatVector sum = FloatVector.zero(F);
      for (int j = 0; j < 16; j += L) {
        ByteVector q = ByteVector.fromArray(B, w, p + j);
        FloatVector lo = (FloatVector) q.and((byte) 0x0F).sub((byte) 8).castShape(F, 0);
        FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).castShape(F, 0);
        sum = lo.fma(FloatVector.fromArray(F, x, xi + j), sum);
        sum = hi.fma(FloatVector.fromArray(F, x, xi + 16 + j), sum);
      }
      acc = sum.fma(FloatVector.broadcast(F, Kernels.f16At(w, p - 2)), acc);
    }
    return acc.reduceLanes(VectorOperators.ADD);
  }

  @Override
  public void decodeRow(DType type, byte[] src, float[] dst, int dstOff, int n) {
    if (!wide()) {
      scalar.decodeRow(type, src, dst, dstOff, n);
      return;
    }
    switch (type) {
      case F32 -> {
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
          ByteVector.fromArray(B == ByteVector.SPECIES_128 ? ByteVector.SPECIES_512 : ByteVector.SPECIES_256, src, 4 * i)
              .reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
          int p = 4 * i;
          dst[dstOff + i] = Float.intBitsToFloat((src[p] & 0xFF) | (src[p + 1] & 0xFF) << 8 | (src[p + 2] & 0xFF) << 16 | src[p + 3] << 24);
        }
      }
      case BF16 -> {
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
          var s = ByteVector.fromArray(B == ByteVector.SPECIES_128 ? ByteVector.SPECIES_256 : ByteVector.SPECIES_128, src, 2 * i)
              .reinterpretAsShorts();
          ((IntVector) s.castShape(I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
          dst[dstOff + i] = Float.intBitsToFloat(((src[2 * i] & 0xFF) | (src[2 * i + 1] & 0xFF) << 8) << 16);
        }
      }
      // Float.float16ToFloat is a HotSpot intrinsic (F16C), so this loop is already fast; k-quants
      // are decoded once per tile and their cost is shared by every token of the step.
      case F16, Q4_K, Q6_K -> scalar.decodeRow(type, src, dst, dstOff, n);
      case Q8_0 -> {
        for (int b = 0; b < n / 32; b++) {
          FloatVector d = FloatVector.broadcast(F, Kernels.f16At(src, b * 34));
          for (int j = 0; j < 32; j += L) {
            ((FloatVector) ByteVector.fromArray(B, src, b * 34 + 2 + j).castShape(F, 0)).mul(d).intoArray(dst, dstOff + b * 32 + j);
          }
        }
      }
      case Q4_0 -> {
        for (int b = 0; b < n / 32; b++) {
          FloatVector d = FloatVector.broadcast(F, Kernels.f16At(src, b * 18));
          for (int j = 0; j < 16; j += L) {
            ByteVector q = ByteVector.fromArray(B, src, b * 18 + 2 + j);
            ((FloatVector) q.and((byte) 0x0F).sub((byte) 8).castShape(F, 0)).mul(d).intoArray(dst, dstOff + b * 32 + j);
            ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).castShape(F, 0)).mul(d)
                .intoArray(dst, dstOff + b * 32 + 16 + j);
          }
        }
      }
    }
  }

  @Override
  public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    int i = 0;
    FloatVector av = FloatVector.broadcast(F, a);
    for (int bound = n - L; i <= bound; i += L) {
      FloatVector.fromArray(F, x, xOff + i).fma(av, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += a * x[xOff + i];
    }
  }
}
