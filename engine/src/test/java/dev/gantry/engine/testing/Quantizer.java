package dev.gantry.engine.testing;

import dev.gantry.engine.model.DType;
import dev.gantry.engine.model.GgufQuantizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Test-side encoders and decoders for every weight type. F32, Q8_0 and Q4_0 encode with the
 * main code's {@link GgufQuantizer} (ggml's reference {@code quantize_row_q8_0_ref} /
 * {@code quantize_row_q4_0_ref}, the encoder the bench writes its models with); the other
 * encoders and all decoders here are written independently of the engine's kernels, so a
 * layout mistake on either side shows up as a mismatch.
 */
public final class Quantizer {
  private Quantizer() {}

  /** Encodes a row-major (rows, cols) matrix; quantized types quantize each row in blocks of 32. */
  public static byte[] encode(DType dtype, float[] w, int rows, int cols) {
    ByteBuffer out = ByteBuffer.allocate((int) dtype.bytesFor((long) rows * cols)).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case F32, Q8_0, Q4_0 -> out.put(GgufQuantizer.encode(dtype, w, w.length));
      case F16 -> {
        for (float f : w) {
          out.putShort(Float.floatToFloat16(f));
        }
      }
      case BF16 -> {
        for (float f : w) {
          int bits = Float.floatToRawIntBits(f);
          int rounded = bits + 0x7FFF + ((bits >>> 16) & 1); // round to nearest even
          out.putShort((short) (rounded >>> 16));
        }
      }
      case Q4_K -> {
        for (int b = 0; b < w.length / 256; b++) {
          encodeQ4K(w, b * 256, out);
        }
      }
      case Q6_K -> {
        for (int b = 0; b < w.length / 256; b++) {
          encodeQ6K(w, b * 256, out);
        }
      }
    }
    return out.array();
  }

  /** Decodes what {@link #encode} wrote. */
  public static float[] decode(DType dtype, byte[] bytes, int rows, int cols) {
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    float[] w = new float[rows * cols];
    switch (dtype) {
      case F32 -> {
        for (int i = 0; i < w.length; i++) {
          w[i] = in.getFloat();
        }
      }
      case F16 -> {
        for (int i = 0; i < w.length; i++) {
          w[i] = Float.float16ToFloat(in.getShort());
        }
      }
      case BF16 -> {
        for (int i = 0; i < w.length; i++) {
          w[i] = Float.intBitsToFloat(in.getShort() << 16);
        }
      }
      case Q8_0 -> {
        for (int b = 0; b < w.length / 32; b++) {
          float d = Float.float16ToFloat(in.getShort());
          for (int j = 0; j < 32; j++) {
            w[b * 32 + j] = d * in.get();
          }
        }
      }
      case Q4_0 -> {
        for (int b = 0; b < w.length / 32; b++) {
          float d = Float.float16ToFloat(in.getShort());
          for (int j = 0; j < 16; j++) {
            int q = in.get() & 0xFF;
            w[b * 32 + j] = d * ((q & 0xF) - 8);
            w[b * 32 + j + 16] = d * ((q >> 4) - 8);
          }
        }
      }
      case Q4_K -> {
        for (int b = 0; b < w.length / 256; b++) {
          decodeQ4K(in, w, b * 256);
        }
      }
      case Q6_K -> {
        for (int b = 0; b < w.length / 256; b++) {
          decodeQ6K(in, w, b * 256);
        }
      }
    }
    return w;
  }

  /**
   * A simple (not error-minimizing) Q4_K quantizer: per 32-weight sub-block, min and range
   * give a 6-bit min and scale relative to the super-block's dmin and d.
   */
  private static void encodeQ4K(float[] x, int off, ByteBuffer out) {
    float[] scales = new float[8];
    float[] mins = new float[8];
    for (int j = 0; j < 8; j++) {
      float lo = 0;
      float hi = 0;
      for (int l = 0; l < 32; l++) {
        lo = Math.min(lo, x[off + 32 * j + l]);
        hi = Math.max(hi, x[off + 32 * j + l]);
      }
      scales[j] = (hi - lo) / 15f;
      mins[j] = -lo;
    }
    float maxScale = 0;
    float maxMin = 0;
    for (int j = 0; j < 8; j++) {
      maxScale = Math.max(maxScale, scales[j]);
      maxMin = Math.max(maxMin, mins[j]);
    }
    float d = Float.float16ToFloat(Float.floatToFloat16(maxScale / 63f));
    float dmin = Float.float16ToFloat(Float.floatToFloat16(maxMin / 63f));
    int[] sc = new int[8];
    int[] m = new int[8];
    for (int j = 0; j < 8; j++) {
      sc[j] = d == 0 ? 0 : Math.min(63, Math.round(scales[j] / d));
      m[j] = dmin == 0 ? 0 : Math.min(63, Math.round(mins[j] / dmin));
    }
    byte[] packed = new byte[12];
    for (int j = 0; j < 4; j++) {
      packed[j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);
      packed[j + 4] = (byte) (m[j] | (m[j + 4] >> 4) << 6);
      packed[j + 8] = (byte) ((sc[j + 4] & 0xF) | (m[j + 4] & 0xF) << 4);
    }
    int[] q = new int[256];
    for (int j = 0; j < 8; j++) {
      float step = d * sc[j];
      for (int l = 0; l < 32; l++) {
        int v = step == 0 ? 0 : Math.round((x[off + 32 * j + l] + dmin * m[j]) / step);
        q[32 * j + l] = Math.max(0, Math.min(15, v));
      }
    }
    out.putShort(Float.floatToFloat16(d)).putShort(Float.floatToFloat16(dmin)).put(packed);
    for (int c = 0; c < 4; c++) {
      for (int l = 0; l < 32; l++) {
        out.put((byte) (q[64 * c + l] | q[64 * c + 32 + l] << 4));
      }
    }
  }

  /** A simple Q6_K quantizer: int8 scale per 16 weights relative to the super-block's d. */
  private static void encodeQ6K(float[] x, int off, ByteBuffer out) {
    float[] scales = new float[16];
    float maxScale = 0;
    for (int j = 0; j < 16; j++) {
      float amax = 0;
      for (int l = 0; l < 16; l++) {
        amax = Math.max(amax, Math.abs(x[off + 16 * j + l]));
      }
      scales[j] = amax / 31f;
      maxScale = Math.max(maxScale, scales[j]);
    }
    float d = Float.float16ToFloat(Float.floatToFloat16(maxScale / 127f));
    int[] sc = new int[16];
    int[] q = new int[256];
    for (int j = 0; j < 16; j++) {
      sc[j] = d == 0 ? 0 : Math.min(127, Math.round(scales[j] / d));
      for (int l = 0; l < 16; l++) {
        float step = d * sc[j];
        int v = step == 0 ? 0 : Math.round(x[off + 16 * j + l] / step);
        q[16 * j + l] = Math.max(-32, Math.min(31, v)) + 32;
      }
    }
    byte[] ql = new byte[128];
    byte[] qh = new byte[64];
    for (int half = 0; half < 2; half++) {
      int j = 128 * half;
      for (int l = 0; l < 32; l++) {
        ql[64 * half + l] = (byte) ((q[j + l] & 0xF) | (q[j + l + 64] & 0xF) << 4);
        ql[64 * half + l + 32] = (byte) ((q[j + l + 32] & 0xF) | (q[j + l + 96] & 0xF) << 4);
        qh[32 * half + l] = (byte) ((q[j + l] >> 4) | (q[j + l + 32] >> 4) << 2 | (q[j + l + 64] >> 4) << 4
            | (q[j + l + 96] >> 4) << 6);
      }
    }
    out.put(ql).put(qh);
    for (int j = 0; j < 16; j++) {
      out.put((byte) sc[j]);
    }
    out.putShort(Float.floatToFloat16(d));
  }

  /** ggml dequantize_row_q4_K for one super-block. */
  private static void decodeQ4K(ByteBuffer in, float[] y, int off) {
    float d = Float.float16ToFloat(in.getShort());
    float dmin = Float.float16ToFloat(in.getShort());
    int[] s = new int[12];
    for (int i = 0; i < 12; i++) {
      s[i] = in.get() & 0xFF;
    }
    int[] sc = new int[8];
    int[] m = new int[8];
    for (int j = 0; j < 8; j++) {
      if (j < 4) {
        sc[j] = s[j] & 63;
        m[j] = s[j + 4] & 63;
      } else {
        sc[j] = (s[j + 4] & 0xF) | (s[j - 4] >> 6) << 4;
        m[j] = (s[j + 4] >> 4) | (s[j] >> 6) << 4;
      }
    }
    for (int c = 0; c < 4; c++) {
      for (int l = 0; l < 32; l++) {
        int q = in.get() & 0xFF;
        y[off + 64 * c + l] = d * sc[2 * c] * (q & 0xF) - dmin * m[2 * c];
        y[off + 64 * c + 32 + l] = d * sc[2 * c + 1] * (q >> 4) - dmin * m[2 * c + 1];
      }
    }
  }

  /** ggml dequantize_row_q6_K for one super-block. */
  private static void decodeQ6K(ByteBuffer in, float[] y, int off) {
    byte[] ql = new byte[128];
    byte[] qh = new byte[64];
    byte[] sc = new byte[16];
    in.get(ql).get(qh).get(sc);
    float d = Float.float16ToFloat(in.getShort());
    for (int half = 0; half < 2; half++) {
      for (int l = 0; l < 32; l++) {
        int is = 8 * half + l / 16;
        int a = ql[64 * half + l] & 0xFF;
        int b = ql[64 * half + l + 32] & 0xFF;
        int h = qh[32 * half + l] & 0xFF;
        y[off + 128 * half + l] = d * sc[is] * (((a & 0xF) | (h & 3) << 4) - 32);
        y[off + 128 * half + l + 32] = d * sc[is + 2] * (((b & 0xF) | (h >> 2 & 3) << 4) - 32);
        y[off + 128 * half + l + 64] = d * sc[is + 4] * (((a >> 4) | (h >> 4 & 3) << 4) - 32);
        y[off + 128 * half + l + 96] = d * sc[is + 6] * (((b >> 4) | (h >> 6 & 3) << 4) - 32);
      }
    }
  }
}
