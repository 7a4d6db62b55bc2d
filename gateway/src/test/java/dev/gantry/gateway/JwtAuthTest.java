package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.gantry.gateway.config.ConfigException;
import dev.gantry.gateway.config.ConfigLoader;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OIDC/JWT auth against a real JWKS endpoint on loopback with RSA keys made by the test: a valid
 * token gets the limits of the virtual key its claim names; expired, wrong audience, wrong
 * issuer, bad signature and unknown key id are 401s saying why; a key added to the JWKS later
 * is found by refetching it.
 */
class JwtAuthTest {
    static final String MASTER = "sk-master-test-123";
    static final String ISSUER = "https://idp.example.test/realms/gantry";
    static final String AUDIENCE = "gantry-gateway";
    static RSAKey k1;
    static RSAKey k2;
    static final List<RSAKey> published = new CopyOnWriteArrayList<>();
    static final AtomicInteger jwksFetches = new AtomicInteger();
    static HttpServer jwks;
    static StubUpstream stub;
    static Harness h;

    @BeforeAll
    static void start() throws Exception {
        k1 = new RSAKeyGenerator(2048).keyID("k1").generate();
        k2 = new RSAKeyGenerator(2048).keyID("k2").generate();
        published.add(k1);
        jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwks.createContext("/certs", ex -> {
            jwksFetches.incrementAndGet();
            byte[] body = new JWKSet(List.copyOf(published.stream().map(RSAKey::toPublicJWK).toList()))
                    .toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        jwks.start();
        stub = new StubUpstream("a");
        h = new Harness(Harness.config("m", List.of(stub), """
                  - model_name: other
                    litellm_params: {model: openai/other, api_base: %s}
                general_settings:
                  master_key: os.environ/TEST_MASTER_KEY
                  enable_jwt_auth: true
                  litellm_jwtauth:
                    jwks_url: http://127.0.0.1:%d/certs
                    issuer: %s
                    audience: %s
                    virtual_key_claim_field: client_id
                    public_key_ttl: 600
                """.formatted(stub.apiBase(), jwks.getAddress().getPort(), ISSUER, AUDIENCE)));
        var res = h.post("/key/generate", "{\"key_alias\":\"team-sso\",\"models\":[\"m\"],\"rpm_limit\":3}", MASTER);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        res = h.post("/key/generate", "{\"key_alias\":\"team-open\"}", MASTER);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        if (h != null) h.close();
        if (stub != null) stub.close();
        if (jwks != null) jwks.stop(0);
    }

    static JWTClaimsSet.Builder claims(String clientId) {
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience(List.of(AUDIENCE, "account")).subject("user-1")
                .claim("client_id", clientId).issueTime(new java.util.Date())
                .expirationTime(java.util.Date.from(Instant.now().plusSeconds(300)));
    }

    /** Signs with {@code signer}'s private key but names {@code kid} in the header. */
    static String token(JWTClaimsSet claims, RSAKey signer, String kid) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(signer));
        return jwt.serialize();
    }

    private static void assert401(HttpResponse<String> res, String messagePart) throws Exception {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(401);
        assertThat(Harness.json(res.body()).path("error").path("message").asText()).containsIgnoringCase(messagePart);
    }

    @Test
    void validToken_getsTheLimitsOfTheVirtualKeyItsClaimNames() throws Exception {
        String jwt = token(claims("team-sso").build(), k1, "k1");
        var ok = h.chat("m", jwt);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        var forbidden = h.chat("other", jwt);
        assertThat(forbidden.statusCode()).as("models of the key apply: %s", forbidden.body()).isEqualTo(403);
        assertThat(forbidden.body()).contains("team-sso");
        // rpm_limit 3 of key 'team-sso': the forbidden call was not admitted, so two more fit, then 429.
        assertThat(h.chat("m", jwt).statusCode()).isEqualTo(200);
        assertThat(h.chat("m", token(claims("team-sso").build(), k1, "k1")).statusCode()).isEqualTo(200);
        var limited = h.chat("m", jwt);
        assertThat(limited.statusCode()).as(limited.body()).isEqualTo(429);
        assertThat(limited.body()).contains("team-sso");
        h.awaitLedgerRows(4);
        try (var c = h.gateway.database.connection(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT COUNT(*) FROM usage_records WHERE key_alias = 'team-sso' AND status = 200")) {
            rs.next();
            assertThat(rs.getLong(1)).as("usage is recorded against the mapped key").isEqualTo(3);
        }
    }

    @Test
    void claimNamingNoKey_is401_sayingHowToCreateOne() throws Exception {
        assert401(h.chat("m", token(claims("team-nobody").build(), k1, "k1")), "no virtual key has key_alias 'team-nobody'");
    }

    @Test
    void expiredToken_is401() throws Exception {
        var c = claims("team-open").expirationTime(java.util.Date.from(Instant.now().minusSeconds(3600))).build();
        assert401(h.chat("m", token(c, k1, "k1")), "expired");
    }

    @Test
    void wrongAudience_is401() throws Exception {
        assert401(h.chat("m", token(claims("team-open").audience("someone-else").build(), k1, "k1")), "aud");
    }

    @Test
    void wrongIssuer_is401() throws Exception {
        assert401(h.chat("m", token(claims("team-open").issuer("https://evil.example.test/").build(), k1, "k1")), "iss");
    }

    @Test
    void badSignature_is401() throws Exception {
        // Signed with k2's private key while naming k1: the signature does not verify with k1.
        assert401(h.chat("m", token(claims("team-open").build(), k2, "k1")), "signature");
        String valid = token(claims("team-open").build(), k1, "k1");
        String tampered = valid.substring(0, valid.lastIndexOf('.') + 1) + "AAAA" + valid.substring(valid.lastIndexOf('.') + 5);
        assertThat(h.chat("m", tampered).statusCode()).isEqualTo(401);
    }

    @Test
    void unknownKeyId_is401_untilTheJwksPublishesIt() throws Exception {
        String jwt = token(claims("team-open").build(), k2, "k2");
        int fetches = jwksFetches.get();
        assert401(h.chat("m", jwt), "no matching key");
        assertThat(jwksFetches.get()).as("an unknown kid makes the gateway refetch the JWKS").isGreaterThan(fetches);
        published.add(k2); // the issuer rotates keys
        Thread.sleep(1100); // refetches are rate-limited to about one a second
        var res = h.chat("m", jwt);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    }

    @Test
    void masterKey_stillWorks_andAMalformedJwtIs401() throws Exception {
        assertThat(h.get("/key/list", MASTER).statusCode()).isEqualTo(200);
        assert401(h.chat("m", "eyJnot.a.jwt"), "invalid JWT");
    }

    @Test
    void config_jwtWithoutJwksUrlOrAudience_isAnErrorNamingThePath() {
        String yaml = """
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/m, api_base: http://127.0.0.1:1/v1}
                general_settings:
                  master_key: sk-master-test-123
                  enable_jwt_auth: true
                  litellm_jwtauth: {issuer: https://idp/}
                """;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.parse(yaml, "t.yaml", Map.<String, String>of()::get))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("general_settings.litellm_jwtauth.jwks_url: missing")
                .hasMessageContaining("general_settings.litellm_jwtauth.audience: missing");
    }
}
