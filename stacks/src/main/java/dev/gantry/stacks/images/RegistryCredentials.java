package dev.gantry.stacks.images;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Wires registry credentials into a Jib {@link RegistryImage}, first match wins:
 * <ol>
 *   <li>explicit user + token from {@code GANTRY_REGISTRY_USERNAME} / {@code GANTRY_REGISTRY_PASSWORD}
 *       (ACR: a service principal or token; ECR: {@code AWS} + {@code aws ecr get-login-password};
 *       Artifact Registry: {@code oauth2accesstoken} + {@code gcloud auth print-access-token});</li>
 *   <li>the Docker config ({@code ~/.docker/config.json}: {@code auths} and {@code credHelpers},
 *       e.g. after {@code az acr login}, {@code gcloud auth configure-docker}, or
 *       {@code docker-credential-ecr-login} configured as a helper);</li>
 *   <li>well-known credential helpers by host ({@code *.amazonaws.com} → ecr-login,
 *       {@code *-docker.pkg.dev} / {@code gcr.io} → gcr);</li>
 *   <li>Google application default credentials (Artifact Registry from GCE/GKE/Cloud Build).</li>
 * </ol>
 */
public final class RegistryCredentials {
  public static final String USERNAME_ENV = "GANTRY_REGISTRY_USERNAME";
  public static final String PASSWORD_ENV = "GANTRY_REGISTRY_PASSWORD";

  private RegistryCredentials() {}

  /** A registry image for {@code reference} with the credential chain above. */
  public static RegistryImage image(String reference, Map<String, String> env, Consumer<LogEvent> log) {
    ImageReference ref;
    try {
      ref = ImageReference.parse(reference);
    } catch (InvalidImageReferenceException e) {
      throw ImageException.badInput("Invalid image reference '" + reference
          + "'; use host/repository:tag, e.g. 'registry.example.com/gantry/engine:0.1.0'");
    }
    RegistryImage image = RegistryImage.named(ref);
    String user = env.get(USERNAME_ENV);
    String password = env.get(PASSWORD_ENV);
    if ((user == null) != (password == null)) {
      throw ImageException.badInput("Only one of " + USERNAME_ENV + " and " + PASSWORD_ENV
          + " is set; set both (user and token) or neither");
    }
    if (user != null) {
      image.addCredential(user, password);
    }
    CredentialRetrieverFactory factory = CredentialRetrieverFactory.forImage(ref, log, env);
    image.addCredentialRetriever(factory.dockerConfig());
    image.addCredentialRetriever(factory.wellKnownCredentialHelpers());
    image.addCredentialRetriever(factory.googleApplicationDefaultCredentials());
    return image;
  }
}
