package dev.gantry.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A BPE tokenizer as Hugging Face tokenizers runs it for Llama-family models: added/special
 * tokens are matched first, then the text is normalized, split by the pre-tokenizer regexes and
 * each piece is merged by rank. Byte-level vocabularies (GPT-2, Llama 3, Qwen2) and
 * SentencePiece-style ones with byte fallback (Llama 2, Mistral) are both supported.
 *
 * <p>Built by {@link #fromHfDirectory(Path)} (tokenizer.json + tokenizer_config.json +
 * generation_config.json) or {@link #fromGguf(Map)}. Immutable and thread-safe: the only shared
 * mutable state is a bounded cache of encoded pieces. Decoding works on the raw bytes of each
 * token; {@link #newDetokenizer(boolean)} streams text without ever splitting a character.
 */
public final class Tokenizer {
  private static final int CACHE_LIMIT = 50_000;
  private static final int CACHEABLE_PIECE_CHARS = 64;

  /** How pieces become initial symbols before merging. */
  enum Alphabet {
    /** Each UTF-8 byte is one symbol via GPT-2's byte-to-unicode table. */
    BYTE_LEVEL,
    /** Each code point is one symbol; unknown ones fall back to {@code <0xXX>} byte tokens. */
    CHARACTER
  }

  /** Everything a loader has parsed; validated there with file-specific messages. */
  record Spec(
      String source,
      Alphabet alphabet,
      String[] tokens,
      BpeMerges merges,
      List<AddedToken> addedTokens,
      TextNormalizer normalizer,
      List<PieceSplitter> splitters,
      boolean addPrefixSpace,
      boolean ignoreMerges,
      boolean byteFallback,
      int unkId,
      boolean stripLeadingSpace,
      int[] prefixIds,
      int[] suffixIds,
      String bosToken,
      String eosToken,
      List<Integer> extraEosIds,
      String chatTemplate) {}

  private final String source;
  private final Alphabet alphabet;
  private final String[] tokens;
  private final byte[][] tokenBytes;
  private final boolean[] special;
  private final Map<String, Integer> ids;
  private final BpeMerges merges;
  private final AddedTokenMatcher addedTokens;
  private final TextNormalizer normalizer;
  private final List<PieceSplitter> splitters;
  private final boolean addPrefixSpace;
  private final boolean ignoreMerges;
  private final boolean byteFallback;
  private final int unkId;
  private final boolean stripLeadingSpace;
  private final int[] prefixIds;
  private final int[] suffixIds;
  private final int[] byteToId;
  private final int[] byteFallbackIds;
  private final Integer bosId;
  private final String bosToken;
  private final String eosToken;
  private final List<Integer> eosIds;
  private final ChatTemplate chatTemplate;
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  Tokenizer(Spec spec) {
    this.source = spec.source();
    this.alphabet = spec.alphabet();
    this.tokens = spec.tokens().clone();
    this.merges = spec.merges();
    this.normalizer = spec.normalizer();
    this.splitters = List.copyOf(spec.splitters());
    this.addPrefixSpace = spec.addPrefixSpace();
    this.ignoreMerges = spec.ignoreMerges();
    this.byteFallback = spec.byteFallback();
    this.unkId = spec.unkId();
    this.stripLeadingSpace = spec.stripLeadingSpace();
    this.prefixIds = spec.prefixIds().clone();
    this.suffixIds = spec.suffixIds().clone();
    this.special = new boolean[tokens.length];
    this.ids = new HashMap<>(tokens.length * 2);
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] != null) {
        ids.putIfAbsent(tokens[i], i);
      }
    }
    for (AddedToken t : spec.addedTokens()) {
      special[t.id()] = t.special();
      ids.put(t.content(), t.id());
    }
    this.addedTokens = new AddedTokenMatcher(spec.addedTokens());
    this.tokenBytes = new byte[tokens.length][];
    for (int i = 0; i < tokens.length; i++) {
      tokenBytes[i] = tokens[i] == null ? new byte[0] : bytesOf(tokens[i]);
    }
    for (AddedToken t : spec.addedTokens()) {
      tokenBytes[t.id()] = t.content().getBytes(StandardCharsets.UTF_8);
    }
    this.byteToId = new int[256];
    this.byteFallbackIds = new int[256];
    for (int b = 0; b < 256; b++) {
      byteToId[b] = alphabet == Alphabet.BYTE_LEVEL
          ? ids.getOrDefault(String.valueOf((char) ByteLevel.BYTE_TO_CHAR[b]), -1) : -1;
      byteFallbackIds[b] = ids.getOrDefault(String.format("<0x%02X>", b), -1);
    }
    if (alphabet == Alphabet.BYTE_LEVEL) {
      for (int b = 0; b < 256; b++) {
        if (byteToId[b] < 0) {
          throw new TokenizerException(source + ": the byte-level vocabulary has no token for byte 0x"
              + String.format("%02X", b) + " ('" + (char) ByteLevel.BYTE_TO_CHAR[b]
              + "'); a byte-level BPE vocabulary must contain all 256 byte symbols");
        }
      }
    }
    this.bosToken = spec.bosToken();
    this.eosToken = spec.eosToken();
    this.bosId = spec.bosToken() == null ? null : requireId(spec.bosToken(), "bos_token");
    List<Integer> eos = new ArrayList<>();
    if (spec.eosToken() != null) {
      eos.add(requireId(spec.eosToken(), "eos_token"));
    }
    for (int id : spec.extraEosIds()) {
      if (id < 0 || id >= tokens.length) {
        throw new TokenizerException(source + ": eos_token_id " + id + " is outside the vocabulary [0, "
            + tokens.length + ")");
      }
      if (!eos.contains(id)) {
        eos.add(id);
      }
    }
    this.eosIds = List.copyOf(eos);
    this.chatTemplate = spec.chatTemplate() == null
        ? null : ChatTemplate.of(spec.chatTemplate(), spec.bosToken(), spec.eosToken());
  }

  private int requireId(String token, String field) {
    Integer id = ids.get(token);
    if (id == null) {
      throw new TokenizerException(source + ": " + field + " '" + token
          + "' is not a token of the vocabulary; fix " + field + " in tokenizer_config.json");
    }
    return id;
  }

  private byte[] bytesOf(String token) {
    if (alphabet == Alphabet.BYTE_LEVEL) {
      byte[] b = ByteLevel.decode(token);
      return b != null ? b : token.getBytes(StandardCharsets.UTF_8);
    }
    if (token.length() == 6 && token.startsWith("<0x") && token.endsWith(">")) {
      try {
        return new byte[] {(byte) Integer.parseInt(token.substring(3, 5), 16)};
      } catch (NumberFormatException e) {
        // an ordinary token that merely looks like a byte token
      }
    }
    return token.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
  }

  /** Loads tokenizer.json, and tokenizer_config.json / generation_config.json when present. */
  public static Tokenizer fromHfDirectory(Path directory) {
    return HfTokenizerLoader.load(directory);
  }

  /**
   * Builds the tokenizer embedded in a GGUF file's metadata ({@code tokenizer.ggml.*}); values
   * may be Lists or arrays as a GGUF reader produces them.
   */
  public static Tokenizer fromGguf(Map<String, ?> metadata) {
    return GgufTokenizerLoader.load(metadata);
  }

  /** Where this tokenizer was loaded from, for messages. */
  public String source() {
    return source;
  }

  /** Number of token ids (the vocabulary including added tokens). */
  public int vocabSize() {
    return tokens.length;
  }

  /** Encodes with the model's special tokens (e.g. BOS) added, like HF {@code encode(text)}. */
  public int[] encode(String text) {
    return encode(text, true);
  }

  /**
   * Encodes text. Added tokens written in the text (e.g. "<|im_start|>") are always recognised,
   * as in HF tokenizers; {@code addSpecialTokens} only controls the post-processor's BOS/EOS.
   * Prompts rendered by a chat template already contain BOS: encode them with {@code false}.
   */
  public int[] encode(String text, boolean addSpecialTokens) {
    Objects.requireNonNull(text, "text");
    IntList out = new IntList(text.length() / 3 + 4);
    if (addSpecialTokens) {
      out.addAll(prefixIds);
    }
    int start = 0;
    for (AddedTokenMatcher.Match m = addedTokens.find(text, 0); m != null; m = addedTokens.find(text, m.end())) {
      encodeOrdinary(text.substring(start, m.segmentEnd()), start == 0, out);
      out.add(m.token().id());
      start = m.end();
    }
    encodeOrdinary(text.substring(start), start == 0, out);
    if (addSpecialTokens) {
      out.addAll(suffixIds);
    }
    return out.toArray();
  }

  private void encodeOrdinary(String text, boolean first, IntList out) {
    if (text.isEmpty()) {
      return;
    }
    for (String piece : preTokenize(text, first)) {
      encodePiece(piece, out);
    }
  }

  /** Normalizes and splits text without added tokens into the pieces BPE merges within. */
  List<String> preTokenize(String text) {
    return preTokenize(text, true);
  }

  private List<String> preTokenize(String text, boolean first) {
    String s = normalizer.apply(text, first);
    if (addPrefixSpace && !s.startsWith(" ")) {
      s = " " + s;
    }
    List<String> pieces = List.of(s);
    for (PieceSplitter splitter : splitters) {
      List<String> next = new ArrayList<>(pieces.size() * 8 + 4);
      for (String piece : pieces) {
        splitter.split(piece, next);
      }
      pieces = next;
    }
    return pieces;
  }

  private void encodePiece(String piece, IntList out) {
    if (piece.length() > CACHEABLE_PIECE_CHARS) {
      out.addAll(bpe(piece));
      return;
    }
    int[] cached = cache.get(piece);
    if (cached == null) {
      cached = bpe(piece);
      if (cache.size() >= CACHE_LIMIT) {
        cache.clear(); // crude bound; pieces are short so refilling is cheap
      }
      cache.put(piece, cached);
    }
    out.addAll(cached);
  }

  private int[] bpe(String piece) {
    if (alphabet == Alphabet.BYTE_LEVEL) {
      byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
      if (ignoreMerges) {
        Integer whole = ids.get(ByteLevel.encode(bytes));
        if (whole != null) {
          return new int[] {whole};
        }
      }
      int[] symbols = new int[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        symbols[i] = byteToId[bytes[i] & 0xFF];
      }
      return merges.merge(symbols);
    }
    IntList symbols = new IntList(piece.length());
    for (int i = 0; i < piece.length(); ) {
      int cp = piece.codePointAt(i);
      int n = Character.charCount(cp);
      Integer id = ids.get(piece.substring(i, i + n));
      if (id != null) {
        symbols.add(id);
      } else if (byteFallback) {
        for (byte b : piece.substring(i, i + n).getBytes(StandardCharsets.UTF_8)) {
          int fb = byteFallbackIds[b & 0xFF];
          symbols.add(fb >= 0 ? fb : unkId);
        }
      } else if (unkId >= 0) {
        symbols.add(unkId);
      } else {
        throw new IllegalArgumentException("text contains '" + piece.substring(i, i + n)
            + "' which tokenizer " + source + " cannot represent (no byte fallback and no unk token)");
      }
      i += n;
    }
    return merges.merge(symbols.toArray());
  }

  /** Decodes ids to text, keeping special tokens' text (HF {@code skip_special_tokens=False}). */
  public String decode(int[] tokenIds) {
    return decode(tokenIds, false);
  }

  /** Decodes ids; invalid UTF-8 (e.g. a cut multi-byte character) becomes U+FFFD. */
  public String decode(int[] tokenIds, boolean skipSpecialTokens) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(tokenIds.length * 4);
    for (int id : tokenIds) {
      if (!skipSpecialTokens || !isSpecial(id)) {
        bytes.writeBytes(tokenBytes(id));
      }
    }
    byte[] b = bytes.toByteArray();
    int from = stripLeadingSpace && b.length > 0 && b[0] == ' ' ? 1 : 0;
    return new String(b, from, b.length - from, StandardCharsets.UTF_8);
  }

  public String decode(List<Integer> tokenIds) {
    return decode(tokenIds, false);
  }

  public String decode(List<Integer> tokenIds, boolean skipSpecialTokens) {
    return decode(tokenIds.stream().mapToInt(Integer::intValue).toArray(), skipSpecialTokens);
  }

  /** A streaming decoder for one sequence; see {@link IncrementalDetokenizer}. */
  public IncrementalDetokenizer newDetokenizer(boolean skipSpecialTokens) {
    return new IncrementalDetokenizer(this, skipSpecialTokens);
  }

  /** The raw bytes token {@code id} stands for (its text for added tokens). */
  public byte[] tokenBytes(int id) {
    checkId(id);
    return tokenBytes[id].clone();
  }

  /** Internal no-copy access for the detokenizer. */
  byte[] tokenBytesUnsafe(int id) {
    checkId(id);
    return tokenBytes[id];
  }

  boolean stripsLeadingSpace() {
    return stripLeadingSpace;
  }

  private void checkId(int id) {
    if (id < 0 || id >= tokens.length) {
      throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + tokens.length
          + ") of " + source);
    }
  }

  /** The vocabulary string of a token (byte-level form for ordinary tokens), or null for a hole. */
  public String token(int id) {
    checkId(id);
    return tokens[id];
  }

  /** The id of a vocabulary string or added token. */
  public OptionalInt tokenId(String token) {
    Integer id = ids.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** Whether the token is an added token marked special (skipped by skip_special_tokens). */
  public boolean isSpecial(int id) {
    checkId(id);
    return special[id];
  }

  public OptionalInt bosTokenId() {
    return bosId == null ? OptionalInt.empty() : OptionalInt.of(bosId);
  }

  public Optional<String> bosToken() {
    return Optional.ofNullable(bosToken);
  }

  public Optional<String> eosToken() {
    return Optional.ofNullable(eosToken);
  }

  /** eos_token of tokenizer_config.json plus generation_config.json's eos_token_id(s). */
  public List<Integer> eosTokenIds() {
    return eosIds;
  }

  /** Ids of all added tokens marked special, ascending. */
  public List<Integer> specialTokenIds() {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < special.length; i++) {
      if (special[i]) {
        out.add(i);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** The chat template of tokenizer_config.json (or GGUF tokenizer.chat_template), if any. */
  public Optional<ChatTemplate> chatTemplate() {
    return Optional.ofNullable(chatTemplate);
  }

  @Override
  public String toString() {
    return "Tokenizer[" + source + ", vocab=" + tokens.length + ", merges=" + merges.size() + "]";
  }

  /** Growable int array; avoids boxing on the encode path. */
  static final class IntList {
    private int[] a;
    private int size;

    IntList(int capacity) {
      a = new int[Math.max(4, capacity)];
    }

    void add(int v) {
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      a[size++] = v;
    }

    void addAll(int[] vs) {
      if (size + vs.length > a.length) {
        a = Arrays.copyOf(a, Math.max(a.length * 2, size + vs.length));
      }
      System.arraycopy(vs, 0, a, size, vs.length);
      size += vs.length;
    }

    int[] toArray() {
      return Arrays.copyOf(a, size);
    }
  }
}
