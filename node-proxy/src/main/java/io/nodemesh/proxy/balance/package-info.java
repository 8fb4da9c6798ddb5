/**
 * Route evaluation and balancing: compiled HTTPRouteGroup matches, smooth weighted round robin over
 * split backends, and within a backend the Service's lb policy (round robin, least-request, random,
 * peak EWMA, consistent hash) over its usable endpoints, with same-node preference and outlier
 * ejection. A {@link io.nodemesh.proxy.balance.Call} carries one request through its attempts with
 * the {@code resilience} primitives (breaker, retry budget, backoff). What outlives a config
 * (endpoint states, breakers, budgets, rate limiters) is kept in the {@link
 * io.nodemesh.proxy.balance.ResilienceRegistry}.
 */
package io.nodemesh.proxy.balance;
