/**
 * Tracing with the OpenTelemetry SDK: one server span per proxied request, context read from and
 * written as W3C traceparent, B3 and Jaeger headers, spans exported over OTLP HTTP/protobuf.
 */
package io.nodemesh.proxy.tracing;
