package dev.gantry.policies.rules.llm;

import static dev.gantry.policies.rules.Category.LLM;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.policies.graph.Resource;
import dev.gantry.policies.graph.ServingSpec;
import dev.gantry.policies.graph.ServingSpec.GpuPool;
import dev.gantry.policies.graph.ServingSpec.Model;
import dev.gantry.policies.rules.*;
import java.util.*;

/** GNT-LLM-006: model source revisions are pinned to a commit. */
public final class RevisionPinned extends StackRule {
  public static final RuleInfo INFO = new RuleInfo("GNT-LLM-006", "Model revisions are pinned to a commit",
      LLM, Severity.HIGH, Enforcement.MANDATORY, List.of("PRE-01"),
      "`main` on a model hub moves: a re-uploaded checkpoint, a changed chat template or tokenizer changes answers"
          + " without any change in Git, and replicas started on different days serve different models.",
      "Set `revision` in `stacks/models/<model>.yaml` to the full 40-character commit sha of the model repository.");
  private static final java.util.regex.Pattern SHA = java.util.regex.Pattern.compile("[0-9a-f]{40}");

  public RevisionPinned() {
    super(INFO);
  }

  @Override
  public void check(RuleContext ctx, Findings out) {
    ctx.spec().ifPresent(spec -> spec.models().forEach(m -> {
      String rev = m.revision();
      if (rev == null || rev.isBlank()) {
        out.reportStack("model " + m.name(), "model '" + m.name() + "' (" + m.source() + ") has no pinned revision", null);
      } else if (!SHA.matcher(rev).matches()) {
        out.reportStack("model " + m.name(), "model '" + m.name() + "' revision '" + rev
            + "' is not a 40-character commit sha (branches and tags move)", null);
      }
    }));
  }
}
