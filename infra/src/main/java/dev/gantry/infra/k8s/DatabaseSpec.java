package dev.gantry.infra.k8s;

import com.pulumi.core.Output;
import java.util.Objects;

/**
 * The gateway's PostgreSQL inside the cluster, for a stack without a cloud database (an
 * existing cluster): a CloudNativePG {@code Cluster} of {@code instances} (a primary and
 * streaming replicas, failover by the operator) on {@code storageSize} volumes of the cluster's
 * default StorageClass. The owner's password is a Pulumi secret.
 *
 * @param instances   PostgreSQL instances, 1 to 5 (2 keeps the ledger writable through a node drain)
 * @param storageSize volume of each instance, e.g. {@code 5Gi}
 * @param password    password of the {@value #OWNER} role
 */
public record DatabaseSpec(int instances, String storageSize, Output<String> password) {
  /** Name of the CloudNativePG Cluster; its read-write Service is {@code <name>-rw}. */
  public static final String NAME = "gantry-db";
  public static final String OWNER = "gantry";
  public static final String DATABASE = "gantry";
  public static final int PORT = 5432;

  public DatabaseSpec {
    if (instances < 1 || instances > 5) {
      throw new IllegalArgumentException("database.instances: " + instances + " must be within [1, 5]");
    }
    Check.quantity("database.storageSize", storageSize);
    Objects.requireNonNull(password, "database.password is missing; set gantry:databasePassword as a secret");
  }

  /** In-cluster host of the read-write (primary) Service in {@code namespace}. */
  public static String host(String namespace) {
    return NAME + "-rw." + namespace + ".svc.cluster.local";
  }

  /** The gateway's database URL (CloudNativePG serves TLS with its own CA: encrypted, not verified). */
  public Output<String> url(String namespace) {
    return password.applyValue(p -> "postgresql://" + OWNER + ":" + java.net.URLEncoder.encode(p, java.nio.charset.StandardCharsets.UTF_8)
        + "@" + host(namespace) + ":" + PORT + "/" + DATABASE + "?sslmode=require").asSecret();
  }
}
