/** Coverage-guided fuzz targets (Jazzer) for the downstream HTTP request path. */
package io.nodemesh.proxy.fuzz;
