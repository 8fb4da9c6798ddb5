package io.nodemesh.cli.check;

/**
 * One item of {@code nodemesh check}: a name (the first column of the report) and what it looks at.
 * Checks are values in {@link ClusterCheck#CHECKS}, run in order; a check that throws a Kubernetes
 * API error fails its own item only.
 */
interface Check {
  /** The item's name, e.g. {@code leader}. */
  String name();

  /** Looks at the cluster (and the controller, the proxies) and says how this item stands. */
  CheckItem run(CheckContext context);
}
