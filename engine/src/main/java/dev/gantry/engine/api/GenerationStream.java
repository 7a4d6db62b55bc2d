package dev.gantry.engine.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The outputs of one submitted request, in order, as a blocking iterator: {@link #next()} waits
 * for the engine thread's next delta; the last output carries a {@link FinishReason}. Meant for
 * one consumer thread, e.g. a virtual thread writing server-sent events, where blocking is
 * cheap. {@link #close()} aborts the request if it is still running, so a consumer that stops
 * reading (a client that disconnected) frees its KV cache blocks.
 */
public final class GenerationStream implements Iterator<RequestOutput>, Iterable<RequestOutput>, AutoCloseable {
  /** An engine failure travels through the queue as a poison item. */
  private record Failure(RuntimeException error) {}

  private final String requestId;
  private final Consumer<String> abort;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private Object pending;
  private boolean done;

  GenerationStream(String requestId, Consumer<String> abort) {
    this.requestId = requestId;
    this.abort = abort;
  }

  public String requestId() {
    return requestId;
  }

  void emit(RequestOutput output) {
    queue.add(output);
  }

  void fail(RuntimeException error) {
    queue.add(new Failure(error));
  }

  /** Whether another output will come; blocks until the engine produced it or the stream ended. */
  @Override
  public boolean hasNext() {
    if (done) {
      return false;
    }
    if (pending == null) {
      try {
        pending = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EngineException("interrupted while waiting for request " + requestId, e);
      }
    }
    return true;
  }

  @Override
  public RequestOutput next() {
    if (!hasNext()) {
      throw new NoSuchElementException("request " + requestId + " has finished");
    }
    return take();
  }

  /**
   * The next output, waiting at most {@code timeout}; null on timeout.
   *
   * @throws NoSuchElementException when the stream has ended
   */
  public RequestOutput poll(Duration timeout) {
    if (done) {
      throw new NoSuchElementException("request " + requestId + " has finished");
    }
    if (pending == null) {
      try {
        pending = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EngineException("interrupted while waiting for request " + requestId, e);
      }
      if (pending == null) {
        return null;
      }
    }
    return take();
  }

  private RequestOutput take() {
    Object item = pending;
    pending = null;
    if (item instanceof Failure f) {
      done = true;
      throw f.error();
    }
    RequestOutput output = (RequestOutput) item;
    if (output.finished()) {
      done = true;
    }
    return output;
  }

  /** Reads the stream to its end and folds it into one result (non-streaming responses). */
  public GenerationResult collect() {
    List<RequestOutput> outputs = new ArrayList<>();
    while (hasNext()) {
      outputs.add(next());
    }
    return GenerationResult.of(requestId, outputs);
  }

  @Override
  public Iterator<RequestOutput> iterator() {
    return this;
  }

  /** Aborts the request unless it already finished; outputs not yet read are dropped. */
  @Override
  public void close() {
    if (!done) {
      abort.accept(requestId);
    }
  }
}
