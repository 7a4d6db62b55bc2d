package dev.gantry.engine.backend.cpu;

import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.KQuants;

/** Plain loops: the reference every Vector API kernel is tested against. */
final class ScalarKernels implements Kernels {
  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    float sum = 0;
    for (int i = 0; i < n; i++) {
      sum += a[aOff + i] * b[bOff + i];
    }
    return sum;
  }

  @Override
  public void dot4(float[] w, int wOff, int stride, float[] x, int xOff, int n, float[] out, int outOff) {
    for (int i = 0; i < 4; i++) {
      out[outOff + i] = dot(w, wOff + i * stride, x, xOff, n);
    }
  }

  @Override
  public void dot4x4(float[] w, int wOff, int wStride, float[] x, int xOff, int xStride, int n, float[] out, int outOff) {
    for (int r = 0; r < 4; r++) {
      for (int t = 0; t < 4; t++) {
        out[outOff + 4 * r + t] = dot(w, wOff + r * wStride, x, xOff + t * xStride, n);
      }
    }
  }

  @Override
  public float dotQ8_0(byte[] w, int wOff, float[] x, int xOff, int n) {
    float sum = 0;
    for (int b = 0; b < n / 32; b++) {
      int p = wOff + b * 34;
      float blockSum = 0;
      for (int j = 0; j < 32; j++) {
        blockSum += w[p + 2 + j] * x[xOff + b * 32 + j];
      }
      sum += Kernels.f16At(w, p) * blockSum;
    }
    return sum;
  }

  @Override
  public float dotQ4_0(byte[] w, int wOff, float[] x, int xOff, int n) {
    float sum = 0;
    for (int b = 0; b < n / 32; b++) {
      int p = wOff + b * 18;
      float blockSum = 0;
      for (int j = 0; j < 16; j++) {
        int q = w[p + 2 + j] & 0xFF;
        blockSum += ((q & 0x0F) - 8) * x[xOff + b * 32 + j] + ((q >>> 4) - 8) * x[xOff + b * 32 + j + 16];
      }
      sum += Kernels.f16At(w, p) * blockSum;
    }
    return sum;
  }

  @Override
  public void decodeRow(DType type, byte[] src, float[] dst, int dstOff, int n) {
    switch (type) {
      case F32 -> {
        for (int i = 0; i < n; i++) {
          int p = 4 * i;
          dst[dstOff + i] = Float.intBitsToFloat((src[p] & 0xFF) | (src[p + 1] & 0xFF) << 8 | (src[p + 2] & 0xFF) << 16 | src[p + 3] << 24);
        }
      }
      case F16 -> {
        for (int i = 0; i < n; i++) {
          dst[dstOff + i] = Kernels.f16At(src, 2 * i);
        }
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          dst[dstOff + i] = Float.intBitsToFloat(((src[2 * i] & 0xFF) | (src[2 * i + 1] & 0xFF) << 8) << 16);
        }
      }
      case Q8_0 -> {
        for (int b = 0; b < n / 32; b++) {
          float d = Kernels.f16At(src, b * 34);
          for (int j = 0; j < 32; j++) {
            dst[dstOff + b * 32 + j] = d * src[b * 34 + 2 + j];
          }
        }
      }
      case Q4_0 -> {
        for (int b = 0; b < n / 32; b++) {
          float d = Kernels.f16At(src, b * 18);
          for (int j = 0; j < 16; j++) {
            int q = src[b * 18 + 2 + j] & 0xFF;
            dst[dstOff + b * 32 + j] = d * ((q & 0x0F) - 8);
            dst[dstOff + b * 32 + j + 16] = d * ((q >>> 4) - 8);
          }
        }
      }
      case Q4_K -> KQuants.decodeQ4K(src, 0, dst, dstOff, n);
      case Q6_K -> KQuants.decodeQ6K(src, 0, dst, dstOff, n);
    }
  }

  @Override
  public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] += a * x[xOff + i];
    }
  }
}
