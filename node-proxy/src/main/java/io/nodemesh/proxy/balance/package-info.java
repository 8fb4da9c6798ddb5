/**
 * Route evaluation and balancing: compiled HTTPRouteGroup matches, smooth weighted round robin over
 * split backends, and within a backend the Service's lb policy (round robin, least-request, random,
 * peak EWMA, consistent hash) over its usable endpoints, with same-node preference and outlier
 * ejection. Per-endpoint state outlives configs in an {@link
 * io.nodemesh.proxy.balance.EndpointRegistry}.
 */
package io.nodemesh.proxy.balance;
