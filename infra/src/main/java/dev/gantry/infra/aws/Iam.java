package dev.gantry.infra.aws;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** IAM policy documents as JSON text, built from maps so key order (and the plan) is stable. */
final class Iam {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  /** Trust policy letting an AWS service (e.g. {@code eks.amazonaws.com}) assume the role. */
  static String serviceTrust(String service) {
    return document(List.of(statement("Allow", List.of("sts:AssumeRole"), null,
        Map.of("Service", service), null)));
  }

  /**
   * Trust policy for IRSA: only the given Kubernetes service account, presenting a token
   * from the cluster's OIDC issuer, may assume the role.
   */
  static String webIdentityTrust(String oidcProviderArn, String issuerHostPath, String namespace, String serviceAccount) {
    Map<String, Object> equals = new LinkedHashMap<>();
    equals.put(issuerHostPath + ":sub", "system:serviceaccount:" + namespace + ":" + serviceAccount);
    equals.put(issuerHostPath + ":aud", "sts.amazonaws.com");
    return document(List.of(statement("Allow", List.of("sts:AssumeRoleWithWebIdentity"), null,
        Map.of("Federated", oidcProviderArn), Map.of("StringEquals", equals))));
  }

  /** An Allow statement on the given resources. */
  static Map<String, Object> allow(List<String> actions, List<String> resources) {
    return statement("Allow", actions, resources, null, null);
  }

  static String document(List<Map<String, Object>> statements) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("Version", "2012-10-17");
    doc.put("Statement", statements);
    return GSON.toJson(doc);
  }

  private static Map<String, Object> statement(String effect, List<String> actions, List<String> resources,
      Map<String, Object> principal, Map<String, Object> condition) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("Effect", effect);
    if (principal != null) {
      s.put("Principal", principal);
    }
    s.put("Action", actions);
    if (resources != null) {
      s.put("Resource", resources);
    }
    if (condition != null) {
      s.put("Condition", condition);
    }
    return s;
  }

  private Iam() {}
}
