package dev.gantry.stacks.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Builds the small inputs image tests need: a Docker-format base tar, jars; reads tars back. */
final class TestTars {
  static final ObjectMapper JSON = new ObjectMapper();

  private TestTars() {}

  /**
   * A {@code docker save}-format base image: manifest.json, a config json and one
   * uncompressed layer holding {@code /etc/os-release}, as a JRE base would look minus the JRE.
   */
  static Path baseImageTar(Path dir) throws IOException {
    byte[] layer = tar(Map.of("etc/os-release", "NAME=\"gantry test base\"\n".getBytes(StandardCharsets.UTF_8)));
    String diffId = "sha256:" + sha256(layer);
    String config = """
        {"architecture":"amd64","os":"linux",
         "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8"]},
         "rootfs":{"type":"layers","diff_ids":["%s"]}}""".formatted(diffId);
    String manifest = """
        [{"Config":"config.json","RepoTags":["gantry-test/base:1"],"Layers":["layer.tar"]}]""";
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("manifest.json", manifest.getBytes(StandardCharsets.UTF_8));
    files.put("config.json", config.getBytes(StandardCharsets.UTF_8));
    files.put("layer.tar", layer);
    Path file = dir.resolve("base.tar");
    Files.write(file, tar(files));
    return file;
  }

  /** A jar holding one entry {@code name} with {@code content}. */
  static Path jar(Path dir, String fileName, String content) throws IOException {
    Path file = dir.resolve(fileName);
    try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out)) {
      jar.putNextEntry(new ZipEntry("content.txt"));
      jar.write(content.getBytes(StandardCharsets.UTF_8));
      jar.closeEntry();
    }
    return file;
  }

  static byte[] tar(Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      for (var e : files.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
        entry.setSize(e.getValue().length);
        entry.setModTime(0);
        tar.putArchiveEntry(entry);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  /** Every file of a tar by name. */
  static Map<String, byte[]> untar(InputStream in) throws IOException {
    Map<String, byte[]> files = new HashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        files.put(e.getName(), tar.readAllBytes());
      }
    }
    return files;
  }

  /** Entries (name → entry) of a gzipped layer tar. */
  static Map<String, TarArchiveEntry> layerEntries(byte[] gzippedLayer) throws IOException {
    Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(
        new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzippedLayer)))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        entries.put(e.getName(), e);
      }
    }
    return entries;
  }

  /** A Docker-format image tar, read back: its manifest and config. */
  record ImageTar(Map<String, byte[]> files, JsonNode manifest, JsonNode config) {
    static ImageTar read(Path file) throws IOException {
      Map<String, byte[]> files;
      try (InputStream in = Files.newInputStream(file)) {
        files = untar(in);
      }
      JsonNode manifest = JSON.readTree(files.get("manifest.json")).get(0);
      JsonNode config = JSON.readTree(files.get(manifest.get("Config").asText()));
      return new ImageTar(files, manifest, config);
    }

    byte[] layer(int index) {
      return files.get(manifest.get("Layers").get(index).asText());
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
