/**
 * The test kit (issue 19): one copy of each fixture the modules' tests share. Servers listen on
 * loopback ephemeral ports; everything is {@link AutoCloseable}. Only tests depend on this package.
 */
package io.nodemesh.testkit;
