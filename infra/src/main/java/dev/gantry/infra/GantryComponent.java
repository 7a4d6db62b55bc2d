package dev.gantry.infra;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Base of every Gantry component: a Pulumi {@link ComponentResource} whose type token is
 * {@code gantry:<area>:<Kind>} (e.g. {@code gantry:aws:GpuCluster}). Children are created
 * with {@link #child()} so they are parented to the component, which is what makes the
 * plan print as a tree and lets {@code pulumi up} group them. Subclasses call
 * {@link #registerOutputs(Map)} once, at the end of their constructor.
 */
public abstract class GantryComponent extends ComponentResource {
  private static final Pattern AREA = Pattern.compile("[a-z][a-z0-9]*");
  private static final Pattern KIND = Pattern.compile("[A-Z][A-Za-z0-9]*");

  protected GantryComponent(String area, String kind, String name, ComponentResourceOptions options) {
    super(typeToken(area, kind), name, options);
  }

  /** The type token {@code gantry:<area>:<Kind>}; area is lower case, kind is UpperCamelCase. */
  public static String typeToken(String area, String kind) {
    if (!AREA.matcher(area).matches()) {
      throw new IllegalArgumentException("Component area '" + area + "' must be lower case letters and digits, e.g. 'aws'");
    }
    if (!KIND.matcher(kind).matches()) {
      throw new IllegalArgumentException("Component kind '" + kind + "' must be UpperCamelCase, e.g. 'GpuCluster'");
    }
    return "gantry:" + area + ":" + kind;
  }

  /** Options for a child resource: parented to this component. */
  protected CustomResourceOptions child() {
    return CustomResourceOptions.builder().parent(this).build();
  }

  /** Options for a child resource that must be created after {@code dependsOn}. */
  protected CustomResourceOptions child(Resource... dependsOn) {
    return CustomResourceOptions.builder().parent(this).dependsOn(dependsOn).build();
  }

  /** Options for a child component. */
  protected ComponentResourceOptions childComponent() {
    return ComponentResourceOptions.builder().parent(this).build();
  }

  /** Tags of every resource: the common tags plus a {@code Name}, sorted for stable plans. */
  protected static Map<String, String> tags(Map<String, String> common, String name) {
    Map<String, String> tags = new TreeMap<>(common);
    tags.put("Name", name);
    return tags;
  }

  /** Collects a list of outputs into one output of a list, keeping order. */
  protected static <T> Output<List<T>> all(List<Output<T>> outputs) {
    return Output.all(outputs);
  }
}
