package dev.gantry.engine.server;

import dev.gantry.engine.api.Engine;
import dev.gantry.engine.api.EngineStats;
import java.nio.file.Path;

/**
 * The real engine server ({@link OpenAiServer} over a real {@link Engine}) on a free loopback
 * port, for the gateway's end-to-end test. It sits in the engine's package (in the gateway's
 * test sources) because {@link ServerConfig} is package-private and the public entry point,
 * {@code gantry-engine serve}, blocks until the JVM exits; everything else it touches is the
 * engine's public API.
 */
public final class LoopbackEngine implements AutoCloseable {
    private final Engine engine;
    private final OpenAiServer server;

    private LoopbackEngine(Engine engine, OpenAiServer server) {
        this.engine = engine;
        this.server = server;
    }

    /** Serves the model at {@code model} as {@code servedName}, at most {@code maxNumSeqs} running at once. */
    public static LoopbackEngine start(Path model, String servedName, int maxNumSeqs, int threads) {
        Engine engine = Engine.builder().model(model).threads(threads).maxModelLen(256).kvCacheBytes(16L << 20)
                .maxNumSeqs(maxNumSeqs).build();
        try {
            return new LoopbackEngine(engine, OpenAiServer.start(engine, ServerConfig.defaults(servedName, maxNumSeqs)));
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /** The OpenAI base URL, as a gateway's {@code api_base}: {@code http://127.0.0.1:PORT/v1}. */
    public String apiBase() {
        return "http://127.0.0.1:" + server.port() + "/v1";
    }

    public EngineStats stats() {
        return engine.stats();
    }

    @Override
    public void close() {
        server.close();
        engine.close();
    }
}
