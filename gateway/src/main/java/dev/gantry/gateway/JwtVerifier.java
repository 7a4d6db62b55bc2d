package dev.gantry.gateway;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.gantry.gateway.config.GatewayConfig;
import java.net.MalformedURLException;
import java.text.ParseException;
import java.util.Set;

/**
 * Verifies JWTs from the OIDC issuer in {@code general_settings.litellm_jwtauth} with Nimbus
 * JOSE+JWT: the signature against the issuer's JWKS (RSA, EC or RSA-PSS keys; the set is cached
 * for {@code public_key_ttl}, and refetched, at most about once a second, when a token names a
 * key id the cached set lacks, which is how a key rotation is picked up), then {@code iss}
 * exactly, {@code aud} containing the configured audience, {@code exp} in the future (60 s
 * clock skew) and the mapping claim present. Returns that claim's value: the {@code key_alias}
 * of the virtual key whose limits apply.
 */
final class JwtVerifier {
    private static final long RATE_LIMIT_MILLIS = 1000;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final String claim;

    JwtVerifier(GatewayConfig.JwtAuth config) {
        this.claim = config.keyClaim();
        JWKSource<SecurityContext> keys;
        try {
            long ttl = config.publicKeyTtl().toMillis();
            keys = JWKSourceBuilder.<SecurityContext>create(config.jwksUrl().toURL(), new DefaultResourceRetriever(2000, 2000, 1 << 20))
                    .cache(ttl, Math.min(ttl, 5000))
                    .rateLimited(RATE_LIMIT_MILLIS)
                    .retrying(true)
                    .build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("litellm_jwtauth.jwks_url: " + e.getMessage(), e);
        }
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
                JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
                JWSAlgorithm.ES384, JWSAlgorithm.ES512), keys));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(config.audience(),
                new JWTClaimsSet.Builder().issuer(config.issuer()).build(), Set.of("exp", claim)));
    }

    /** Whether a bearer credential is shaped like a JWS compact serialisation (three base64url parts). */
    static boolean looksLikeJwt(String token) {
        return token.startsWith("eyJ") && token.chars().filter(c -> c == '.').count() == 2;
    }

    /** The mapping claim's value of a valid token, or a 401 {@link ApiError} saying what is wrong with it. */
    String verify(String token) {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw ApiError.unauthorized("invalid JWT: cannot parse it (" + e.getMessage() + ")");
        } catch (BadJOSEException e) {
            throw ApiError.unauthorized("invalid JWT: " + e.getMessage()
                    + "; get a fresh token from your identity provider for this gateway's audience");
        } catch (JOSEException e) {
            // The JWKS could not be fetched, or a key could not be used.
            throw ApiError.unavailable("jwks_unavailable", "cannot verify the JWT now: " + e.getMessage() + "; retry shortly");
        }
        Object value = claims.getClaim(claim);
        if (!(value instanceof String alias) || alias.isBlank()) {
            throw ApiError.unauthorized("invalid JWT: claim '" + claim + "' (virtual_key_claim_field) must be a non-empty string");
        }
        return alias;
    }
}
