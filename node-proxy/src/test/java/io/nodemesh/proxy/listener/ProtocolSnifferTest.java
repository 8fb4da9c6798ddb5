package io.nodemesh.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The first-bytes rule of an {@code auto} listener (docs/protocols.md, Detection). */
class ProtocolSnifferTest {

  private static int classify(String first) {
    ByteBuf b = Unpooled.copiedBuffer(first, StandardCharsets.ISO_8859_1);
    try {
      int before = b.readerIndex();
      int kind = ProtocolSniffer.classify(b);
      // Peeking only: the pipeline chosen gets every byte.
      assertThat(b.readerIndex()).isEqualTo(before);
      return kind;
    } finally {
      b.release();
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "GET / HTTP/1.1|1",
        "'POST '|1",
        "PRI * HTTP/2.0|1",
        "UNSUBSCRIBE /x|1",
        "G|-1",
        "GET|-1",
        "' /x'|0",
        "get / HTTP/1.1|0",
        "'\u0016\u0003\u0001\u0002\u0000'|0",
        "SSH-2.0-OpenSSH|0",
        "ABCDEFGHIJKLMNOPQRSTU|0",
        "'ABCDEFGHIJKLMNOPQRST '|1",
        "'ABCDEFGHIJKLMNOPQRSTUV '|0",
      })
  void firstBytesChooseThePipeline(String first, int expected) {
    assertThat(classify(first)).isEqualTo(expected);
  }
}
