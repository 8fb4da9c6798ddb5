package io.nodemesh.proxy.accesslog;

/**
 * One access log line. Strings may be null when not known (no backend was chosen, no trace).
 *
 * @param epochMillis when the request or connection started
 * @param protocol {@code http}, {@code tcp} or {@code udp}
 * @param source the client's {@code ip:port}
 * @param sourceIdentity the client's service account where known, else null
 * @param destination the called Service port, {@code namespace/service:port}
 * @param backend the backend Service chosen
 * @param endpoint the endpoint {@code ip:port} chosen
 * @param method the request method (HTTP only)
 * @param path the request target in its canonical form, or as sent when refused (HTTP only)
 * @param status the final status (HTTP only; 0 otherwise)
 * @param durationNanos from start to end
 * @param bytesIn bytes received from the client (body bytes for HTTP)
 * @param bytesOut bytes sent to the client (body bytes for HTTP)
 * @param retries extra attempts made
 * @param traceId the trace this request belongs to, when tracing is on
 */
public record AccessLogEntry(
    long epochMillis,
    String protocol,
    String source,
    String sourceIdentity,
    String destination,
    String backend,
    String endpoint,
    String method,
    String path,
    int status,
    long durationNanos,
    long bytesIn,
    long bytesOut,
    int retries,
    String traceId) {}
