package dev.gantry.infra;

import com.google.gson.GsonBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A kubeconfig (as JSON, which the Kubernetes provider accepts) for one cluster whose user
 * authenticates through a client-go exec credential plugin ({@code aws eks get-token},
 * {@code kubelogin}, {@code gke-gcloud-auth-plugin}), so the file holds no credentials.
 * Keys keep insertion order so the text is the same on every run (plans are byte-identical).
 */
public final class ExecKubeconfig {
  private static final String EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1";

  /**
   * @param context   name used for the cluster, context and user entries
   * @param server    API server URL
   * @param caData    base64 certificate-authority data, or empty
   * @param command   the exec plugin's command
   * @param args      its arguments (may be empty)
   * @param provideClusterInfo whether the plugin needs the cluster info (GKE's plugin does)
   */
  public static String json(String context, Object server, Object caData, String command, List<String> args,
      boolean provideClusterInfo) {
    Map<String, Object> exec = new LinkedHashMap<>();
    exec.put("apiVersion", EXEC_API_VERSION);
    exec.put("command", command);
    if (!args.isEmpty()) {
      exec.put("args", args);
    }
    if (provideClusterInfo) {
      exec.put("provideClusterInfo", true);
    }
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("apiVersion", "v1");
    config.put("kind", "Config");
    config.put("clusters", List.of(ordered("name", context, "cluster",
        ordered("server", server, "certificate-authority-data", caData))));
    config.put("contexts", List.of(ordered("name", context, "context", ordered("cluster", context, "user", context))));
    config.put("current-context", context);
    config.put("users", List.of(ordered("name", context, "user", ordered("exec", exec))));
    return new GsonBuilder().disableHtmlEscaping().create().toJson(config);
  }

  // Map.of iterates in a per-JVM random order; the kubeconfig text must be the same every run.
  private static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  private ExecKubeconfig() {}
}
