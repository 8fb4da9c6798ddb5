/** {@code nodemesh check}: one pass/fail item per thing a working mesh needs from the cluster. */
package io.nodemesh.cli.check;
