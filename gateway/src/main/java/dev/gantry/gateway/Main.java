package dev.gantry.gateway;

import dev.gantry.gateway.config.ConfigException;
import dev.gantry.gateway.config.ConfigLoader;
import dev.gantry.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code gantry-gateway --config config.yaml [--host H] [--port P] [--data-dir DIR]}: runs the
 * gateway until interrupted. {@code gantry-gateway bench ...} runs the benchmark
 * ({@link Bench}). Exit codes: 0 ok, 2 bad arguments or config.
 */
public final class Main {
    static final String USAGE = """
            Usage: gantry-gateway --config FILE [--host HOST] [--port PORT] [--data-dir DIR]
                   gantry-gateway bench --direct URL --gateway URL [--master-key K] [--via URL] [--out FILE]
                   gantry-gateway stub [--port P]   (the benchmark's stub upstream)
                   gantry-gateway bench-ledger [--records N] [--rate R] [--database-url URL]   (the usage ledger alone)

            An OpenAI-compatible LLM gateway that reads LiteLLM-style config.yaml files.

              --config FILE    LiteLLM-style config (model_list, router_settings, general_settings,
                               litellm_settings, gantry_settings); os.environ/NAME values are read
                               from the environment
              --host HOST      address to listen on (default 0.0.0.0)
              --port PORT      port to listen on (default 4000, like LiteLLM)
              --data-dir DIR   where the embedded H2 database and the usage spool live (default .)
              --check          validate the config, print warnings, and exit
              --help           this text

            Endpoints: /v1/chat/completions, /v1/completions, /v1/models, /key/generate|info|update|
            delete|list (master key), /health/liveliness, /health/readiness, /metrics.
            """;

    private Main() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    static int run(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("bench")) {
            return Bench.run(java.util.Arrays.copyOfRange(args, 1, args.length));
        }
        if (args.length > 0 && args[0].equals("bench-ledger")) {
            return LedgerBench.run(java.util.Arrays.copyOfRange(args, 1, args.length));
        }
        if (args.length > 0 && args[0].equals("stub")) {
            return Bench.stub(java.util.Arrays.copyOfRange(args, 1, args.length));
        }
        Options options;
        try {
            options = parseArguments(java.util.Arrays.asList(args));
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        if (options.help()) {
            System.out.print(USAGE);
            return 0;
        }
        String config = options.config(), host = options.host(), dataDir = options.dataDir();
        int port = options.port();
        boolean check = options.check();
        GatewayConfig cfg;
        try {
            cfg = ConfigLoader.load(Path.of(config));
        } catch (ConfigException e) {
            System.err.println("gantry-gateway: " + e.getMessage());
            return 2;
        }
        cfg.warnings().forEach(w -> System.err.println("gantry-gateway: warning: " + w));
        if (check) {
            System.out.println("config OK: " + cfg.deployments().size() + " deployments of " + cfg.modelNames());
            return 0;
        }
        Gateway gateway = new Gateway(cfg, Path.of(dataDir));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }));
        gateway.start(host, port);
        stopped.await();
        return 0;
    }

    /**
     * The serving command line as parsed, before anything is read or started.
     *
     * @param config  the --config file (required unless help)
     * @param port    0..65535
     * @param help    --help was given: print the usage and exit 0
     */
    public record Options(String config, String host, int port, String dataDir, boolean check, boolean help) {}

    /**
     * Parses {@code --config FILE [--host H] [--port P] [--data-dir DIR] [--check] [--help]}
     * as the gateway does before starting (a deployment's arguments must pass it).
     *
     * @throws IllegalArgumentException naming the bad argument, as the gateway prints it before exiting 2
     */
    public static Options parseArguments(java.util.List<String> args) {
        String config = null, host = "0.0.0.0", dataDir = ".";
        int port = 4000;
        boolean check = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--help", "-h" -> {
                    return new Options(config, host, port, dataDir, check, true);
                }
                case "--check" -> check = true;
                case "--config", "--host", "--port", "--data-dir" -> {
                    if (i + 1 >= args.size()) throw new IllegalArgumentException(a + " needs a value");
                    String v = args.get(++i);
                    switch (a) {
                        case "--config" -> config = v;
                        case "--host" -> host = v;
                        case "--data-dir" -> dataDir = v;
                        default -> {
                            try {
                                port = Integer.parseInt(v);
                                if (port < 0 || port > 65535) throw new NumberFormatException();
                            } catch (NumberFormatException e) {
                                throw new IllegalArgumentException("--port must be a number in [0, 65535], got '" + v + "'");
                            }
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        if (config == null) throw new IllegalArgumentException("--config FILE is required");
        return new Options(config, host, port, dataDir, check, false);
    }

    private static int usage(String problem) {
        System.err.println("gantry-gateway: " + problem);
        System.err.print(USAGE);
        return 2;
    }
}
