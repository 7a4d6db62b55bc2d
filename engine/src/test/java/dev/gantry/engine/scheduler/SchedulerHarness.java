package dev.gantry.engine.scheduler;

import dev.gantry.engine.kvcache.BlockPool;
import dev.gantry.engine.kvcache.KvCacheManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Drives a Scheduler with a {@link FakePagedModel} the way the engine loop does. */
final class SchedulerHarness {
  final Scheduler scheduler;
  final FakePagedModel model;
  final int vocabSize;
  final boolean stopAtEos;
  final Map<String, RequestStatus> finished = new HashMap<>();
  final Map<String, int[]> outputs = new HashMap<>();
  final List<SchedulerOutput> steps = new ArrayList<>();
  private long arrival;

  SchedulerHarness(SchedulerConfig config, int numBlocks, int blockSize, boolean prefixCaching, int vocabSize, boolean stopAtEos) {
    this.scheduler = new Scheduler(config, new KvCacheManager(new BlockPool(numBlocks, prefixCaching), blockSize));
    this.model = new FakePagedModel(numBlocks, blockSize, vocabSize);
    this.vocabSize = vocabSize;
    this.stopAtEos = stopAtEos;
  }

  static SchedulerConfig config(int maxNumSeqs, int maxNumBatchedTokens, boolean chunked, SchedulingPolicy policy) {
    return new SchedulerConfig(maxNumSeqs, maxNumBatchedTokens, chunked ? 4096 : maxNumBatchedTokens, chunked, policy);
  }

  Request submit(String id, int[] prompt, int maxTokens) {
    return submit(id, prompt, maxTokens, 0);
  }

  Request submit(String id, int[] prompt, int maxTokens, int priority) {
    Request r = new Request(id, prompt, maxTokens, priority, arrival++, null);
    scheduler.addRequest(r);
    return r;
  }

  /** One engine step; returns its scheduler output. */
  SchedulerOutput step() {
    SchedulerOutput out = scheduler.schedule();
    steps.add(out);
    int[] sampled = model.step(out);
    scheduler.updateFromOutput(out, sampled);
    for (int i = 0; i < sampled.length; i++) {
      if (sampled[i] < 0) {
        continue;
      }
      Request r = out.chunks().get(i).request();
      RequestStatus status = null;
      if (stopAtEos && sampled[i] == FakePagedModel.EOS) {
        status = RequestStatus.FINISHED_STOPPED;
      } else if (r.numOutputTokens() >= r.maxTokens()) {
        status = RequestStatus.FINISHED_LENGTH;
      }
      if (status != null) {
        outputs.put(r.requestId(), r.outputTokenIds());
        finished.put(r.requestId(), status);
        scheduler.finishRequest(r.requestId(), status);
      }
    }
    scheduler.kvCacheManager().pool().checkInvariants();
    return out;
  }

  void runToCompletion(int maxSteps) {
    for (int s = 0; s < maxSteps && scheduler.hasUnfinishedRequests(); s++) {
      step();
    }
    if (scheduler.hasUnfinishedRequests()) {
      throw new AssertionError("requests still unfinished after " + maxSteps + " steps: running="
          + scheduler.numRunning() + " waiting=" + scheduler.numWaiting());
    }
  }

  int[] reference(int[] prompt, int maxTokens) {
    return FakePagedModel.reference(prompt, maxTokens, vocabSize, stopAtEos);
  }

  static int[] prompt(int seed, int length, int vocabSize) {
    int[] p = new int[length];
    long x = seed * 6364136223846793005L + 1442695040888963407L;
    for (int i = 0; i < length; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L;
      p[i] = 1 + (int) Math.floorMod(x >>> 33, vocabSize - 1);
    }
    return p;
  }
}
