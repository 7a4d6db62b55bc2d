/**
 * The CUDA path of the engine: {@link dev.gantry.engine.backend.cuda.CudaProbe} decides once
 * whether a GPU is usable. The kernels live in {@code engine/src/main/cuda} (built to a fatbin
 * resource by the Maven build when nvcc exists) and are tested on the CPU through a g++ host
 * shim (CudaKernelsShimTest). {@link dev.gantry.engine.backend.cuda.CudaDevice} wraps the
 * driver API and cuBLAS for {@link dev.gantry.engine.backend.CudaBackend}; the rest of this
 * package is plain Java (launch shapes, memory plan, block tables, error names) tested on the CPU.
 */
package dev.gantry.engine.backend.cuda;
