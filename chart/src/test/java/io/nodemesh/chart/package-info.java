/** Tests of the Helm chart: lint, rendered objects checked against the values, CRDs in sync. */
package io.nodemesh.chart;
