package dev.gantry.engine.scheduler;

import dev.gantry.engine.kvcache.ComputedBlocks;
import dev.gantry.engine.kvcache.KvCacheBlocks;
import dev.gantry.engine.kvcache.KvCacheManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Continuous batching, vLLM v1 style: every step first gives each running request its next
 * tokens (one for a decode, the rest of the prompt for a prefill, cut to the token budget when
 * chunked prefill is on), then admits waiting requests while the step's token budget
 * ({@code maxNumBatchedTokens}), {@code maxNumSeqs} and the KV cache allow. When the cache
 * cannot hold a running request's next tokens, the least urgent running request (the latest
 * admitted under FCFS) is preempted by recompute: its blocks are freed and it goes back to the
 * front of the waiting queue. No new request is admitted in a step that preempted.
 *
 * <p>Protocol per step, on one thread: {@link #schedule()}, run the chunks, then
 * {@link #updateFromOutput} with the sampled tokens, then {@link #finishRequest} for those that
 * stopped.
 */
public final class Scheduler {
  private final SchedulerConfig config;
  private final KvCacheManager kvCacheManager;
  private final WaitingQueue waiting;
  private final List<Request> running = new ArrayList<>();
  private final Map<String, Request> requests = new HashMap<>();
  private long numPreemptions;

  public Scheduler(SchedulerConfig config, KvCacheManager kvCacheManager) {
    this.config = config;
    this.kvCacheManager = kvCacheManager;
    this.waiting = WaitingQueue.of(config.policy());
  }

  public SchedulerConfig config() {
    return config;
  }

  public KvCacheManager kvCacheManager() {
    return kvCacheManager;
  }

  /**
   * Queues a request.
   *
   * @throws IllegalArgumentException when its id is taken or it could never fit (see {@link #validate})
   */
  public void addRequest(Request request) {
    if (requests.containsKey(request.requestId())) {
      throw new IllegalArgumentException("request id '" + request.requestId() + "' is already in use; ids must be unique");
    }
    validate(request);
    request.status = RequestStatus.WAITING;
    requests.put(request.requestId(), request);
    waiting.add(request);
  }

  /**
   * Checks that a request could ever run: a prompt shorter than {@code maxModelLen}, and no more
   * blocks at its full length than the whole KV cache has. Reads only immutable configuration,
   * so any thread may call it.
   *
   * @throws IllegalArgumentException naming the numbers and the fix
   */
  public void validate(Request request) {
    if (request.numPromptTokens() >= config.maxModelLen()) {
      throw new IllegalArgumentException("prompt of request " + request.requestId() + " has " + request.numPromptTokens()
          + " tokens but maxModelLen is " + config.maxModelLen() + "; shorten the prompt");
    }
    int maxTotalTokens = (int) Math.min((long) request.numPromptTokens() + request.maxTokens(), config.maxModelLen());
    int blockSize = kvCacheManager.blockSize();
    int blocksNeeded = (maxTotalTokens + blockSize - 1) / blockSize;
    if (blocksNeeded > kvCacheManager.pool().numBlocks()) {
      throw new IllegalArgumentException("request " + request.requestId() + " may reach " + maxTotalTokens
          + " tokens (" + blocksNeeded + " blocks of " + blockSize + ") but the KV cache has only "
          + kvCacheManager.pool().numBlocks() + " blocks; lower max_tokens or give the KV cache more memory");
    }
  }

  /** Decides the next step. Returns an empty output when nothing can run. */
  public SchedulerOutput schedule() {
    int tokenBudget = config.maxNumBatchedTokens();
    List<Request> scheduled = new ArrayList<>();
    Map<Request, Integer> numScheduledTokens = new HashMap<>();
    List<Request> preempted = new ArrayList<>();

    // 1. Running requests, in admission order.
    int i = 0;
    while (i < running.size() && tokenBudget > 0) {
      Request request = running.get(i);
      int numNewTokens = request.numTokens() - request.numComputedTokens;
      if (numNewTokens <= 0) {
        i++; // waiting for its sampled token to be appended; cannot happen in the step protocol
        continue;
      }
      if (numNewTokens > tokenBudget && !config.enableChunkedPrefill()) {
        i++;
        continue;
      }
      numNewTokens = Math.min(numNewTokens, tokenBudget);
      boolean allocated = false;
      while (true) {
        Optional<KvCacheBlocks> blocks =
            kvCacheManager.allocateSlots(request, request.numComputedTokens, numNewTokens, ComputedBlocks.NONE);
        if (blocks.isPresent()) {
          allocated = true;
          break;
        }
        Request victim = pickVictim();
        int victimIndex = running.indexOf(victim);
        Integer given = numScheduledTokens.remove(victim);
        if (given != null) {
          scheduled.remove(victim);
          tokenBudget += given;
          victim.numComputedTokens -= given; // undo this step's advance before the reset below
        }
        preempt(victim);
        preempted.add(victim);
        if (victimIndex < i) {
          i--;
        }
        if (victim == request) {
          break;
        }
      }
      if (!allocated) {
        continue; // request itself was preempted; running.get(i) is now the next one
      }
      scheduled.add(request);
      numScheduledTokens.put(request, numNewTokens);
      request.numComputedTokens += numNewTokens;
      tokenBudget -= numNewTokens;
      i++;
    }

    // 2. Waiting requests, unless this step had to preempt (the cache is under pressure).
    if (preempted.isEmpty()) {
      while (!waiting.isEmpty() && tokenBudget > 0 && running.size() < config.maxNumSeqs()) {
        Request request = waiting.peek();
        ComputedBlocks hit = kvCacheManager.computedBlocks(request);
        int numComputed = hit.numComputedTokens();
        int numNewTokens = request.numTokens() - numComputed;
        if (numNewTokens > tokenBudget) {
          if (!config.enableChunkedPrefill()) {
            break;
          }
          numNewTokens = tokenBudget;
        }
        Optional<KvCacheBlocks> blocks = kvCacheManager.allocateSlots(request, 0, numNewTokens, hit);
        if (blocks.isEmpty()) {
          break;
        }
        waiting.poll();
        running.add(request);
        request.status = RequestStatus.RUNNING;
        if (request.numCachedTokens < 0) {
          request.numCachedTokens = numComputed;
        }
        request.numComputedTokens = numComputed + numNewTokens;
        scheduled.add(request);
        numScheduledTokens.put(request, numNewTokens);
        tokenBudget -= numNewTokens;
      }
    }

    List<ScheduledChunk> chunks = new ArrayList<>(scheduled.size());
    int total = 0;
    for (Request request : scheduled) {
      int n = numScheduledTokens.get(request);
      int start = request.numComputedTokens - n;
      chunks.add(new ScheduledChunk(request, start, n, kvCacheManager.blockTable(request.requestId()),
          request.numComputedTokens == request.numTokens()));
      total += n;
    }
    return new SchedulerOutput(chunks, preempted, total);
  }

  /**
   * Records a step's results: {@code sampledTokenIds[i]} is the token sampled for
   * {@code output.chunks().get(i)}, ignored where that chunk does not sample. Newly completed
   * blocks enter the prefix cache now that their K/V is written.
   */
  public void updateFromOutput(SchedulerOutput output, int[] sampledTokenIds) {
    if (sampledTokenIds.length != output.chunks().size()) {
      throw new IllegalArgumentException("got " + sampledTokenIds.length + " sampled tokens for "
          + output.chunks().size() + " scheduled chunks");
    }
    for (int i = 0; i < sampledTokenIds.length; i++) {
      ScheduledChunk chunk = output.chunks().get(i);
      Request request = chunk.request();
      if (request.status != RequestStatus.RUNNING) {
        continue;
      }
      kvCacheManager.cacheComputedBlocks(request, request.numComputedTokens);
      if (chunk.samplesToken()) {
        request.appendOutputToken(sampledTokenIds[i]);
      }
    }
  }

  /**
   * Ends a request in any state (finished or aborted) and frees its blocks. Unknown or already
   * finished ids are ignored, so an abort racing with completion is harmless.
   *
   * @return whether the request was live
   */
  public boolean finishRequest(String requestId, RequestStatus finalStatus) {
    if (!finalStatus.isFinished()) {
      throw new IllegalArgumentException("finishRequest needs a FINISHED_* status, got " + finalStatus);
    }
    Request request = requests.remove(requestId);
    if (request == null) {
      return false;
    }
    if (request.status == RequestStatus.RUNNING) {
      running.remove(request);
    } else {
      waiting.remove(request);
    }
    request.status = finalStatus;
    kvCacheManager.forget(requestId);
    return true;
  }

  public Request request(String requestId) {
    return requests.get(requestId);
  }

  public int numRunning() {
    return running.size();
  }

  public int numWaiting() {
    return waiting.size();
  }

  public boolean hasUnfinishedRequests() {
    return !requests.isEmpty();
  }

  /** Token slots of running requests that hold K/V (or will once the scheduled step ran). */
  public long numComputedTokensRunning() {
    long n = 0;
    for (Request r : running) {
      n += r.numComputedTokens;
    }
    return n;
  }

  /** Preemptions since the scheduler started. */
  public long numPreemptions() {
    return numPreemptions;
  }

  private Request pickVictim() {
    return switch (config.policy()) {
      case FCFS -> running.get(running.size() - 1);
      case PRIORITY -> {
        Request victim = running.get(0);
        for (Request r : running) {
          if (WaitingQueue.URGENCY.compare(r, victim) > 0) {
            victim = r;
          }
        }
        yield victim;
      }
    };
  }

  private void preempt(Request request) {
    running.remove(request);
    kvCacheManager.free(request.requestId());
    request.status = RequestStatus.PREEMPTED;
    request.numComputedTokens = 0;
    request.numPreemptions++;
    numPreemptions++;
    waiting.addPreempted(request);
  }
}
