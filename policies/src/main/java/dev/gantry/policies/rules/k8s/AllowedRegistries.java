package dev.gantry.policies.rules.k8s;

import static dev.gantry.policies.rules.Category.KUBERNETES;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.Values;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-K8S-022: images come from allowed registries. */
public final class AllowedRegistries extends ContainerRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-K8S-022", "Images come from allowed registries",
      KUBERNETES, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-04"),
      "Images pulled from arbitrary public registries are a supply-chain risk and a rate-limit outage (Docker Hub)"
          + " waiting to happen.",
      "Mirror the image into your registry, or add the registry to `allowedRegistries` in the stack's policy"
          + " (`policy:` in `stacks/attestations/STACK.yaml`; host globs, e.g. `*.dkr.ecr.*.amazonaws.com`). Defaults: " + PolicyConfig.DEFAULT_REGISTRIES + ".");

  public AllowedRegistries() {
    super(INFO);
  }

  /** The registry host of an image reference; {@code docker.io} when the reference names none. */
  public static String registry(String image) {
    int slash = image.indexOf('/');
    if (slash < 0) {
      return "docker.io";
    }
    String first = image.substring(0, slash);
    return first.contains(".") || first.contains(":") || first.equals("localhost") ? first : "docker.io";
  }

  /** Glob match where {@code *} matches any characters. */
  public static boolean matches(String glob, String host) {
    StringBuilder regex = new StringBuilder();
    for (char ch : glob.toCharArray()) {
      regex.append(ch == '*' ? ".*" : java.util.regex.Pattern.quote(String.valueOf(ch)));
    }
    return host.matches(regex.toString());
  }

  @Override
  protected String violation(Workload w, JsonNode c, RuleContext ctx) {
    JsonNode image = c.path("image");
    if (!image.isTextual()) {
      return null;
    }
    String host = registry(image.asText());
    List<String> allowed = ctx.policy().effectiveRegistries();
    return allowed.stream().anyMatch(g -> matches(g, host)) ? null
        : "image '" + image.asText() + "' comes from registry '" + host + "', not in " + allowed;
  }
}
