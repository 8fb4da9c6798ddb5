/**
 * The tap grant: what the controller signs when it asks a node proxy's admin port for a tap on a
 * user's behalf, and what the proxy checks before it streams anything (docs/security.md, "Tap").
 */
package io.nodemesh.config.tap;
