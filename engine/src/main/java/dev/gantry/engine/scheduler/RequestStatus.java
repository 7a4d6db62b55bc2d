package dev.gantry.engine.scheduler;

/** Life cycle of a request inside the scheduler. */
public enum RequestStatus {
  WAITING,
  RUNNING,
  /** Evicted from the running batch; its blocks are freed and it will be recomputed. */
  PREEMPTED,
  /** Stopped by an EOS token, a stop token id or a stop string. */
  FINISHED_STOPPED,
  /** Reached its max tokens or the model's context length. */
  FINISHED_LENGTH,
  FINISHED_ABORTED;

  public boolean isFinished() {
    return this == FINISHED_STOPPED || this == FINISHED_LENGTH || this == FINISHED_ABORTED;
  }
}
