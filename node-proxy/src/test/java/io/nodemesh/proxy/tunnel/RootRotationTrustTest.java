package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A root rotation (issue 14: "roots rotate through a two-root bundle"): once the bundle holds the
 * new root beside the old one, the destination accepts a caller whose certificate chains to the new
 * root, with the TLS context it made for its own, unchanged, leaf. Before, the context kept the
 * roots it was made with until this proxy's next leaf, and refused the caller.
 */
class RootRotationTrustTest {
  static final String TD = "rotation.test";

  @Test
  void aNewRootIsTrustedAsSoonAsTheBundleHoldsItWithoutANewLeaf() throws Exception {
    TunnelCa oldCa = TunnelCa.create(TD);
    TunnelCa newCa = TunnelCa.create(TD);
    // The destination's bundle, changed in place as a proxy's store would swap it.
    List<X509Certificate> bundle = new CopyOnWriteArrayList<>(List.of(oldCa.root));
    TunnelCa.Held held = new TunnelCa.Held(TD, bundle);
    held.put(oldCa.issue("shop/db", Duration.ofHours(2)));
    TunnelTls destination = new TunnelTls(held, Clock.systemUTC());
    SslContext before = destination.server("shop/db").orElseThrow();
    SslContext caller = client(newCa, oldCa, newCa);

    assertThat(handshake(caller, before)).as("a root the bundle does not hold yet").isFalse();

    bundle.add(newCa.root);
    SslContext after = destination.server("shop/db").orElseThrow();
    assertThat(after).as("the same leaf, the same context").isSameAs(before);
    assertThat(handshake(caller, after)).as("the two-root bundle").isTrue();
    // The old root's callers still get in during the rotation.
    assertThat(handshake(client(oldCa, oldCa), after)).isTrue();

    bundle.remove(oldCa.root);
    assertThat(handshake(client(oldCa, oldCa), after))
        .as("the old root, dropped from the bundle")
        .isFalse();
  }

  /** A caller's tunnel context with a certificate of {@code issuer}, trusting {@code roots}. */
  private static SslContext client(TunnelCa issuer, TunnelCa... roots) throws Exception {
    TunnelCa.Held held = new TunnelCa.Held(TD, Arrays.stream(roots).map(ca -> ca.root).toList());
    held.put(issuer.issue("shop/web", Duration.ofHours(2)));
    return new TunnelTls(held, Clock.systemUTC()).client("shop/web").orElseThrow();
  }

  /** Whether a TLS 1.3 handshake of the two contexts, in memory, ends well on the server's side. */
  private static boolean handshake(SslContext client, SslContext server) {
    EmbeddedChannel c = new EmbeddedChannel(client.newHandler(ByteBufAllocator.DEFAULT));
    EmbeddedChannel s = new EmbeddedChannel(server.newHandler(ByteBufAllocator.DEFAULT));
    try {
      SslHandler serverSide = s.pipeline().get(SslHandler.class);
      for (int round = 0; round < 20 && !serverSide.handshakeFuture().isDone(); round++) {
        if (!shuttle(c, s) | !shuttle(s, c)) {
          break;
        }
      }
      return serverSide.handshakeFuture().isSuccess();
    } finally {
      c.finishAndReleaseAll();
      s.finishAndReleaseAll();
    }
  }

  /** Moves what {@code from} wrote to {@code to}; false when {@code to} failed on it. */
  private static boolean shuttle(EmbeddedChannel from, EmbeddedChannel to) {
    ByteBuf b;
    while ((b = from.readOutbound()) != null) {
      try {
        to.writeInbound(b);
      } catch (RuntimeException handshakeFailed) {
        return false;
      }
    }
    return true;
  }
}
