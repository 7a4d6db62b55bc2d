/**
 * The CUDA path of the engine: {@link dev.gantry.engine.backend.cuda.CudaProbe} decides once
 * whether a GPU is usable. The kernels live in {@code engine/src/main/cuda} (built to a fatbin
 * resource by the Maven build when nvcc exists) and are tested on the CPU through a g++ host
 * shim (CudaKernelsShimTest). There is no CudaBackend yet: {@code Backend} permits only the CPU.
 */
package dev.gantry.engine.backend.cuda;
