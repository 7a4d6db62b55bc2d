package dev.gantry.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.engine.backend.ForwardBatch;
import dev.gantry.engine.backend.SequenceChunk;
import org.junit.jupiter.api.Test;

class BatchLayoutTest {
  @Test
  void of_flattensTokensPositionsSlotsAndPadsBlockTablesToOneStride() {
    ForwardBatch batch = ForwardBatch.of(
        new SequenceChunk(new int[] {5, 6, 7}, 3, new int[] {9, 2, 77}, true), // positions 3..5: blocks 9, 2 of 4
        new SequenceChunk(new int[] {8}, 0, new int[] {4}, false),
        new SequenceChunk(new int[] {1, 2}, 8, new int[] {0, 1, 3}, true)); // positions 8, 9: block 3
    BatchLayout l = BatchLayout.of(batch, 4);
    assertThat(l.tokens()).containsExactly(5, 6, 7, 8, 1, 2);
    assertThat(l.positions()).containsExactly(3, 4, 5, 0, 8, 9);
    assertThat(l.seqOf()).containsExactly(0, 0, 0, 1, 2, 2);
    assertThat(l.slots()).containsExactly(9 * 4 + 3, 2 * 4, 2 * 4 + 1, 4 * 4, 3 * 4, 3 * 4 + 1);
    assertThat(l.maxBlocksPerSeq()).isEqualTo(3);
    // Only the blocks a sequence needs are copied (77 lies past sequence 0's end); the rest is zero padding.
    assertThat(l.blockTables()).containsExactly(9, 2, 0, 4, 0, 0, 0, 1, 3);
    assertThat(l.logitRows()).containsExactly(2, 5);
    assertThat(l.logitPositions()).containsExactly(5, 9);
    assertThat(l.logitSeqOf()).containsExactly(0, 2);
    assertThat(l.numSequences()).isEqualTo(3);
  }

  @Test
  void of_whenNoChunkWantsLogits_hasNoLogitRows() {
    BatchLayout l = BatchLayout.of(ForwardBatch.of(new SequenceChunk(new int[] {1, 2}, 0, new int[] {0}, false)), 16);
    assertThat(l.logitRows()).isEmpty();
    assertThat(l.blockTables()).containsExactly(0);
  }

  @Test
  void validate_namesTheSequenceAndTheBadBlock() {
    SequenceChunk c = new SequenceChunk(new int[] {1, 2}, 3, new int[] {0, 12}, true);
    assertThatThrownBy(() -> c.validate(4, 100, 4, 10))
        .hasMessageContaining("sequence 4: block table entry 1 = 12 is outside the KV cache of 10 blocks");
    assertThatThrownBy(() -> c.validate(0, 2, 4, 100)).hasMessageContaining("token id 2 is outside the vocabulary (size 2)");
    assertThatThrownBy(() -> c.validate(0, 100, 2, 100)).hasMessageContaining("need 3 blocks of 2 but the block table has 2");
  }
}
