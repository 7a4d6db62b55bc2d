package dev.gantry.gateway;

/** Placeholder replaced below. */
final class Bench {
    static int run(String[] args) {
        System.err.println("bench: not yet");
        return 2;
    }
}
