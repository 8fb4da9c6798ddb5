package io.nodemesh.proxy.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.junit.jupiter.api.Test;

/** Decoder failures map to the status and the bounded reason the proxy answers and counts. */
class RejectionsTest {
  @Test
  void sizeFailuresGet414And431() {
    RejectedRequest line = Rejections.classify(new TooLongHttpLineException("too long"));
    assertThat(line.status()).isEqualTo(HttpResponseStatus.REQUEST_URI_TOO_LONG);
    assertThat(line.reason()).isEqualTo(RejectReason.REQUEST_LINE_TOO_LONG);
    RejectedRequest headers = Rejections.classify(new TooLongHttpHeaderException("too large"));
    assertThat(headers.status()).isEqualTo(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE);
    assertThat(headers.reason()).isEqualTo(RejectReason.HEADERS_TOO_LARGE);
  }

  @Test
  void headerSyntaxWinsOverTheNameOfTheFieldItIsAbout() {
    // "Content-Length " is a bad header name, not a framing problem.
    assertThat(
            Rejections.classify(
                    new IllegalArgumentException(
                        "a header name can only contain \"token\" characters, but found invalid"
                            + " character 0x20 at index 14 of header 'Content-Length '."))
                .reason())
        .isEqualTo(RejectReason.BAD_HEADER);
    assertThat(
            Rejections.classify(
                    new IllegalArgumentException("Multiple Content-Length values found: [3, 4]"))
                .reason())
        .isEqualTo(RejectReason.AMBIGUOUS_FRAMING);
  }

  @Test
  void anUnknownFailureIsAPlain400() {
    RejectedRequest r = Rejections.classify(new IllegalStateException("something else"));
    assertThat(r.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
    assertThat(r.reason()).isEqualTo(RejectReason.MALFORMED);
    assertThat(Rejections.classify(null).reason()).isEqualTo(RejectReason.MALFORMED);
  }

  @Test
  void aRejectionAlreadyMadeIsKept() {
    RejectedRequest made =
        new RejectedRequest(
            HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
            RejectReason.UNSUPPORTED_VERSION,
            "unsupported protocol version HTTP/9.9");
    assertThat(Rejections.classify(made)).isSameAs(made);
  }
}
