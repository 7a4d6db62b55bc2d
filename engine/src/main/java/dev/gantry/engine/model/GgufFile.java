package dev.gantry.engine.model;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF (version 2 or 3) file: metadata key/values and tensors, memory-mapped.
 * <pre>
 *   "GGUF" | u32 version | u64 tensorCount | u64 kvCount
 *   kvCount x  (string key | u32 valueType | value)
 *   tensorCount x (string name | u32 nDims | nDims x u64 ne | u32 ggmlType | u64 offset)
 *   padding to general.alignment (default 32)
 *   tensor data (each tensor at dataStart + offset; ne[0] is the contiguous dimension)
 * </pre>
 * Strings are u64 length + UTF-8 bytes. A tensor with {@code ne = [cols, rows]} is our
 * {@code (rows, cols)} matrix.
 */
final class GgufFile {
  private static final int MAGIC = 0x46554747; // "GGUF" read little-endian
  private static final long MAX_STRING_BYTES = 1L << 24;

  record TensorInfo(String name, long[] ne, int ggmlType, long offset) {}

  final Map<String, Object> metadata;
  final Map<String, WeightTensor> tensors;

  private GgufFile(Map<String, Object> metadata, Map<String, WeightTensor> tensors) {
    this.metadata = metadata;
    this.tensors = tensors;
  }

  static GgufFile read(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      Reader in = new Reader(ch, size);
      int magic = in.i32();
      if (magic != MAGIC) {
        throw new ModelLoadException(file, "not a GGUF file: magic 0x" + Integer.toHexString(magic) + " instead of \"GGUF\"");
      }
      int version = in.i32();
      if (version != 2 && version != 3) {
        throw new ModelLoadException(file, "GGUF version " + version + " is not supported; supported: 2, 3");
      }
      long tensorCount = in.i64();
      long kvCount = in.i64();
      if (tensorCount < 0 || tensorCount > 1_000_000 || kvCount < 0 || kvCount > 1_000_000) {
        throw new ModelLoadException(file, "corrupt GGUF header: " + tensorCount + " tensors, " + kvCount + " key/values");
      }
      Map<String, Object> metadata = new LinkedHashMap<>();
      for (long i = 0; i < kvCount; i++) {
        String key = in.string();
        metadata.put(key, in.value(in.i32()));
      }
      List<TensorInfo> infos = new ArrayList<>();
      for (long i = 0; i < tensorCount; i++) {
        String name = in.string();
        int nDims = in.i32();
        if (nDims < 1 || nDims > 4) {
          throw new ModelLoadException(file, "corrupt GGUF tensor info: '" + name + "' has " + nDims + " dimensions");
        }
        long[] ne = new long[nDims];
        for (int d = 0; d < nDims; d++) {
          ne[d] = in.i64();
        }
        infos.add(new TensorInfo(name, ne, in.i32(), in.i64()));
      }
      long alignment = metadata.get("general.alignment") instanceof Number n ? n.longValue() : 32;
      if (alignment <= 0 || Long.bitCount(alignment) != 1) {
        throw new ModelLoadException(file, "general.alignment must be a power of two, got " + alignment);
      }
      long dataStart = (in.position() + alignment - 1) / alignment * alignment;
      Map<String, WeightTensor> tensors = new LinkedHashMap<>();
      for (TensorInfo t : infos) {
        tensors.put(t.name(), map(file, ch, size, dataStart, alignment, t));
      }
      return new GgufFile(Collections.unmodifiableMap(metadata), tensors);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(file, "file not found");
    } catch (EOFException e) {
      throw new ModelLoadException(file, "corrupt or truncated GGUF header: the file ends inside the metadata");
    } catch (IOException e) {
      throw new ModelLoadException(file, "cannot read: " + e.getMessage(), e);
    } catch (CorruptHeader e) {
      throw new ModelLoadException(file, "corrupt GGUF header: " + e.getMessage());
    }
  }

  private static WeightTensor map(Path file, FileChannel ch, long size, long dataStart, long alignment, TensorInfo t)
      throws IOException {
    DType dtype = DType.fromGgml(t.ggmlType());
    if (dtype == null) {
      throw new ModelLoadException(file, "tensor '" + t.name() + "' has ggml type " + t.ggmlType()
          + "; supported: F32 (0), F16 (1), BF16 (30), Q8_0 (8), Q4_0 (2), Q4_K (12), Q6_K (14)");
    }
    if (t.offset() % alignment != 0) {
      throw new ModelLoadException(file, "tensor '" + t.name() + "' offset " + t.offset() + " is not aligned to " + alignment);
    }
    long cols = t.ne()[0];
    long rows = 1;
    for (int d = 1; d < t.ne().length; d++) {
      rows *= t.ne()[d];
    }
    if (cols <= 0 || rows <= 0 || cols > Integer.MAX_VALUE || rows > Integer.MAX_VALUE) {
      throw new ModelLoadException(file, "corrupt GGUF tensor info: '" + t.name() + "' has dimensions "
          + java.util.Arrays.toString(t.ne()));
    }
    return TensorMapper.map(ch, file, size, t.name(), dtype, (int) rows, (int) cols, dataStart + t.offset());
  }

  /** Signals an impossible value inside the header (turned into a ModelLoadException naming the file). */
  private static final class CorruptHeader extends RuntimeException {
    CorruptHeader(String message) {
      super(message);
    }
  }

  /** Little-endian reads over a FileChannel through a 64 KiB window. */
  private static final class Reader {
    private final FileChannel ch;
    private final long size;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long bufStart;

    Reader(FileChannel ch, long size) {
      this.ch = ch;
      this.size = size;
      buf.limit(0);
    }

    long position() {
      return bufStart + buf.position();
    }

    private void need(int n) throws IOException {
      if (buf.remaining() >= n) {
        return;
      }
      long pos = position();
      if (pos + n > size) {
        throw new EOFException();
      }
      buf.clear();
      bufStart = pos;
      while (buf.position() < n) {
        if (ch.read(buf, bufStart + buf.position()) < 0) {
          throw new EOFException();
        }
      }
      buf.flip();
    }

    int i32() throws IOException {
      need(4);
      return buf.getInt();
    }

    long i64() throws IOException {
      need(8);
      return buf.getLong();
    }

    String string() throws IOException {
      long len = i64();
      if (len < 0 || len > MAX_STRING_BYTES) {
        throw new CorruptHeader("string of " + len + " bytes at offset " + position());
      }
      if (position() + len > size) {
        throw new EOFException();
      }
      byte[] bytes = new byte[(int) len];
      int done = 0;
      while (done < len) {
        int n = (int) Math.min(len - done, buf.capacity());
        need(n);
        buf.get(bytes, done, n);
        done += n;
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }

    Object value(int type) throws IOException {
      return switch (type) {
        case 0 -> { need(1); yield buf.get() & 0xFF; }
        case 1 -> { need(1); yield (int) buf.get(); }
        case 2 -> { need(2); yield buf.getShort() & 0xFFFF; }
        case 3 -> { need(2); yield (int) buf.getShort(); }
        case 4, 5 -> i32();
        case 6 -> { need(4); yield buf.getFloat(); }
        case 7 -> { need(1); yield buf.get() != 0; }
        case 8 -> string();
        case 9 -> {
          int elementType = i32();
          long n = i64();
          if (n < 0 || n > size - position()) {
            throw new CorruptHeader("array of " + n + " elements at offset " + position());
          }
          List<Object> list = new ArrayList<>((int) n);
          for (long i = 0; i < n; i++) {
            list.add(value(elementType));
          }
          yield Collections.unmodifiableList(list);
        }
        case 10, 11 -> i64();
        case 12 -> { need(8); yield buf.getDouble(); }
        default -> throw new CorruptHeader("unknown metadata value type " + type + " at offset " + position());
      };
    }
  }
}
