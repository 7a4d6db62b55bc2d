package dev.gantry.engine.scheduler;

/**
 * Order in which waiting requests are admitted and running ones are preempted. FCFS admits by
 * arrival and preempts the latest admitted; PRIORITY admits by (priority, arrival) — a lower
 * value is more urgent, as in vLLM — and preempts the least urgent running request.
 */
public enum SchedulingPolicy {
  FCFS,
  PRIORITY
}
