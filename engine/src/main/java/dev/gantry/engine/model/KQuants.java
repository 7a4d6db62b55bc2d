package dev.gantry.engine.model;

/**
 * Scalar decoders of ggml's k-quant super-blocks (256 weights), written from
 * {@code dequantize_row_q4_K} and {@code dequantize_row_q6_K}. Both the weight tensor's
 * reference dequantization and the CPU kernels use them: k-quant rows are decoded to floats
 * once per step and then dotted with the Vector API.
 */
public final class KQuants {
  private KQuants() {}

  /** Decodes {@code n / 256} Q4_K blocks starting at {@code src[srcOff]} into {@code dst[dstOff..)}. */
  public static void decodeQ4K(byte[] src, int srcOff, float[] dst, int dstOff, int n) {
    for (int b = 0; b < n / 256; b++) {
      int p = srcOff + b * 144;
      float d = f16(src, p);
      float dmin = f16(src, p + 2);
      int scales = p + 4;
      int qs = p + 16;
      int y = dstOff + b * 256;
      for (int j = 0; j < 4; j++) { // 64 weights per step: low nibbles, then high nibbles
        float d1 = d * scale(src, scales, 2 * j);
        float m1 = dmin * min(src, scales, 2 * j);
        float d2 = d * scale(src, scales, 2 * j + 1);
        float m2 = dmin * min(src, scales, 2 * j + 1);
        for (int l = 0; l < 32; l++) {
          int q = src[qs + 32 * j + l] & 0xFF;
          dst[y + 64 * j + l] = d1 * (q & 0xF) - m1;
          dst[y + 64 * j + 32 + l] = d2 * (q >>> 4) - m2;
        }
      }
    }
  }

  /** Decodes {@code n / 256} Q6_K blocks starting at {@code src[srcOff]} into {@code dst[dstOff..)}. */
  public static void decodeQ6K(byte[] src, int srcOff, float[] dst, int dstOff, int n) {
    for (int b = 0; b < n / 256; b++) {
      int p = srcOff + b * 210;
      float d = f16(src, p + 208);
      for (int half = 0; half < 2; half++) {
        int ql = p + 64 * half;
        int qh = p + 128 + 32 * half;
        int sc = p + 192 + 8 * half;
        int y = dstOff + b * 256 + 128 * half;
        for (int l = 0; l < 32; l++) {
          int is = l / 16;
          int h = src[qh + l] & 0xFF;
          int lo0 = src[ql + l] & 0xFF;
          int lo1 = src[ql + l + 32] & 0xFF;
          dst[y + l] = d * src[sc + is] * (((lo0 & 0xF) | (h & 3) << 4) - 32);
          dst[y + l + 32] = d * src[sc + is + 2] * (((lo1 & 0xF) | ((h >> 2) & 3) << 4) - 32);
          dst[y + l + 64] = d * src[sc + is + 4] * (((lo0 >>> 4) | ((h >> 4) & 3) << 4) - 32);
          dst[y + l + 96] = d * src[sc + is + 6] * (((lo1 >>> 4) | ((h >> 6) & 3) << 4) - 32);
        }
      }
    }
  }

  /** ggml's get_scale_min_k4, scale half: 6-bit scale of sub-block j from the 12-byte array at q. */
  private static int scale(byte[] b, int q, int j) {
    return j < 4 ? b[q + j] & 63 : (b[q + j + 4] & 0xF) | ((b[q + j - 4] & 0xFF) >>> 6) << 4;
  }

  /** ggml's get_scale_min_k4, min half. */
  private static int min(byte[] b, int q, int j) {
    return j < 4 ? b[q + j + 4] & 63 : ((b[q + j + 4] & 0xFF) >>> 4) | ((b[q + j] & 0xFF) >>> 6) << 4;
  }

  private static float f16(byte[] b, int off) {
    return Float.float16ToFloat((short) ((b[off] & 0xFF) | (b[off + 1] << 8)));
  }
}
