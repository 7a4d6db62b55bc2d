/**
 * Gantry's LLM gateway, an OpenAI-compatible proxy in front of engine replicas that reads
 * LiteLLM-style {@code config.yaml} files: virtual keys, limits, routing with retries,
 * fallbacks and cooldown, and an asynchronous usage ledger. {@link dev.gantry.gateway.Main}
 * is the command line; {@link dev.gantry.gateway.Gateway} wires everything and exposes
 * {@code routing(HttpRouting.Builder)} for tests.
 */
package dev.gantry.gateway;
