package dev.gantry.engine.api;

import dev.gantry.engine.backend.ForwardBatch;

/** The one thing the step loop needs from a backend; {@code Backend::forward} in production. */
@FunctionalInterface
interface ModelExecutor {
  float[][] forward(ForwardBatch batch);
}
