/**
 * Backends run the forward pass of a loaded model over a {@link
 * dev.gantry.engine.backend.ForwardBatch} of {@link dev.gantry.engine.backend.SequenceChunk}s
 * whose K/V live in a paged cache the backend allocates. {@link
 * dev.gantry.engine.backend.Backend} is sealed: {@link dev.gantry.engine.backend.CpuBackend} and
 * {@link dev.gantry.engine.backend.CudaBackend} (never run on a GPU in this repository).
 */
package dev.gantry.engine.backend;
