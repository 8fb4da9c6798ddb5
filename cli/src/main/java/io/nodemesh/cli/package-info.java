/**
 * The {@code nodemesh} command line: one picocli command per verb, plus {@link
 * io.nodemesh.cli.LocalMesh}, which runs the controller and one node proxy in one process.
 */
package io.nodemesh.cli;
