package io.nodemesh.testkit;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * gRPC without protoc: messages are raw bytes, and methods are hand-made descriptors with the
 * byte-array marshaller, for test servers and clients and the benchmarks' gRPC backend.
 */
public final class GrpcBytes {
  /** Passes a message's bytes through as they are. */
  public static final MethodDescriptor.Marshaller<byte[]> MARSHALLER =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private GrpcBytes() {}

  /** The method {@code service/name} of the given type, with raw-byte messages both ways. */
  public static MethodDescriptor<byte[], byte[]> method(
      String service, String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
        .setRequestMarshaller(MARSHALLER)
        .setResponseMarshaller(MARSHALLER)
        .build();
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
