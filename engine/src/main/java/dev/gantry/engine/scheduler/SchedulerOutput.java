package dev.gantry.engine.scheduler;

import java.util.List;

/**
 * What one call of {@link Scheduler#schedule()} decided: the chunks to compute this step (running
 * requests first, then newly admitted ones) and the requests preempted to make room.
 */
public record SchedulerOutput(List<ScheduledChunk> chunks, List<Request> preempted, int numScheduledTokens) {
  public SchedulerOutput {
    chunks = List.copyOf(chunks);
    preempted = List.copyOf(preempted);
  }

  public boolean isEmpty() {
    return chunks.isEmpty();
  }
}
