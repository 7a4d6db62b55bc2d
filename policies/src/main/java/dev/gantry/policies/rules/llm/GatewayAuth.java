package dev.gantry.policies.rules.llm;

import static dev.gantry.policies.rules.Category.LLM;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.graph.ServingSpec.GpuPool;
import dev.gantry.policies.graph.ServingSpec.Model;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-LLM-008: the gateway requires keys and reads its master key from a Secret. */
public final class GatewayAuth extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-LLM-008", "Gateway auth is on, master key from a Secret",
      LLM, Severity.CRITICAL, Enforcement.MANDATORY, List.of("PRE-06"),
      "Without virtual keys anyone who reaches the endpoint spends your GPUs; a master key in the manifest is an admin"
          + " credential in Git and in every `kubectl get deploy -o yaml`.",
      "Enable gateway auth (`gantry:gateway.authEnabled: true`), keep the master key as a Pulumi secret stored in the cloud"
          + " secret store, and pass it to the gateway with `valueFrom.secretKeyRef` (env `GANTRY_MASTER_KEY`).");

  public GatewayAuth() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    List<Workload> gateways = ctx.component(K8s.GATEWAY);
    ctx.spec().ifPresent(spec -> {
      ServingSpec.Gateway g = spec.gateway();
      if (g == null || !g.authEnabled()) {
        out.reportStack("gateway", "gateway auth is disabled: requests need no API key", null);
      } else if (g.masterKeySecret() == null || g.masterKeySecret().isBlank()) {
        out.reportStack("gateway", "gateway auth is on but no master key secret is configured", null);
      }
    });
    for (Workload w : gateways) {
      JsonNode container = w.mainContainer();
      boolean fromSecret = false;
      for (JsonNode env : K8s.list(container.path("env"))) {
        if (env.path("name").asText().toUpperCase(Locale.ROOT).contains("MASTER_KEY")) {
          if (env.path("valueFrom").path("secretKeyRef").isObject()) {
            fromSecret = true;
          } else {
            out.report(w.resource(), "gateway '" + w.name() + "' sets " + env.path("name").asText()
                + " without valueFrom.secretKeyRef");
          }
        }
      }
      fromSecret |= K8s.list(container.path("envFrom")).stream().anyMatch(e -> e.path("secretRef").isObject());
      if (!fromSecret) {
        out.report(w.resource(), "gateway '" + w.name() + "' gets no master key from a Secret (no *MASTER_KEY env with"
            + " valueFrom.secretKeyRef, no envFrom.secretRef)");
      }
    }
  }
}
