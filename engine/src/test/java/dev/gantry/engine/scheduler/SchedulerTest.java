package dev.gantry.engine.scheduler;

import static dev.gantry.engine.scheduler.SchedulerHarness.config;
import static dev.gantry.engine.scheduler.SchedulerHarness.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerTest {
  private static final int V = 97;

  @Test
  void schedule_admitsAtMostMaxNumSeqs() {
    SchedulerHarness h = new SchedulerHarness(config(2, 256, true, SchedulingPolicy.FCFS), 64, 4, false, V, false);
    for (int i = 0; i < 3; i++) {
      h.submit("r" + i, prompt(i, 5, V), 4);
    }
    SchedulerOutput out = h.step();
    assertThat(out.chunks()).extracting(c -> c.request().requestId()).containsExactly("r0", "r1");
    assertThat(h.scheduler.numWaiting()).isEqualTo(1);
  }

  @Test
  void schedule_withChunkedPrefill_splitsLongPromptAndSamplesOnlyAfterLastChunk() {
    SchedulerHarness h = new SchedulerHarness(config(4, 16, true, SchedulingPolicy.FCFS), 64, 4, false, V, false);
    int[] p = prompt(1, 50, V);
    h.submit("long", p, 3);
    int[] sizes = new int[4];
    boolean[] samples = new boolean[4];
    for (int s = 0; s < 4; s++) {
      ScheduledChunk c = h.step().chunks().get(0);
      sizes[s] = c.numTokens();
      samples[s] = c.samplesToken();
      assertThat(c.startPosition()).isEqualTo(16 * s);
    }
    assertThat(sizes).containsExactly(16, 16, 16, 2);
    assertThat(samples).containsExactly(false, false, false, true);
    h.runToCompletion(10);
    assertThat(h.outputs.get("long")).containsExactly(h.reference(p, 3));
  }

  @Test
  void schedule_mixesRunningDecodesWithANewPromptsChunk() {
    SchedulerHarness h = new SchedulerHarness(config(4, 16, true, SchedulingPolicy.FCFS), 64, 4, false, V, false);
    h.submit("a", prompt(1, 6, V), 10);
    h.step(); // prefill a
    h.submit("b", prompt(2, 40, V), 2);
    SchedulerOutput out = h.step();
    assertThat(out.chunks()).extracting(c -> c.request().requestId() + ":" + c.numTokens()).containsExactly("a:1", "b:15");
    assertThat(out.numScheduledTokens()).isEqualTo(16);
  }

  @Test
  void schedule_withoutChunkedPrefill_defersAPromptLargerThanTheRemainingBudget() {
    SchedulerHarness h = new SchedulerHarness(config(4, 32, false, SchedulingPolicy.FCFS), 64, 4, false, V, false);
    h.submit("a", prompt(1, 20, V), 5);
    h.submit("b", prompt(2, 20, V), 5);
    SchedulerOutput first = h.step();
    assertThat(first.chunks()).extracting(c -> c.request().requestId()).containsExactly("a");
    SchedulerOutput second = h.step();
    assertThat(second.chunks()).extracting(c -> c.request().requestId() + ":" + c.numTokens()).containsExactly("a:1", "b:20");
  }

  @Test
  void schedule_whenBlocksRunOut_preemptsLatestAdmittedAndItLaterFinishesWithIdenticalOutput() {
    // 6 blocks of 4 slots; two requests growing to 4 blocks each cannot both fit.
    SchedulerHarness h = new SchedulerHarness(config(4, 64, true, SchedulingPolicy.FCFS), 6, 4, false, V, false);
    int[] pa = prompt(1, 7, V);
    int[] pb = prompt(2, 7, V);
    h.submit("a", pa, 9);
    h.submit("b", pb, 9);
    boolean sawPreemption = false;
    while (h.scheduler.hasUnfinishedRequests()) {
      SchedulerOutput out = h.step();
      if (!out.preempted().isEmpty()) {
        sawPreemption = true;
        assertThat(out.preempted()).extracting(Request::requestId).containsExactly("b");
        // Back at the front of the waiting queue, its blocks gone.
        assertThat(h.scheduler.request("b").status()).isEqualTo(RequestStatus.PREEMPTED);
        assertThat(h.scheduler.kvCacheManager().numBlocks("b")).isZero();
      }
    }
    assertThat(sawPreemption).isTrue();
    assertThat(h.scheduler.numPreemptions()).isGreaterThanOrEqualTo(1);
    assertThat(h.outputs.get("a")).containsExactly(h.reference(pa, 9));
    assertThat(h.outputs.get("b")).containsExactly(h.reference(pb, 9));
    assertThat(h.scheduler.kvCacheManager().pool().numFreeBlocks()).isEqualTo(6);
  }

  @Test
  void schedule_preemptedRequestIsReadmittedBeforeLaterArrivals() {
    SchedulerHarness h = new SchedulerHarness(config(4, 64, true, SchedulingPolicy.FCFS), 6, 4, false, V, false);
    h.submit("a", prompt(1, 7, V), 9);
    h.submit("b", prompt(2, 7, V), 9);
    while (h.step().preempted().isEmpty()) {
      // run until b is preempted
    }
    h.submit("c", prompt(3, 2, V), 1);
    // The first admission after the preemption must be b, ahead of c.
    for (int s = 0; s < 50; s++) {
      SchedulerOutput out = h.step();
      List<String> admitted = out.chunks().stream().map(ch -> ch.request().requestId()).filter(id -> !id.equals("a")).toList();
      if (!admitted.isEmpty()) {
        assertThat(admitted.get(0)).isEqualTo("b");
        break;
      }
    }
  }

  @Test
  void priority_admitsMostUrgentFirstRegardlessOfArrival() {
    SchedulerHarness h = new SchedulerHarness(config(1, 64, true, SchedulingPolicy.PRIORITY), 64, 4, false, V, false);
    h.submit("low", prompt(1, 3, V), 1, 5);
    h.submit("high", prompt(2, 3, V), 1, -1);
    h.submit("mid", prompt(3, 3, V), 1, 0);
    assertThat(h.step().chunks().get(0).request().requestId()).isEqualTo("high");
    assertThat(h.step().chunks().get(0).request().requestId()).isEqualTo("mid");
    assertThat(h.step().chunks().get(0).request().requestId()).isEqualTo("low");
  }

  @Test
  void priority_preemptsTheLeastUrgentRunningRequest() {
    SchedulerHarness h = new SchedulerHarness(config(4, 64, true, SchedulingPolicy.PRIORITY), 7, 4, false, V, false);
    h.submit("urgent", prompt(1, 7, V), 12, 0);
    h.submit("lazy", prompt(2, 7, V), 12, 9);
    h.step();
    h.submit("normal", prompt(3, 3, V), 12, 5);
    Request firstVictim = null;
    while (h.scheduler.hasUnfinishedRequests()) {
      SchedulerOutput out = h.step();
      if (!out.preempted().isEmpty() && firstVictim == null) {
        firstVictim = out.preempted().get(0);
      }
    }
    assertThat(firstVictim).isNotNull();
    assertThat(firstVictim.requestId()).isEqualTo("lazy");
    assertThat(h.outputs.get("lazy")).containsExactly(h.reference(prompt(2, 7, V), 12));
  }

  @Test
  void finishRequest_abortOfRunningRequest_freesItsBlocks() {
    SchedulerHarness h = new SchedulerHarness(config(4, 64, true, SchedulingPolicy.FCFS), 16, 4, false, V, false);
    h.submit("a", prompt(1, 9, V), 20);
    h.step();
    assertThat(h.scheduler.kvCacheManager().pool().numFreeBlocks()).isEqualTo(13);
    assertThat(h.scheduler.finishRequest("a", RequestStatus.FINISHED_ABORTED)).isTrue();
    assertThat(h.scheduler.kvCacheManager().pool().numFreeBlocks()).isEqualTo(16);
    assertThat(h.scheduler.numRunning()).isZero();
    assertThat(h.scheduler.finishRequest("a", RequestStatus.FINISHED_ABORTED)).isFalse();
  }

  @Test
  void finishRequest_abortOfWaitingRequest_removesItFromTheQueue() {
    SchedulerHarness h = new SchedulerHarness(config(1, 64, true, SchedulingPolicy.FCFS), 16, 4, false, V, false);
    h.submit("a", prompt(1, 3, V), 5);
    h.submit("b", prompt(2, 3, V), 5);
    h.step();
    assertThat(h.scheduler.finishRequest("b", RequestStatus.FINISHED_ABORTED)).isTrue();
    assertThat(h.scheduler.numWaiting()).isZero();
    h.runToCompletion(20);
    assertThat(h.finished).containsOnlyKeys("a");
  }

  @Test
  void prefixCaching_secondRequestWithSharedPrefixReusesBlocksAndMatchesReference() {
    SchedulerHarness h = new SchedulerHarness(config(4, 64, true, SchedulingPolicy.FCFS), 32, 4, true, V, false);
    int[] shared = prompt(7, 13, V);
    int[] second = java.util.Arrays.copyOf(shared, 17);
    second[13] = 5; second[14] = 6; second[15] = 7; second[16] = 8;
    h.submit("first", shared, 4);
    h.runToCompletion(20);
    Request r = h.submit("second", second, 4);
    h.runToCompletion(20);
    assertThat(r.numCachedTokens()).isEqualTo(12);
    assertThat(h.scheduler.kvCacheManager().prefixCacheHits()).isEqualTo(12);
    assertThat(h.steps.get(h.steps.size() - 4).chunks().get(0).numTokens()).isEqualTo(5);
    assertThat(h.outputs.get("second")).containsExactly(h.reference(second, 4));
  }

  @Test
  void addRequest_whenPromptReachesMaxModelLen_rejectsNamingBothNumbers() {
    Scheduler s = new SchedulerHarness(new SchedulerConfig(4, 64, 32, true, SchedulingPolicy.FCFS), 64, 4, false, V, false).scheduler;
    assertThatThrownBy(() -> s.addRequest(new Request("x", new int[32], 1, 0, 0, null)))
        .hasMessageContaining("32 tokens but maxModelLen is 32");
  }

  @Test
  void addRequest_whenRequestCouldNeverFitTheCache_rejects() {
    Scheduler s = new SchedulerHarness(config(4, 64, true, SchedulingPolicy.FCFS), 4, 4, false, V, false).scheduler;
    assertThatThrownBy(() -> s.addRequest(new Request("x", new int[10], 10, 0, 0, null)))
        .hasMessageContaining("may reach 20 tokens (5 blocks of 4) but the KV cache has only 4 blocks");
  }

  @Test
  void addRequest_whenIdIsTaken_rejects() {
    SchedulerHarness h = new SchedulerHarness(config(4, 64, true, SchedulingPolicy.FCFS), 16, 4, false, V, false);
    h.submit("dup", prompt(1, 3, V), 1);
    assertThatThrownBy(() -> h.submit("dup", prompt(1, 3, V), 1)).hasMessageContaining("'dup' is already in use");
  }

  @Test
  void config_withoutChunkedPrefillAndSmallBudget_explainsTheFix() {
    assertThatThrownBy(() -> new SchedulerConfig(4, 512, 2048, false, SchedulingPolicy.FCFS))
        .hasMessageContaining("enable chunked prefill or raise maxNumBatchedTokens to at least 2048");
  }
}
