package dev.gantry.engine.scheduler;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.PriorityQueue;

/** Requests waiting for admission, in policy order. */
sealed interface WaitingQueue permits WaitingQueue.Fcfs, WaitingQueue.ByPriority {
  /** Orders by urgency: lower priority value first, then earlier arrival. */
  Comparator<Request> URGENCY = Comparator.comparingInt(Request::priority).thenComparingLong(Request::arrivalOrder);

  static WaitingQueue of(SchedulingPolicy policy) {
    return switch (policy) {
      case FCFS -> new Fcfs();
      case PRIORITY -> new ByPriority();
    };
  }

  void add(Request request);

  /** Puts a preempted request back where it is admitted first among its peers. */
  void addPreempted(Request request);

  Request peek();

  Request poll();

  boolean remove(Request request);

  int size();

  default boolean isEmpty() {
    return size() == 0;
  }

  /** Arrival order; preempted requests go back to the front. */
  final class Fcfs implements WaitingQueue {
    private final Deque<Request> queue = new ArrayDeque<>();

    @Override public void add(Request request) { queue.addLast(request); }
    @Override public void addPreempted(Request request) { queue.addFirst(request); }
    @Override public Request peek() { return queue.peekFirst(); }
    @Override public Request poll() { return queue.pollFirst(); }
    @Override public boolean remove(Request request) { return queue.remove(request); }
    @Override public int size() { return queue.size(); }
  }

  /** Urgency order; a preempted request keeps its original rank, so it is ahead of later peers. */
  final class ByPriority implements WaitingQueue {
    private final PriorityQueue<Request> queue = new PriorityQueue<>(URGENCY);

    @Override public void add(Request request) { queue.add(request); }
    @Override public void addPreempted(Request request) { queue.add(request); }
    @Override public Request peek() { return queue.peek(); }
    @Override public Request poll() { return queue.poll(); }
    @Override public boolean remove(Request request) { return queue.remove(request); }
    @Override public int size() { return queue.size(); }
  }
}
