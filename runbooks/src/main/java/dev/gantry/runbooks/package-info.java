/**
 * Runbooks for SREs generated from the plan that will be applied: {@link dev.gantry.runbooks.RunbookGenerator}
 * reads a {@link dev.gantry.policies.graph.ResourceGraph} and the gate's
 * {@link dev.gantry.policies.gate.GateReport}, collects the stack's real names (cluster, namespaces,
 * deployments, alerts, database, bucket) and renders the Markdown templates under
 * {@code dev/gantry/runbooks/templates/} with Jinjava.
 */
package dev.gantry.runbooks;
