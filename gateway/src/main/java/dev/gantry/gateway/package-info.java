/**
 * Gantry's LLM gateway, an OpenAI-compatible proxy in front of engine replicas that reads
 * LiteLLM-style {@code config.yaml} files: virtual keys, limits, routing with retries,
 * fallbacks and cooldown, and an asynchronous usage ledger. {@link dev.gantry.gateway.Main}
 * is the command line; {@link dev.gantry.gateway.Gateway} wires everything and exposes
 * {@code routing(Routes)} for tests; {@link dev.gantry.gateway.server} is its HTTP server.
 */
package dev.gantry.gateway;
