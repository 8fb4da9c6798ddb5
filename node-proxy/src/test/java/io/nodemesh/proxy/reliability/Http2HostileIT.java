package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.Wire;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/2 attacks on the downstream side, on raw frames: each ends in a GOAWAY with the error the
 * RFC asks for (or a refused stream) and a closed connection, and the proxy keeps serving.
 */
class Http2HostileIT {
  static final String AUTHORITY = "web.default.mesh";

  @RegisterExtension static final HttpBackend backend = HttpBackend.start("web").forAllTests();

  @RegisterExtension
  static final WebProxy web =
      WebProxy.start(LimitSettings.defaults().withMaxRequestsPerUpstream(5000), backend)
          .forAllTests();

  static final NodeProxy proxy = web.proxy;
  static final int port = web.port;

  static long total(RejectReason r) {
    return proxy.limits().rejections().total(r);
  }

  static void stillServes() throws IOException {
    try (Wire w = new Wire(port)) {
      assertThat(w.exchange("GET / HTTP/1.1\r\nHost: " + AUTHORITY + "\r\n\r\n").body())
          .isEqualTo("web");
    }
    try (H2Wire h2 = new H2Wire(port, 0)) {
      h2.frame(
              H2Wire.HEADERS,
              H2Wire.END_STREAM | H2Wire.END_HEADERS,
              1,
              H2Wire.getHeaders(AUTHORITY))
          .flush();
      H2Wire.Frame data = h2.readUntil(H2Wire.DATA);
      assertThat(data).isNotNull();
      assertThat(new String(data.payload(), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo("web");
    }
  }

  @Test
  void aNormalRequestOverRawFramesWorks() throws Exception {
    stillServes();
  }

  @Test
  void rapidResetIsCutOffWithEnhanceYourCalm() throws Exception {
    // CVE-2023-44487: open a stream and cancel it at once, thousands of times.
    int before = backend.received.get();
    long abuse = total(RejectReason.HTTP2_ABUSE);
    try (H2Wire h2 = new H2Wire(port, 0)) {
      byte[] headers = H2Wire.getHeaders(AUTHORITY);
      try {
        for (int i = 0; i < 5000; i++) {
          int stream = 1 + 2 * i;
          h2.frame(H2Wire.HEADERS, H2Wire.END_STREAM | H2Wire.END_HEADERS, stream, headers)
              .frame(H2Wire.RST_STREAM, 0, stream, H2Wire.int32(H2Wire.CANCEL));
        }
        h2.flush();
      } catch (IOException e) {
        // The proxy closed the connection while the flood was still being written.
      }
      H2Wire.Frame goAway = h2.readUntil(H2Wire.GOAWAY);
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isEqualTo(H2Wire.ENHANCE_YOUR_CALM);
      assertThat(h2.closedWithin(5000)).isTrue();
    }
    // The reset streams did not all turn into backend requests.
    assertThat(backend.received.get() - before).isLessThan(1000);
    assertThat(total(RejectReason.HTTP2_ABUSE)).isGreaterThan(abuse);
    stillServes();
  }

  @Test
  void windowOverflowIsAFlowControlError() throws Exception {
    long errors = total(RejectReason.HTTP2_PROTOCOL_ERROR);
    try (H2Wire h2 = new H2Wire(port, 0)) {
      // The connection window starts at 65,535; this increment takes it past 2^31-1 (RFC 9113
      // §6.9.1).
      h2.frame(H2Wire.WINDOW_UPDATE, 0, 0, H2Wire.int32(0x7fffffff)).flush();
      H2Wire.Frame goAway = h2.readUntil(H2Wire.GOAWAY);
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isEqualTo(H2Wire.FLOW_CONTROL_ERROR);
      assertThat(h2.closedWithin(5000)).isTrue();
    }
    assertThat(total(RejectReason.HTTP2_PROTOCOL_ERROR)).isGreaterThan(errors);
    stillServes();
  }

  @Test
  void continuationFloodIsRefused() throws Exception {
    // A header block that never ends: HEADERS without END_HEADERS, then CONTINUATION frames full
    // of literal fields, far past the header list limit.
    try (H2Wire h2 = new H2Wire(port, 0)) {
      byte[] field = new byte[1024];
      field[0] = 0x00; // literal without indexing, new name
      field[1] = 0x7f; // name length 127 + continuation byte below
      field[2] = 0x00;
      java.util.Arrays.fill(field, 3, 3 + 127, (byte) 'x');
      field[130] = 0x7f; // value length 127 + continuation
      field[131] = (byte) (1024 - 132 - 127);
      java.util.Arrays.fill(field, 132, 1024, (byte) 'y');
      try {
        h2.frame(H2Wire.HEADERS, 0, 1, H2Wire.getHeaders(AUTHORITY));
        for (int i = 0; i < 10_000; i++) {
          h2.frame(H2Wire.CONTINUATION, 0, 1, field);
        }
        h2.flush();
      } catch (IOException e) {
        // Closed during the flood: what is being tested.
      }
      H2Wire.Frame end = h2.readUntil(H2Wire.GOAWAY);
      assertThat(end).isNotNull();
      assertThat(end.errorCode()).isIn(H2Wire.PROTOCOL_ERROR, H2Wire.ENHANCE_YOUR_CALM);
      assertThat(h2.closedWithin(5000)).isTrue();
    }
    stillServes();
  }

  @Test
  void pingFloodFromAPeerThatDoesNotReadIsCutOff() throws Exception {
    floodOfControlFrames(H2Wire.PING, new byte[8]);
  }

  @Test
  void settingsFloodFromAPeerThatDoesNotReadIsCutOff() throws Exception {
    floodOfControlFrames(H2Wire.SETTINGS, new byte[0]);
  }

  /**
   * Every PING or SETTINGS asks for an acknowledgement. A peer that sends them without reading
   * would make the proxy queue acknowledgements without bound; the queue is capped instead and the
   * connection closed.
   */
  private void floodOfControlFrames(int type, byte[] payload) throws Exception {
    long counted = total(RejectReason.HTTP2_ABUSE) + total(RejectReason.HTTP2_PROTOCOL_ERROR);
    try (H2Wire h2 = new H2Wire(port, 4096)) {
      boolean cut = false;
      try {
        for (int i = 0; i < 1_000_000 && !cut; i++) {
          h2.frame(type, 0, 0, payload);
          if (i % 10_000 == 0) {
            h2.flush();
          }
        }
        h2.flush();
      } catch (IOException e) {
        cut = true;
      }
      assertThat(cut || h2.closedWithin(10_000)).as("connection closed by the proxy").isTrue();
    }
    assertThat(total(RejectReason.HTTP2_ABUSE) + total(RejectReason.HTTP2_PROTOCOL_ERROR))
        .isGreaterThan(counted);
    stillServes();
  }

  @Test
  void streamsBeyondTheConcurrencyLimitAreRefused() throws Exception {
    backend.hold = new CountDownLatch(1);
    long refusedBefore = total(RejectReason.HTTP2_TOO_MANY_STREAMS);
    try (H2Wire h2 = new H2Wire(port, 0)) {
      byte[] headers = H2Wire.getHeaders(AUTHORITY);
      // The proxy advertises 1,000 concurrent streams; the 1,001st is refused (RFC 9113 §5.1.2).
      for (int i = 0; i < 1001; i++) {
        h2.frame(H2Wire.HEADERS, H2Wire.END_STREAM | H2Wire.END_HEADERS, 1 + 2 * i, headers);
      }
      h2.flush();
      H2Wire.Frame rst = h2.readUntil(H2Wire.RST_STREAM);
      assertThat(rst).isNotNull();
      assertThat(rst.stream()).isEqualTo(1 + 2 * 1000);
      assertThat(rst.errorCode()).isEqualTo(H2Wire.REFUSED_STREAM);
      assertThat(total(RejectReason.HTTP2_TOO_MANY_STREAMS) - refusedBefore).isEqualTo(1);
    } finally {
      backend.hold.countDown();
      backend.hold = null;
    }
    stillServes();
  }
}
