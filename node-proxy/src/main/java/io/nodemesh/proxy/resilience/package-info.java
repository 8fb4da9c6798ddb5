/**
 * The resilience primitives of the proxy's calls to backends: circuit breakers, retry backoff and a
 * retry budget, rate limits, failure kinds and the replay buffer. They know no endpoint and import
 * no other proxy package; {@code balance} ties them to its endpoints (its {@link
 * io.nodemesh.proxy.balance.Call} per request, its {@link
 * io.nodemesh.proxy.balance.ResilienceRegistry} for what outlives a config).
 */
package io.nodemesh.proxy.resilience;
