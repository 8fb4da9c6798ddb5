/**
 * Log output of the long-running commands: the JSON line formatter that {@code --log-format json}
 * and the chart's {@code logFormat: json} install on java.util.logging's handlers.
 */
package io.nodemesh.cli.logging;
