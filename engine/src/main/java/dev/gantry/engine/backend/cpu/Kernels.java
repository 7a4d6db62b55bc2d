package dev.gantry.engine.backend.cpu;

import dev.gantry.engine.model.DType;

/**
 * The inner loops of the CPU forward pass. {@link #SCALAR} is the plain-Java reference;
 * {@link #VECTOR} uses the Vector API (jdk.incubator.vector) and must agree with it within
 * float rounding (KernelsTest). Quantized rows are passed as their raw bytes
 * (see {@link DType} for the block layouts) and dequantized inside the kernel.
 */
public interface Kernels {
  /** {@code sum a[aOff+i] * b[bOff+i]} for i in [0, n). */
  float dot(float[] a, int aOff, float[] b, int bOff, int n);

  /**
   * Four dots sharing one x: {@code out[outOff + i] = dot(w, wOff + i * stride, x, xOff, n)}
   * for i in 0..3. Loading each x element once for four rows is what makes batched matmuls
   * cheaper than four single dots.
   */
  void dot4(float[] w, int wOff, int stride, float[] x, int xOff, int n, float[] out, int outOff);

  /**
   * A 4 x 4 block of dots: {@code out[outOff + 4 * r + t] = dot(w, wOff + r * wStride, x,
   * xOff + t * xStride, n)} for rows r and tokens t in 0..3. Each loaded weight vector
   * serves four tokens and each x vector four rows: 8 loads per 16 multiply-adds, the
   * batched-matmul micro-kernel.
   */
  void dot4x4(float[] w, int wOff, int wStride, float[] x, int xOff, int xStride, int n, float[] out, int outOff);

  /** Dot of a Q8_0 row ({@code n/32} blocks from {@code w[wOff]}) with {@code x[xOff .. xOff+n)}. */
  float dotQ8_0(byte[] w, int wOff, float[] x, int xOff, int n);

  /** Dot of a Q4_0 row ({@code n/32} blocks from {@code w[wOff]}) with {@code x[xOff .. xOff+n)}. */
  float dotQ4_0(byte[] w, int wOff, float[] x, int xOff, int n);

  /** Decodes a row of {@code n} weights of {@code type} from its raw little-endian bytes into {@code dst[dstOff..dstOff+n)}. */
  void decodeRow(DType type, byte[] src, float[] dst, int dstOff, int n);

  /** {@code y[yOff+i] += a * x[xOff+i]} for i in [0, n). */
  void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n);

  Kernels SCALAR = new ScalarKernels();
  Kernels VECTOR = VectorKernels.create();

  /** The IEEE half at {@code b[off]} (little-endian) as a float. */
  static float f16At(byte[] b, int off) {
    return Float.float16ToFloat((short) ((b[off] & 0xFF) | (b[off + 1] << 8)));
  }
}
