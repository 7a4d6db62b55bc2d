package dev.gantry.infra.gcp;

import com.pulumi.core.Output;
import com.pulumi.gcp.secretmanager.SecretIamMember;
import com.pulumi.gcp.secretmanager.SecretIamMemberArgs;
import com.pulumi.gcp.serviceaccount.Account;
import com.pulumi.gcp.serviceaccount.AccountArgs;
import com.pulumi.gcp.serviceaccount.IAMMember;
import com.pulumi.gcp.serviceaccount.IAMMemberArgs;
import com.pulumi.gcp.storage.BucketIAMMember;
import com.pulumi.gcp.storage.BucketIAMMemberArgs;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A GCP service account bound to one Kubernetes service account through GKE Workload
 * Identity ({@code gantry:gcp:ServiceAccountIdentity}), the GCP twin of
 * {@code dev.gantry.infra.aws.ServiceAccountRole}: only pods running as
 * {@code namespace/serviceAccount} may act as it ({@code roles/iam.workloadIdentityUser} on
 * exactly that member), and it holds only the listed read grants on one bucket and on named
 * secrets. The Kubernetes service account carries {@value #ANNOTATION} with {@link #email()}.
 */
public final class ServiceAccountIdentity extends GantryComponent {
  public static final String ANNOTATION = "iam.gke.io/gcp-service-account";

  /**
   * @param project          GCP project id
   * @param accountName      service account id source (shortened to 30 characters if needed)
   * @param workloadPool     {@code <project>.svc.id.goog}
   * @param namespace        Kubernetes namespace of the service account
   * @param serviceAccount   Kubernetes service account name
   * @param readBucket       bucket it may list and read ({@code roles/storage.objectViewer}), or null
   * @param readSecrets      Secret Manager secret ids it may access ({@code roles/secretmanager.secretAccessor})
   */
  public record Args(String project, String accountName, String workloadPool, String namespace, String serviceAccount,
      Output<String> readBucket, List<Output<String>> readSecrets) {
    public Args {
      Objects.requireNonNull(project, "project");
      Objects.requireNonNull(accountName, "accountName");
      Objects.requireNonNull(workloadPool, "workloadPool");
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(serviceAccount, "serviceAccount");
      readSecrets = List.copyOf(readSecrets == null ? List.of() : readSecrets);
    }
  }

  private final Output<String> email;

  public ServiceAccountIdentity(String name, Args args, ComponentResourceOptions options) {
    super("gcp", "ServiceAccountIdentity", name, options);
    var account = new Account(name + "-sa", AccountArgs.builder()
        .project(args.project())
        .accountId(GpuCluster.accountId(args.accountName()))
        .displayName("Kubernetes " + args.namespace() + "/" + args.serviceAccount())
        .build(), child());
    Output<String> member = account.email().applyValue(e -> "serviceAccount:" + e);
    new IAMMember(name + "-workload-identity", IAMMemberArgs.builder()
        .serviceAccountId(account.name())
        .role("roles/iam.workloadIdentityUser")
        .member("serviceAccount:" + args.workloadPool() + "[" + args.namespace() + "/" + args.serviceAccount() + "]")
        .build(), child());
    if (args.readBucket() != null) {
      new BucketIAMMember(name + "-bucket-read", BucketIAMMemberArgs.builder()
          .bucket(args.readBucket())
          .role("roles/storage.objectViewer")
          .member(member)
          .build(), child());
    }
    for (int i = 0; i < args.readSecrets().size(); i++) {
      new SecretIamMember(name + "-secret-read-" + i, SecretIamMemberArgs.builder()
          .project(args.project())
          .secretId(args.readSecrets().get(i))
          .role("roles/secretmanager.secretAccessor")
          .member(member)
          .build(), child());
    }
    this.email = account.email();
    registerOutputs(Map.of("email", email));
  }

  /** Email of the GCP service account, the value of {@value #ANNOTATION}. */
  public Output<String> email() {
    return email;
  }
}
