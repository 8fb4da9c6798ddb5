/**
 * Stage 2 of the HTTP request path, decode: bytes into requests. HTTP/1.1, the two ways into HTTP/2
 * (prior knowledge, a checked {@code Upgrade: h2c}) and one child channel per HTTP/2 stream that
 * turns frames into the same request objects; then {@link
 * io.nodemesh.proxy.decode.DownstreamHandler}, which takes each decoded request through the stages
 * after it, one exchange at a time per connection or stream.
 */
package io.nodemesh.proxy.decode;
