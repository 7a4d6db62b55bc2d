package dev.gantry.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Thousands of random submit / abort / step operations over random configurations. After every
 * step the pool's invariants hold; at the end every request either finished with exactly the
 * reference output or was aborted, and every block is back in the free queue.
 */
class SchedulerRandomizedTest {
  private static final int V = 61;
  private static final AtomicLong TOTAL_PREEMPTIONS = new AtomicLong();
  private static final AtomicLong TOTAL_PREFIX_HITS = new AtomicLong();
  private static final AtomicLong TOTAL_FINISHED = new AtomicLong();

  /** Guards the test's own power: the random workload must exercise preemption and prefix hits. */
  @AfterAll
  static void workloadExercisedPreemptionAndPrefixCaching() {
    assertThat(TOTAL_PREEMPTIONS.get()).isPositive();
    assertThat(TOTAL_PREFIX_HITS.get()).isPositive();
    assertThat(TOTAL_FINISHED.get()).isGreaterThan(1000);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void randomOperations_neverLeakBlocksNorLoseRequests(long seed) {
    Random rnd = new Random(seed);
    int blockSize = 1 + rnd.nextInt(8);
    int numBlocks = 8 + rnd.nextInt(40);
    boolean chunked = rnd.nextBoolean();
    int maxModelLen = 64;
    int budget = chunked ? 4 + rnd.nextInt(60) : maxModelLen + rnd.nextInt(32);
    SchedulingPolicy policy = rnd.nextBoolean() ? SchedulingPolicy.FCFS : SchedulingPolicy.PRIORITY;
    SchedulerConfig config = new SchedulerConfig(1 + rnd.nextInt(8), budget, maxModelLen, chunked, policy);
    SchedulerHarness h = new SchedulerHarness(config, numBlocks, blockSize, rnd.nextBoolean(), V, true);

    Map<String, int[]> prompts = new HashMap<>();
    Map<String, Integer> maxTokens = new HashMap<>();
    Set<String> aborted = new HashSet<>();
    List<String> live = new ArrayList<>();
    int next = 0;
    // A few shared prefixes so that prefix caching gets hits.
    int[][] prefixes = {SchedulerHarness.prompt(100, 20, V), SchedulerHarness.prompt(101, 9, V)};
    for (int op = 0; op < 3000; op++) {
      int dice = rnd.nextInt(10);
      live.removeIf(id -> h.scheduler.request(id) == null);
      if (dice < 3) {
        String id = "r" + next++;
        int len = 1 + rnd.nextInt(30);
        int[] p = SchedulerHarness.prompt(rnd.nextInt(), len, V);
        if (rnd.nextInt(3) == 0) {
          int[] prefix = prefixes[rnd.nextInt(prefixes.length)];
          System.arraycopy(prefix, 0, p, 0, Math.min(prefix.length, len));
        }
        int mt = 1 + rnd.nextInt(20);
        int maxTotal = Math.min(len + mt, maxModelLen);
        if ((maxTotal + blockSize - 1) / blockSize > numBlocks) {
          continue; // addRequest rejects these; covered by SchedulerTest
        }
        h.submit(id, p, mt, rnd.nextInt(4));
        prompts.put(id, p);
        maxTokens.put(id, mt);
        live.add(id);
      } else if (dice == 3 && !live.isEmpty()) {
        String id = live.get(rnd.nextInt(live.size()));
        assertThat(h.scheduler.finishRequest(id, RequestStatus.FINISHED_ABORTED)).isTrue();
        aborted.add(id);
      } else {
        h.step();
      }
    }
    h.runToCompletion(10_000);
    TOTAL_PREEMPTIONS.addAndGet(h.scheduler.numPreemptions());
    TOTAL_PREFIX_HITS.addAndGet(h.scheduler.kvCacheManager().prefixCacheHits());
    TOTAL_FINISHED.addAndGet(h.finished.size());

    assertThat(h.scheduler.kvCacheManager().pool().numFreeBlocks()).isEqualTo(numBlocks);
    assertThat(h.scheduler.kvCacheManager().numRequests()).isZero();
    assertThat(h.scheduler.numRunning() + h.scheduler.numWaiting()).isZero();
    for (String id : prompts.keySet()) {
      if (aborted.contains(id)) {
        assertThat(h.finished).doesNotContainKey(id);
        continue;
      }
      assertThat(h.finished).as("request %s finished", id).containsKey(id);
      assertThat(h.outputs.get(id)).as("output of %s", id).containsExactly(h.reference(prompts.get(id), maxTokens.get(id)));
    }
  }
}
