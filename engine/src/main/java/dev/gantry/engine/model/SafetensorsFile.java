package dev.gantry.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code .safetensors} file, its tensors memory-mapped.
 * <pre>
 *   | u64 LE n | n bytes JSON header {"name": {"dtype","shape","data_offsets":[b,e]}, "__metadata__": ..} | data |
 * </pre>
 * {@code data_offsets} count from the first data byte ({@code 8 + n}).
 */
final class SafetensorsFile {
  /** Headers above this are rejected as corrupt before any allocation (real ones are a few MB). */
  private static final long MAX_HEADER_BYTES = 100L << 20;

  private SafetensorsFile() {}

  static Map<String, WeightTensor> read(Path file, ObjectMapper json) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new ModelLoadException(file, "not a safetensors file: " + size + " bytes, shorter than the 8-byte header length");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long headerLen = lenBuf.getLong(0);
      if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
        throw new ModelLoadException(file, "corrupt safetensors header: declared header length " + headerLen
            + " does not fit a file of " + size + " bytes");
      }
      ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
      readFully(ch, headerBuf, 8);
      JsonNode header;
      try {
        header = json.readTree(headerBuf.array());
      } catch (IOException e) {
        throw new ModelLoadException(file, "corrupt safetensors header: not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
      }
      if (header == null || !header.isObject()) {
        throw new ModelLoadException(file, "corrupt safetensors header: expected a JSON object");
      }
      long dataStart = 8 + headerLen;
      Map<String, WeightTensor> tensors = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          continue;
        }
        tensors.put(e.getKey(), tensor(file, ch, size, dataStart, e.getKey(), e.getValue()));
      }
      return tensors;
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(file, "file not found");
    } catch (IOException e) {
      throw new ModelLoadException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  private static WeightTensor tensor(Path file, FileChannel ch, long size, long dataStart, String name, JsonNode info)
      throws IOException {
    String dtypeName = info.path("dtype").asText("");
    DType dtype = DType.fromSafetensors(dtypeName);
    if (dtype == null) {
      throw new ModelLoadException(file, "tensor '" + name + "' has dtype '" + dtypeName
          + "'; supported: F32, F16, BF16 (quantize to GGUF Q8_0/Q4_0 for 8/4-bit)");
    }
    JsonNode shape = info.path("shape");
    JsonNode offsets = info.path("data_offsets");
    if (!shape.isArray() || !offsets.isArray() || offsets.size() != 2) {
      throw new ModelLoadException(file, "corrupt safetensors header: tensor '" + name + "' lacks shape or data_offsets");
    }
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = shape.get(i).asLong(-1);
      if (dims[i] < 0) {
        throw new ModelLoadException(file, "corrupt safetensors header: tensor '" + name + "' has shape " + shape);
      }
    }
    if (dims.length > 2) {
      throw new ModelLoadException(file, "tensor '" + name + "' has " + dims.length + " dimensions " + shape
          + "; only vectors and matrices are supported");
    }
    long rows = dims.length == 2 ? dims[0] : 1;
    long cols = dims.length == 0 ? 1 : dims[dims.length - 1];
    long begin = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    if (rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
      throw new ModelLoadException(file, "tensor '" + name + "' shape " + shape + " is too large");
    }
    long expected = dtype.bytesFor(rows * cols);
    if (begin < 0 || end - begin != expected) {
      throw new ModelLoadException(file, "tensor '" + name + "' of shape " + shape + " " + dtypeName + " needs "
          + expected + " bytes but data_offsets " + offsets + " span " + (end - begin));
    }
    return TensorMapper.map(ch, file, size, name, dtype, (int) rows, (int) cols, dataStart + begin);
  }

  private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
    while (dst.hasRemaining()) {
      int n = ch.read(dst, position + dst.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }
}
