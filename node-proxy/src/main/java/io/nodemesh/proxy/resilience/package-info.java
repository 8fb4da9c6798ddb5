/**
 * Resilience of the proxy's calls to backends: circuit breakers, retries with backoff and a retry
 * budget, rate limits, and the per-request {@link io.nodemesh.proxy.resilience.Call} that ties them
 * to balancing. State that must survive a config change lives in {@link
 * io.nodemesh.proxy.resilience.ResilienceRegistry}.
 */
package io.nodemesh.proxy.resilience;
