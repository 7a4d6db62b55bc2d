/**
 * Gantry engine. See ../shared/DESIGN.md for what belongs here.
 */
package dev.gantry.engine;
