package dev.gantry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProxyTest {
    @Test
    void requestIds_areUuidV7_orderedByTime_soLedgerInsertsAppend() {
        java.util.UUID early = Proxy.timeOrderedUuid(1_700_000_000_000L);
        java.util.UUID late = Proxy.timeOrderedUuid(1_700_000_000_001L);
        assertThat(early.version()).isEqualTo(7);
        assertThat(early.variant()).isEqualTo(2);
        assertThat(early.toString()).isLessThan(late.toString());
        assertThat(early.getMostSignificantBits() >>> 16).isEqualTo(1_700_000_000_000L);
        assertThat(Proxy.timeOrderedUuid(1_700_000_000_000L)).isNotEqualTo(early);
    }

    private final List<AutoCloseable> open = new java.util.ArrayList<>();

    private <T extends AutoCloseable> T track(T t) {
        open.add(t);
        return t;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    private StubUpstream stub(String name) throws Exception {
        return track(new StubUpstream(name));
    }

    @Test
    void chat_unary_isRelayedWithUpstreamModelNameAndDefaults() throws Exception {
        StubUpstream a = stub("a");
        String yaml = """
                model_list:
                  - model_name: llama
                    litellm_params:
                      model: hosted_vllm/meta-llama/Llama-3.1-8B-Instruct
                      api_base: %s
                      temperature: 0.2
                litellm_settings:
                  default_params:
                    temperature: 0.9
                    top_p: 0.5
                """.formatted(a.apiBase());
        Harness h = track(new Harness(yaml));
        var res = h.post("/v1/chat/completions", "{\"model\":\"llama\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_p\":0.7}", null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(Harness.json(res.body()).path("choices").get(0).path("message").path("content").asText()).isEqualTo("word word word");
        var sent = a.bodies.get(0);
        assertThat(sent.path("model").asText()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
        assertThat(sent.path("temperature").asDouble()).as("per-model default beats the global one").isEqualTo(0.2);
        assertThat(sent.path("top_p").asDouble()).as("the request's own value wins").isEqualTo(0.7);
        assertThat(res.headers().firstValue("x-request-id")).isPresent();
    }

    @Test
    void chat_unary_whenGatewayChangesNothing_forwardsTheBodyByteForByte() throws Exception {
        StubUpstream a = stub("a");
        String yaml = """
                model_list:
                  - model_name: same
                    litellm_params: {model: openai/same, api_base: %s}
                """.formatted(a.apiBase());
        Harness h = track(new Harness(yaml));
        // Odd spacing and a number Jackson would print differently: a re-serialised body would differ.
        String body = "{ \"model\" : \"same\", \"messages\":[{\"role\":\"user\",\"content\":\"hi\"}], \"temperature\": 1.50 }";
        var res = h.post("/v1/chat/completions", body, null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(a.rawBodies.get(0)).isEqualTo(body);
        var streamed = h.stream("{\"model\":\"same\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", null);
        assertThat(streamed.status()).isEqualTo(200);
        assertThat(a.bodies.get(1).path("stream_options").path("include_usage").asBoolean())
                .as("a stream that did not ask for usage is still rewritten to ask for it").isTrue();
        assertThat(a.rawBodies.get(1)).isEqualTo("{\"stream_options\":{\"include_usage\":true},"
                + "\"model\":\"same\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        var asked = h.stream("{\"model\":\"same\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", null);
        assertThat(asked.status()).isEqualTo(200);
        assertThat(a.rawBodies.get(2)).as("already asking for usage: forwarded as sent").isEqualTo("{\"model\":\"same\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    }

    @Test
    void askingForUsage_splicesStreamOptionsAfterTheOpeningBrace() {
        byte[] out = Proxy.askingForUsage(" \n{ \"model\":\"m\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(new String(out, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(" \n{\"stream_options\":{\"include_usage\":true}, \"model\":\"m\"}");
    }

    @Test
    void usageOf_readsTheTopLevelUsageOnly_andSkipsEverythingElse() {
        java.util.function.Function<String, long[]> usage =
                json -> Proxy.usageOf(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(usage.apply("{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"hi\"},\"usage\":{\"prompt_tokens\":99}}],"
                + "\"usage\":{\"prompt_tokens\":12,\"prompt_tokens_details\":{\"cached_tokens\":3},\"completion_tokens\":5,"
                + "\"total_tokens\":17}}")).containsExactly(12, 5);
        assertThat(usage.apply("{\"usage\":{\"completion_tokens\":7.0,\"prompt_tokens\":\"4\"}}")).containsExactly(4, 7);
        assertThat(usage.apply("{\"choices\":[]}")).isNull();
        assertThat(usage.apply("{\"usage\":null}")).isNull();
        assertThat(usage.apply("not json")).isNull();
        assertThat(usage.apply("{\"usage\":{\"prompt_tokens\":3,")).as("cut short").isNull();
        assertThat(usage.apply("[1,2]")).isNull();
    }

    @Test
    void chat_withDuplicateKeysOrTrailingContent_is400_soTheUpstreamSeesWhatWasChecked() throws Exception {
        StubUpstream a = stub("a");
        Harness h = track(new Harness(Harness.config("m", List.of(a), "")));
        var dup = h.post("/v1/chat/completions",
                "{\"model\":\"m\",\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", null);
        assertThat(dup.statusCode()).isEqualTo(400);
        assertThat(dup.body()).contains("not valid JSON").contains("model");
        var trailing = h.post("/v1/chat/completions",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} {}", null);
        assertThat(trailing.statusCode()).isEqualTo(400);
        assertThat(a.requests.get()).isZero();
    }

    @Test
    void completions_andModels_work() throws Exception {
        StubUpstream a = stub("a");
        Harness h = track(new Harness(Harness.config("m1", List.of(a), "")));
        var res = h.post("/v1/completions", "{\"model\":\"m1\",\"prompt\":\"once upon\"}", null);
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(Harness.json(res.body()).path("choices").get(0).path("text").asText()).isEqualTo("word word word");
        var models = h.get("/v1/models", null);
        assertThat(Harness.json(models.body()).path("data").get(0).path("id").asText()).isEqualTo("m1");
    }

    @Test
    void stream_isRelayedChunkByChunk_andUsageChunkDroppedWhenNotAsked() throws Exception {
        StubUpstream a = stub("a");
        a.chunks = 4;
        a.chunkIntervalMillis = 300;
        Harness h = track(new Harness(Harness.config("m", List.of(a), "")));
        var s = h.stream(Harness.chatBody("m", true), null);
        assertThat(s.status()).isEqualTo(200);
        List<String> data = s.data();
        assertThat(data).hasSize(5).last().isEqualTo("data: [DONE]");
        assertThat(data).noneMatch(d -> d.contains("\"usage\""));
        long first = s.lines().stream().filter(l -> l.text().contains("word0")).findFirst().orElseThrow().atMillis();
        long last = s.lines().stream().filter(l -> l.text().contains("word3")).findFirst().orElseThrow().atMillis();
        assertThat(last - first).as("chunks arrive as the upstream sends them, not buffered").isGreaterThanOrEqualTo(700);
        assertThat(a.bodies.get(0).path("stream_options").path("include_usage").asBoolean()).isTrue();
    }

    @Test
    void stream_keepsUsageChunk_whenClientAskedForIt() throws Exception {
        StubUpstream a = stub("a");
        Harness h = track(new Harness(Harness.config("m", List.of(a), "")));
        var s = h.stream("{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", null);
        assertThat(s.data()).anyMatch(d -> d.contains("\"usage\""));
    }

    @Test
    void stream_sendsKeepAliveComments_whileWaitingForFirstToken() throws Exception {
        StubUpstream a = stub("a");
        a.firstChunkDelayMillis = 2000; // ten keep-alive intervals: a loaded machine still sends several
        Harness h = track(new Harness(Harness.config("m", List.of(a), """
                gantry_settings:
                  keepalive_interval: 0.2
                """)));
        var s = h.stream(Harness.chatBody("m", true), null);
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.keepAlives()).isGreaterThanOrEqualTo(3);
        assertThat(s.lines().get(0).text()).isEqualTo(": keep-alive");
        long firstData = s.lines().stream().filter(l -> l.text().startsWith("data: ")).findFirst().orElseThrow().atMillis();
        assertThat(firstData - s.lines().get(0).atMillis()).as("keep-alives flow before the first token: " + s.lines())
                .isGreaterThanOrEqualTo(500);
        assertThat(s.data()).last().isEqualTo("data: [DONE]");
    }

    @Test
    void unary_retriesOnAnotherDeployment_on5xxBeforeFirstByte() throws Exception {
        StubUpstream a = stub("a");
        StubUpstream b = stub("b");
        a.failNext.set(100);
        b.failNext.set(100);
        Harness h = track(new Harness(Harness.config("m", List.of(a, b), """
                router_settings:
                  num_retries: 1
                  allowed_fails: 100
                """)));
        // Both fail: the client sees the upstream's error with its status, after one try on each.
        var res = h.chat("m", null);
        assertThat(res.statusCode()).isEqualTo(500);
        assertThat(a.requests.get() + b.requests.get()).isEqualTo(2);
        assertThat(Harness.json(res.body()).path("error").path("message").asText()).startsWith("stub");
    }

    @Test
    void unary_retrySucceeds_whenTheFirstPickFails() throws Exception {
        StubUpstream a = stub("a");
        StubUpstream b = stub("b");
        a.failNext.set(1);
        Harness h = track(new Harness(Harness.config("m", List.of(a, b), List.of(1e9, 1e-9), """
                router_settings: {num_retries: 1, allowed_fails: 100}
                """)));
        var ok = h.chat("m", null);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(a.requests.get()).isEqualTo(1);
        assertThat(b.requests.get()).isEqualTo(1);
        assertThat(h.gateway.metrics.retries.value("m")).isEqualTo(1);
    }

    @Test
    void stream_retriesBeforeFirstByte_butNotAfter() throws Exception {
        StubUpstream a = stub("a");
        StubUpstream b = stub("b");
        Harness h = track(new Harness(Harness.config("m", List.of(a, b), List.of(1e9, 1e-9), """
                router_settings:
                  num_retries: 2
                  allowed_fails: 100
                """)));
        a.failNext.set(1);
        var s = h.stream(Harness.chatBody("m", true), null);
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.data()).last().isEqualTo("data: [DONE]");
        assertThat(a.requests.get() + b.requests.get()).isEqualTo(2);

        // A stream that breaks after its first chunk is not retried: the client gets an error event.
        a.breakAfterChunks = 1;
        b.breakAfterChunks = 1;
        int before = a.requests.get() + b.requests.get();
        var broken = h.stream(Harness.chatBody("m", true), null);
        assertThat(broken.status()).isEqualTo(200);
        assertThat(a.requests.get() + b.requests.get() - before).as("no retry after the first byte").isEqualTo(1);
        assertThat(broken.data().get(0)).contains("word0");
        assertThat(broken.data()).last().asString().contains("\"error\"");
    }

    @Test
    void stream_thatGoesSilentMidway_endsWithAnIdleTimeoutErrorEvent() throws Exception {
        StubUpstream a = stub("a");
        a.chunks = 3;
        a.chunkIntervalMillis = 3000;
        Harness h = track(new Harness(Harness.config("m", List.of(a), """
                gantry_settings: {stream_idle_timeout: 0.5}
                """)));
        var s = h.stream(Harness.chatBody("m", true), null);
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.data().get(0)).contains("word0");
        assertThat(s.data()).last().asString().contains("\"error\"").contains("next chunk");
        assertThat(a.requests.get()).as("no retry after the first byte").isEqualTo(1);
    }

    @Test
    void failedRequests_areInTheLedgerWithTheirStatus() throws Exception {
        StubUpstream a = stub("a");
        a.failNext.set(100);
        Harness h = track(new Harness(Harness.config("m", List.of(a), "router_settings: {num_retries: 0, allowed_fails: 100}\n")));
        assertThat(h.chat("m", null).statusCode()).isEqualTo(500);
        h.awaitLedgerRows(1);
        try (var c = h.gateway.database.connection(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT status, deployment, completion_tokens FROM usage_records")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(500);
            assertThat(rs.getString(2)).isNull();
            assertThat(rs.getLong(3)).isZero();
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void clientErrors_arePassedThrough_withoutRetry() throws Exception {
        StubUpstream a = stub("a");
        StubUpstream b = stub("b");
        a.failNext.set(1);
        a.failStatus = 400;
        b.failNext.set(1);
        b.failStatus = 400;
        Harness h = track(new Harness(Harness.config("m", List.of(a, b), "")));
        var res = h.chat("m", null);
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(a.requests.get() + b.requests.get()).isEqualTo(1);
    }

    @Test
    void deployment_coolsDownAfterAllowedFails_andRecovers() throws Exception {
        StubUpstream a = stub("a");
        StubUpstream b = stub("b");
        Harness h = track(new Harness(Harness.config("m", List.of(a, b), List.of(1e9, 1e-9), """
                router_settings:
                  num_retries: 1
                  allowed_fails: 1
                  cooldown_time: 1.5
                """)));
        a.failNext.set(1000);
        for (int i = 0; i < 6; i++) assertThat(h.chat("m", null).statusCode()).isEqualTo(200);
        // a failed twice (> allowed_fails 1) and was cooled down: no more traffic reached it.
        assertThat(a.requests.get()).isEqualTo(2);
        assertThat(h.gateway.metrics.cooldowns.value("a")).isEqualTo(1);
        a.failNext.set(0);
        Thread.sleep(1700);
        int before = a.requests.get();
        assertThat(h.chat("m", null).statusCode()).isEqualTo(200);
        assertThat(a.requests.get()).as("a gets traffic again after cooldown").isEqualTo(before + 1);
    }

    @Test
    void fallbacks_areTried_whenEveryDeploymentOfTheModelFails() throws Exception {
        StubUpstream a = stub("a");
        StubUpstream b = stub("b");
        a.failNext.set(100);
        String yaml = """
                model_list:
                  - model_name: big
                    litellm_params: {model: openai/big, api_base: %s}
                  - model_name: small
                    litellm_params: {model: openai/small, api_base: %s}
                router_settings:
                  num_retries: 0
                  fallbacks: [{"big": ["small"]}]
                """.formatted(a.apiBase(), b.apiBase());
        Harness h = track(new Harness(yaml));
        var res = h.chat("big", null);
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(b.bodies.get(0).path("model").asText()).isEqualTo("small");
        assertThat(h.gateway.metrics.fallbacks.value("big", "small")).isEqualTo(1);
    }

    @Test
    void unreachableUpstream_isRetriedElsewhere_andAllDownGives502() throws Exception {
        StubUpstream b = stub("b");
        String yaml = """
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/x, api_base: "http://127.0.0.1:1/v1"}
                  - model_name: m
                    litellm_params: {model: openai/x, api_base: %s}
                router_settings: {num_retries: 1, allowed_fails: 100}
                """.formatted(b.apiBase());
        Harness h = track(new Harness(yaml));
        for (int i = 0; i < 4; i++) assertThat(h.chat("m", null).statusCode()).isEqualTo(200);
        b.close();
        var res = h.chat("m", null);
        assertThat(res.statusCode()).isIn(502, 503);
        assertThat(Harness.json(res.body()).path("error").path("message").asText()).isNotEmpty();
    }

    @Test
    void firstTokenTimeout_isRetriedOnAnotherDeployment() throws Exception {
        StubUpstream slow = stub("slow");
        StubUpstream fast = stub("fast");
        slow.headerDelayMillis = 3000;
        Harness h = track(new Harness(Harness.config("m", List.of(slow, fast), """
                router_settings: {num_retries: 1, allowed_fails: 100, routing_strategy: least-busy}
                gantry_settings: {first_token_timeout: 0.5, keepalive_interval: 0.2}
                """)));
        for (int i = 0; i < 3; i++) {
            var s = h.stream(Harness.chatBody("m", true), null);
            assertThat(s.status()).isEqualTo(200);
            assertThat(s.data()).last().isEqualTo("data: [DONE]");
        }
    }

    @Test
    void unknownModel_is404_andUnknownUrl_is404_openAiShaped() throws Exception {
        StubUpstream a = stub("a");
        Harness h = track(new Harness(Harness.config("m", List.of(a), "")));
        var res = h.chat("nope", null);
        assertThat(res.statusCode()).isEqualTo(404);
        var err = Harness.json(res.body()).path("error");
        assertThat(err.path("code").asText()).isEqualTo("model_not_found");
        assertThat(err.path("message").asText()).contains("nope").contains("[m]");
        assertThat(err.has("param")).isTrue();
        assertThat(err.has("type")).isTrue();
        assertThat(h.get("/v2/whatever", null).statusCode()).isEqualTo(404);
    }

    @Test
    void health_endpoints_andMetrics() throws Exception {
        StubUpstream a = stub("a");
        Harness h = track(new Harness(Harness.config("m", List.of(a), "gantry_settings: {health_check_interval: 0.2}\n")));
        assertThat(h.get("/health/liveliness", null).statusCode()).isEqualTo(200);
        assertThat(h.get("/health/readiness", null).statusCode()).isEqualTo(200);
        h.chat("m", null);
        String metrics = h.get("/metrics", null).body();
        assertThat(metrics).contains("gantry_gateway_requests_total{model=\"m\",key_alias=\"anonymous\",status=\"200\"} 1");
        assertThat(metrics).contains("gantry_gateway_request_duration_seconds_count{model=\"m\"} 1");
        assertThat(metrics).contains("gantry_gateway_ledger_queue_depth");
        a.healthStatus = 503;
        long deadline = System.currentTimeMillis() + 3000;
        while (h.get("/health/readiness", null).statusCode() == 200 && System.currentTimeMillis() < deadline) Thread.sleep(50);
        assertThat(h.get("/health/readiness", null).statusCode()).isEqualTo(503);
        assertThat(a.requests.get()).as("health checks never send a completion").isEqualTo(1);
    }

    // ---- streams from a raw-socket upstream: pauses at any byte, timeouts, clients that leave ----

    private static String rawConfig(RawUpstream raw, String params, String extra) {
        return """
                model_list:
                  - model_name: m
                    litellm_params:
                      model: openai/raw
                      api_base: %s
                %s
                router_settings: {num_retries: 0, allowed_fails: 100}
                %s
                """.formatted(raw.apiBase(), params.isEmpty() ? "" : "      " + params, extra);
    }

    /** OpenAI's final usage chunk, with usage before the empty choices and a nested details object. */
    private static final String USAGE_EVENT = "data: {\"id\":\"raw\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\"raw\",\"usage\":{\"prompt_tokens\":7,\"prompt_tokens_details\":{\"cached_tokens\":0},"
            + "\"completion_tokens\":2,\"total_tokens\":9},\"choices\":[]}\n\n";

    @Test
    void stream_fromAnUpstreamThatPausesInsideItsHeadAndChunkFraming_keepsAlive_andRelaysEveryEvent() throws Exception {
        String e1 = RawUpstream.event("one ");
        // OpenAI sends "usage": null in every chunk once usage is asked for.
        String e2 = RawUpstream.event("two").replace("}]}", "}],\"usage\":null}");
        String firstHalf = e1.substring(0, e1.length() / 2);
        String size = RawUpstream.chunkSize(firstHalf);
        assertThat(size).hasSize(2);
        // Every pause before the first event is longer than the keep-alive interval.
        var script = new RawUpstream.Script()
                .write("HTTP/1.").pause(400)
                .write("1 200 OK\r\nContent-Ty").pause(400)
                .write("pe: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + size.charAt(0)).pause(400)
                .write(size.charAt(1) + "\r\n" + firstHalf).pause(400)
                .write("\r\n").chunk(e1.substring(firstHalf.length())).chunk(e2).pause(300)
                .write(RawUpstream.chunkSize(USAGE_EVENT) + "\r\n" + USAGE_EVENT).pause(300)
                .write("\r\n").chunk("data: [DONE]\n\n").write("0\r\n\r\n")
                .build();
        RawUpstream raw = track(new RawUpstream(i -> script));
        Harness h = track(new Harness(rawConfig(raw, "", "gantry_settings: {keepalive_interval: 0.1}")));
        var s = h.stream(Harness.chatBody("m", true), null);
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.data()).containsExactly(e1.strip(), e2.strip(), "data: [DONE]");
        assertThat(s.keepAlives()).as("keep-alives through four pauses of 400 ms: " + s.lines()).isGreaterThanOrEqualTo(6);
        int firstData = s.lines().indexOf(s.lines().stream().filter(l -> l.text().startsWith("data: ")).findFirst().orElseThrow());
        assertThat(s.lines().subList(firstData, s.lines().size())).as("no keep-alive after the first event")
                .noneMatch(l -> l.text().equals(": keep-alive"));
        awaitCount(() -> h.gateway.metrics.tokens.value("m", "completion"), 2); // usage read from the usage-only chunk
        assertThat(h.gateway.metrics.tokens.value("m", "prompt")).isEqualTo(7);
    }

    @Test
    void stream_fromAnUpstreamEndingEventsWithCrlf_splitsEvents_readsUsage_andDropsTheUsageOnlyChunk() throws Exception {
        // sse-starlette (llama.cpp's server, for one) ends lines with CRLF; here a terminator also
        // straddles two reads: "\r\n" arrives, then after a pause "\r\n".
        String e1 = RawUpstream.event("one ").replace("\n\n", "\r\n\r\n");
        String e2 = RawUpstream.event("two").replace("\n\n", "\r\n");
        String usage = USAGE_EVENT.replace("\n\n", "\r\n\r\n");
        var script = new RawUpstream.Script().write(RawUpstream.SSE_HEAD).chunk(e1).chunk(e2).pause(200).chunk("\r\n")
                .chunk(usage).chunk("data: [DONE]\r\n\r\n").write("0\r\n\r\n").build();
        RawUpstream raw = track(new RawUpstream(i -> script));
        Harness h = track(new Harness(rawConfig(raw, "", "")));
        var s = h.stream(Harness.chatBody("m", true), null);
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.data()).as("the usage-only chunk the gateway asked for is not relayed")
                .containsExactly(e1.strip(), e2.strip(), "data: [DONE]");
        awaitCount(() -> h.gateway.metrics.tokens.value("m", "completion"), 2);
        assertThat(h.gateway.metrics.tokens.value("m", "prompt")).isEqualTo(7);
    }

    @Test
    void stream_fromAnUpstreamThatNeverEndsAnEvent_isRefusedPastTheEventLimit_notBufferedForever() throws Exception {
        String endless = "data: " + "x".repeat(Proxy.MAX_SSE_EVENT_BYTES);
        var script = new RawUpstream.Script().write(RawUpstream.SSE_HEAD).chunk(endless).awaitClose().build();
        RawUpstream raw = track(new RawUpstream(i -> script));
        Harness h = track(new Harness(rawConfig(raw, "", "")));
        var res = h.post("/v1/chat/completions", Harness.chatBody("m", true), null);
        assertThat(res.statusCode()).isEqualTo(502);
        assertThat(res.body()).contains("without ending an SSE event").contains(Integer.toString(Proxy.MAX_SSE_EVENT_BYTES));
        assertThat(raw.awaitClosedMidAnswer(5_000)).as("the upstream connection is closed").isTrue();
    }

    @Test
    void stream_firstTokenTimeout_afterKeepAlives_isAnErrorEvent_andClosesTheUpstreamConnection() throws Exception {
        RawUpstream raw = track(new RawUpstream(i -> new RawUpstream.Script().write(RawUpstream.SSE_HEAD).awaitClose().build()));
        // Six keep-alive intervals before the deadline, so a loaded machine still sends two or more.
        Harness h = track(new Harness(rawConfig(raw, "", "gantry_settings: {first_token_timeout: 1.0, keepalive_interval: 0.15}")));
        long start = System.nanoTime();
        var s = h.stream(Harness.chatBody("m", true), null);
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(950);
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.keepAlives()).isGreaterThanOrEqualTo(2);
        assertThat(s.data()).hasSize(1);
        var error = Harness.json(s.data().get(0).substring(6)).path("error");
        assertThat(error.path("message").asText()).isEqualTo("the upstream did not send its first token in time");
        assertThat(error.path("code").asText()).isEqualTo("upstream_timeout");
        assertThat(raw.awaitClosedMidAnswer(5_000)).as("the upstream connection is closed, not pooled").isTrue();
        awaitCount(() -> h.gateway.metrics.requests.value("m", "anonymous", "504"), 1);
    }

    @Test
    void stream_idleTimeoutMidStream_isAnErrorEvent_andClosesTheUpstreamConnection() throws Exception {
        String e1 = RawUpstream.event("one");
        RawUpstream raw = track(new RawUpstream(i -> new RawUpstream.Script().write(RawUpstream.SSE_HEAD).chunk(e1).awaitClose().build()));
        Harness h = track(new Harness(rawConfig(raw, "", "gantry_settings: {stream_idle_timeout: 0.5, keepalive_interval: 0.1}")));
        var s = h.stream(Harness.chatBody("m", true), null);
        assertThat(s.data()).hasSize(2);
        assertThat(s.data().get(0)).isEqualTo(e1.strip());
        assertThat(s.data().get(1)).contains("\"error\"").contains("the upstream did not send its next chunk in time");
        assertThat(s.keepAlives()).as("no keep-alives after the first event").isZero();
        assertThat(raw.awaitClosedMidAnswer(5_000)).isTrue();
        awaitCount(() -> h.gateway.metrics.requests.value("m", "anonymous", "504"), 1);
    }

    @Test
    void stream_totalTimeout_endsAStreamThatKeepsSending_withAnErrorEvent() throws Exception {
        var script = new RawUpstream.Script().write(RawUpstream.SSE_HEAD);
        for (int i = 0; i < 40; i++) script.pause(100).chunk(RawUpstream.event("w" + i));
        var answer = script.chunk("data: [DONE]\n\n").write("0\r\n\r\n").build();
        RawUpstream raw = track(new RawUpstream(i -> answer));
        Harness h = track(new Harness(rawConfig(raw, "stream_timeout: 1", "gantry_settings: {stream_idle_timeout: 0.5}")));
        long start = System.nanoTime();
        var s = h.stream(Harness.chatBody("m", true), null);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("ended by stream_timeout (1 s), not after the upstream's 4 s").isBetween(900L, 3_000L);
        assertThat(s.data().size()).isBetween(3, 15);
        assertThat(s.data()).last().asString().contains("\"error\"").contains("next chunk");
        assertThat(raw.awaitClosedMidAnswer(5_000)).isTrue();
    }

    @Test
    void stream_clientGoneMidStream_closesTheUpstreamConnection_andIs499() throws Exception {
        var script = new RawUpstream.Script().write(RawUpstream.SSE_HEAD);
        for (int i = 0; i < 200; i++) script.pause(50).chunk(RawUpstream.event("w" + i));
        var answer = script.build();
        RawUpstream raw = track(new RawUpstream(i -> answer));
        Harness h = track(new Harness(rawConfig(raw, "", "")));
        readUntilThenLeave(h, "data: ");
        assertThat(raw.awaitClosedMidAnswer(5_000)).as("the upstream connection is closed when the client leaves").isTrue();
        awaitCount(() -> h.gateway.metrics.requests.value("m", "anonymous", "499"), 1);
    }

    @Test
    void stream_clientGoneBeforeTheFirstToken_closesTheUpstreamConnection_andIs499() throws Exception {
        RawUpstream raw = track(new RawUpstream(i -> new RawUpstream.Script().write(RawUpstream.SSE_HEAD).awaitClose().build()));
        Harness h = track(new Harness(rawConfig(raw, "", "gantry_settings: {keepalive_interval: 0.1}")));
        readUntilThenLeave(h, ": keep-alive");
        assertThat(raw.awaitClosedMidAnswer(5_000)).as("a failed keep-alive closes the upstream connection").isTrue();
        awaitCount(() -> h.gateway.metrics.requests.value("m", "anonymous", "499"), 1);
    }

    /** Sends a streamed chat request on a raw socket, reads until a line starting with {@code prefix}, and closes. */
    private static void readUntilThenLeave(Harness h, String prefix) throws Exception {
        var uri = java.net.URI.create(h.base);
        byte[] body = Harness.chatBody("m", true).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            var out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith(prefix)) {
                // status line, headers, chunk sizes
            }
            assertThat(line).as("the stream sent a line starting with '" + prefix + "'").isNotNull();
        }
    }

    private static void awaitCount(java.util.function.LongSupplier value, long expected) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        while (value.getAsLong() < expected && System.currentTimeMillis() < deadline) Thread.sleep(10);
        assertThat(value.getAsLong()).isEqualTo(expected);
    }
}
