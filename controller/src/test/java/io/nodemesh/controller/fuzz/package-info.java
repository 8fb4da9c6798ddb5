/** Coverage-guided fuzz targets (Jazzer) for local mode's YAML and SMI parsing. */
package io.nodemesh.controller.fuzz;
