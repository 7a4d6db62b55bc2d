package dev.gantry.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What cuLaunchKernel will read: entry i of {@link KernelArgs#pointers()} is the address of
 * argument i, whose bytes are the value in the width the kernel declares. Runs on the CPU with
 * JavaCPP's natives (a test dependency for linux-x86_64); skipped on other platforms.
 */
class KernelArgsTest {
  @BeforeEach
  void requireJavaCppNatives() {
    String missing = null;
    try (BytePointer probe = new BytePointer(1)) {
      probe.put((byte) 1);
    } catch (RuntimeException | LinkageError e) { // "No native JavaCPP library in memory" / UnsatisfiedLinkError
      missing = e.toString();
    }
    assumeThat(missing).as("JavaCPP natives for %s are not on the class path", Loader.getPlatform()).isNull();
  }

  @Test
  void pointers_addressEachArgumentInItsDeclaredWidth_inOrder() {
    try (KernelArgs args = new KernelArgs()) {
      args.reset().ptr(0x7f00_1234_5678L).i32(-7).f32(0.125f).i64(1L << 40).f64(Math.PI);
      assertThat(args.count()).isEqualTo(5);
      assertThat(slot(args, 0).getLong(0)).isEqualTo(0x7f00_1234_5678L);
      assertThat(slot(args, 1).getInt(0)).isEqualTo(-7);
      assertThat(slot(args, 2).getFloat(0)).isEqualTo(0.125f);
      assertThat(slot(args, 3).getLong(0)).isEqualTo(1L << 40);
      assertThat(slot(args, 4).getDouble(0)).isEqualTo(Math.PI);
      // Slots are 8 bytes apart, so a 4-byte int never overlaps its neighbour.
      assertThat(args.pointers().get(1).address() - args.pointers().get(0).address()).isEqualTo(8);

      args.reset().i32(3);
      assertThat(args.count()).isEqualTo(1);
      assertThat(slot(args, 0).getInt(0)).isEqualTo(3);
    }
  }

  @Test
  void i32_pastTheLastSlot_fails() {
    try (KernelArgs args = new KernelArgs()) {
      args.reset();
      for (int i = 0; i < KernelArgs.MAX_ARGS; i++) {
        args.i32(i);
      }
      assertThatThrownBy(() -> args.i32(99)).hasMessageContaining("more than 16 kernel arguments");
    }
  }

  /** The memory entry i of the pointer array points at, read as raw bytes. */
  private static BytePointer slot(KernelArgs args, int i) {
    Pointer p = args.pointers().get(i);
    return new BytePointer(p).capacity(8).limit(8);
  }
}
