package io.nodemesh.proxy.tap;

/**
 * One finished HTTP request as a tap shows it. Strings may be null when not known (no listener
 * matched, no backend chosen, caller identity unknown).
 *
 * @param epochMillis when the request started
 * @param namespace the called Service's namespace
 * @param service the called Service
 * @param port the called Service port, 0 when no listener matched
 * @param backend the backend Service chosen
 * @param endpoint the endpoint {@code ip:port} that answered
 * @param method the request method
 * @param path the request target as forwarded (canonical form), query included
 * @param status the final status
 * @param latencyNanos from the request head to the end of the response
 * @param sourceIdentity the caller's service account where known
 * @param sourceAddress the caller's {@code ip:port}
 */
public record TapEvent(
    long epochMillis,
    String namespace,
    String service,
    int port,
    String backend,
    String endpoint,
    String method,
    String path,
    int status,
    long latencyNanos,
    String sourceIdentity,
    String sourceAddress) {}
