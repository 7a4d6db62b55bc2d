package dev.gantry.engine.testing;

import dev.gantry.engine.model.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Test-side encoders and decoders for every weight type, written from ggml's reference
 * {@code quantize_row_q8_0_ref} / {@code quantize_row_q4_0_ref} independently of the
 * engine's kernels, so a layout mistake on either side shows up as a mismatch.
 */
public final class Quantizer {
  private Quantizer() {}

  /** Encodes a row-major (rows, cols) matrix; quantized types quantize each row in blocks of 32. */
  public static byte[] encode(DType dtype, float[] w, int rows, int cols) {
    ByteBuffer out = ByteBuffer.allocate((int) dtype.bytesFor((long) rows * cols)).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case F32 -> {
        for (float f : w) {
          out.putFloat(f);
        }
      }
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
      case Q8_0 -> {
        for (int b = 0; b < w.length / 32; b++) {
          float amax = 0;
          for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(w[b * 32 + j]));
          }
          float d = amax / 127f;
          float id = d != 0 ? 1 / d : 0;
          out.putShort(Float.floatToFloat16(d));
          for (int j = 0; j < 32; j++) {
            out.put((byte) Math.round(w[b * 32 + j] * id));
          }
        }
      }
      case Q4_0 -> {
        for (int b = 0; b < w.length / 32; b++) {
          float amax = 0;
          float max = 0;
          for (int j = 0; j < 32; j++) {
            float v = w[b * 32 + j];
            if (Math.abs(v) > amax) {
              amax = Math.abs(v);
              max = v;
            }
          }
          float d = max / -8f;
          float id = d != 0 ? 1 / d : 0;
          out.putShort(Float.floatToFloat16(d));
          for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (w[b * 32 + j] * id + 8.5f));
            int hi = Math.min(15, (int) (w[b * 32 + j + 16] * id + 8.5f));
            out.put((byte) (lo | hi << 4));
          }
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
    }
    return w;
  }
}
