package dev.gantry.engine.backend;

import dev.gantry.engine.backend.cpu.Kernels;

/**
 * Test access to CpuBackend's package-private RMSNorm and RoPE, so the CUDA kernel tests in
 * {@code backend.cuda} compare against the code the CPU backend runs rather than a restatement.
 */
public final class CpuBackendKernels {
  private CpuBackendKernels() {}

  public static void rmsNorm(float[] x, float[] w, float[] out, int numTokens, float eps) {
    CpuBackend.rmsNorm(Kernels.SCALAR, x, w, out, numTokens, eps);
  }

  /** RoPE in place at {@code pos} with inverse frequencies {@code invFreq}, as CpuBackend's forward does. */
  public static void rope(float[] qk, int[] pos, float[] invFreq, int heads, int headDim, boolean interleaved) {
    int half = headDim / 2;
    float[] cos = new float[pos.length * half];
    float[] sin = new float[pos.length * half];
    CpuBackend.ropeAngles(pos, pos.length, invFreq, cos, sin);
    CpuBackend.rope(qk, heads, headDim, interleaved, cos, sin, pos.length);
  }
}
