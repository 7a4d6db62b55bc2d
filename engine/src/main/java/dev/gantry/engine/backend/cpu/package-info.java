/**
 * Building blocks of {@link dev.gantry.engine.backend.CpuBackend}: {@link
 * dev.gantry.engine.backend.cpu.Kernels} (Vector API and scalar reference), {@link
 * dev.gantry.engine.backend.cpu.Matmul} (batched, tiled, dequantizing), {@link
 * dev.gantry.engine.backend.cpu.PagedAttention} and {@link
 * dev.gantry.engine.backend.cpu.Parallel}, the one owner of threads.
 */
package dev.gantry.engine.backend.cpu;
