/**
 * Gantry gateway. Placeholder: this module has no code yet; see the open issue that builds it.
 */
package dev.gantry.gateway;
