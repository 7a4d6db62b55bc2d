package dev.gantry.engine.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face chat template (tokenizer_config.json's {@code chat_template}, Jinja) rendered
 * with jinjava the way transformers' {@code apply_chat_template} renders it: trim_blocks and
 * lstrip_blocks on, variables {@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}, {@code tools} (None unless given), and the helpers HF templates call —
 * {@code raise_exception(msg)}, {@code strftime_now(fmt)}, a Python-compatible {@code tojson}
 * (json.dumps separators, {@code indent=}, non-ASCII kept), {@code items}, and Jinja2's
 * {@code is iterable} (true for strings). Jinja2 constructs jinjava parses differently are
 * rewritten first ({@link JinjaCompat}). Known difference left: a boolean printed directly
 * renders "true"/"false" (Jinja2: "True"/"False"); published templates only test booleans.
 *
 * <p>Immutable and thread-safe. The rendered prompt already contains the template's BOS; encode
 * it with {@code Tokenizer.encode(prompt, false)} as vLLM does.
 */
public final class ChatTemplate {
  private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

  private final String source;
  /** The source with Jinja2-isms jinjava reads differently rewritten; see {@link JinjaCompat}. */
  private final String compiled;
  private final String bosToken;
  private final String eosToken;
  private final Jinjava jinjava;
  /** Parsed once; jinjava nodes are read-only during rendering, so renders may share it. */
  private final Node tree;
  private final List<TemplateError> parseErrors;

  private ChatTemplate(String source, String bosToken, String eosToken) {
    this.source = source;
    this.compiled = JinjaCompat.rewrite(source);
    this.bosToken = bosToken;
    this.eosToken = eosToken;
    JinjavaConfig config = JinjavaConfig.newBuilder()
        .withTrimBlocks(true)
        .withLstripBlocks(true)
        .withLegacyOverrides(LegacyOverrides.newBuilder()
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withHandleBackslashInQuotesOnly(true)
            .withKeepNullableLoopValues(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .withDefaultKeepTrailingNewlineBehavior(true)
            .withUsePyishObjectMapper(true)
            .build())
        .build();
    this.jinjava = new Jinjava(config);
    jinjava.getGlobalContext().registerFunction(
        new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", Object.class));
    jinjava.getGlobalContext().registerFunction(
        new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
    jinjava.getGlobalContext().registerFilter(new PythonToJsonFilter());
    jinjava.getGlobalContext().registerFilter(new ItemsFilter());
    jinjava.getGlobalContext().registerExpTest(new IterableTest());
    JinjavaInterpreter parser = jinjava.newInterpreter();
    JinjavaInterpreter.pushCurrent(parser);
    try {
      this.tree = parser.parse(compiled);
      this.parseErrors = List.copyOf(parser.getErrorsCopy());
    } finally {
      JinjavaInterpreter.popCurrent();
    }
  }

  /** A template with the special-token strings it may reference (either may be null). */
  public static ChatTemplate of(String source, String bosToken, String eosToken) {
    Objects.requireNonNull(source, "source");
    return new ChatTemplate(source, bosToken, eosToken);
  }

  /** The Jinja source. */
  public String source() {
    return source;
  }

  /** Renders a plain conversation; {@code addGenerationPrompt} appends the assistant header. */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    List<Map<String, Object>> maps = new ArrayList<>(messages.size());
    for (ChatMessage m : messages) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("role", m.role());
      map.put("content", m.content());
      maps.add(map);
    }
    return render(maps, addGenerationPrompt, Map.of());
  }

  /**
   * Renders messages given as maps (OpenAI-shaped: role, content, tool_calls, ...), with extra
   * template variables (e.g. {@code tools}, {@code date_string}).
   */
  public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt,
      Map<String, ?> extraVariables) {
    Map<String, Object> bindings = new LinkedHashMap<>();
    bindings.put("tools", null);
    bindings.putAll(extraVariables);
    bindings.put("messages", messages);
    bindings.put("add_generation_prompt", addGenerationPrompt);
    bindings.put("bos_token", bosToken == null ? "" : bosToken);
    bindings.put("eos_token", eosToken == null ? "" : eosToken);
    RAISED.remove();
    String output;
    List<TemplateError> errors;
    Context context = new Context(jinjava.getGlobalContext(), bindings, jinjava.getGlobalConfig().getDisabled());
    JinjavaInterpreter interpreter = new JinjavaInterpreter(jinjava, context, jinjava.getGlobalConfig());
    JinjavaInterpreter.pushCurrent(interpreter);
    try {
      // The template is parsed once (constructor); only rendering happens per request.
      output = parseErrors.isEmpty() ? interpreter.render(tree) : "";
      errors = parseErrors.isEmpty() ? interpreter.getErrorsCopy() : parseErrors;
    } finally {
      JinjavaInterpreter.popCurrent();
      String raised = RAISED.get();
      RAISED.remove();
      if (raised != null) {
        throw new ChatTemplateException(raised, true);
      }
    }
    for (TemplateError e : errors) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new ChatTemplateException("chat template failed to render: " + e.getMessage()
            + (e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : ""), false);
      }
    }
    return output;
  }

  /** {@code raise_exception(msg)}: HF templates call it to reject a conversation. */
  public static Object raiseException(Object message) {
    String text = String.valueOf(message);
    RAISED.set(text);
    throw new IllegalArgumentException(text);
  }

  /** {@code strftime_now(fmt)} of Llama 3.2+ templates; common Python directives only. */
  public static String strftimeNow(String format) {
    LocalDate today = LocalDate.now();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        sb.append(c);
        continue;
      }
      char d = format.charAt(++i);
      sb.append(switch (d) {
        case 'd' -> String.format("%02d", today.getDayOfMonth());
        case 'm' -> String.format("%02d", today.getMonthValue());
        case 'Y' -> String.valueOf(today.getYear());
        case 'y' -> String.format("%02d", today.getYear() % 100);
        case 'b' -> today.format(DateTimeFormatter.ofPattern("MMM", Locale.ENGLISH));
        case 'B' -> today.format(DateTimeFormatter.ofPattern("MMMM", Locale.ENGLISH));
        case 'a' -> today.format(DateTimeFormatter.ofPattern("EEE", Locale.ENGLISH));
        case 'A' -> today.format(DateTimeFormatter.ofPattern("EEEE", Locale.ENGLISH));
        case 'j' -> String.format("%03d", today.getDayOfYear());
        case '%' -> "%";
        default -> "%" + d;
      });
    }
    return sb.toString();
  }

  /** Python's {@code json.dumps(x, ensure_ascii=False, indent=...)} as HF's tojson filter does it. */
  static final class PythonToJsonFilter implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return PythonJson.dumps(var, args.length > 0 && args[0] != null ? Integer.parseInt(args[0]) : -1);
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
      return PythonJson.dumps(var, indent == null ? -1 : ((Number) toNumber(indent)).intValue());
    }

    private static Object toNumber(Object o) {
      return o instanceof Number ? o : Long.parseLong(o.toString());
    }
  }

  /**
   * Jinja2's {@code is iterable}: strings are iterable too. Llama 3.1's template relies on it to
   * send tool results through {@code tojson} (so a string result renders quoted).
   */
  static final class IterableTest implements com.hubspot.jinjava.lib.exptest.ExpTest {
    @Override
    public String getName() {
      return "iterable";
    }

    @Override
    public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
      return var instanceof CharSequence || var instanceof Iterable<?> || var instanceof Map<?, ?>
          || (var != null && var.getClass().isArray());
    }
  }

  /** {@code dict | items}: a list of [key, value] pairs, for {@code for k, v in d | items}. */
  static final class ItemsFilter implements Filter {
    @Override
    public String getName() {
      return "items";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      List<List<Object>> out = new ArrayList<>();
      if (var instanceof Map<?, ?> map) {
        map.forEach((k, v) -> out.add(java.util.Arrays.asList(k, v)));
      }
      return out;
    }
  }
}
