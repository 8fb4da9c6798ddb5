package io.nodemesh.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The PROXY v2 header, read back by Netty's decoder (an independent implementation). */
class ProxyHeaderTest {

  private static HAProxyMessage decode(ByteBuf header) {
    EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
    ch.writeInbound(header);
    HAProxyMessage m = ch.readInbound();
    assertThat(m).isNotNull();
    assertThat((Object) ch.readInbound()).as("nothing after the header").isNull();
    ch.finishAndReleaseAll();
    return m;
  }

  private static InetSocketAddress at(String ip, int port) {
    return new InetSocketAddress(
        io.netty.util.NetUtil.createInetAddressFromIpAddressString(ip), port);
  }

  @Test
  void ipv6CarriesBothAddressesAndTheSpiffeIdTlv() {
    String id = "spiffe://mesh.example/ns/shop/sa/web";
    HAProxyMessage m =
        decode(
            ProxyHeader.v2(
                ByteBufAllocator.DEFAULT, at("fd00::7", 40000), at("fd00::2", 8080), id));
    assertThat(m.command()).isEqualTo(HAProxyCommand.PROXY);
    assertThat(m.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP6);
    assertThat(m.sourceAddress()).isEqualTo("fd00:0:0:0:0:0:0:7");
    assertThat(m.sourcePort()).isEqualTo(40000);
    assertThat(m.destinationPort()).isEqualTo(8080);
    assertThat(m.tlvs()).hasSize(1);
    HAProxyTLV tlv = m.tlvs().get(0);
    assertThat(tlv.typeByteValue() & 0xFF).isEqualTo(ProxyHeader.TLV_SPIFFE_ID);
    assertThat(tlv.content().toString(StandardCharsets.UTF_8)).isEqualTo(id);
    m.release();
  }

  @Test
  void aMixedPairIsSentAsIpv6WithTheIpv4AddressMapped() {
    HAProxyMessage m =
        decode(
            ProxyHeader.v2(
                ByteBufAllocator.DEFAULT, at("10.1.2.3", 5555), at("fd00::2", 8080), null));
    assertThat(m.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP6);
    assertThat(m.sourceAddress()).isEqualTo("0:0:0:0:0:ffff:a01:203");
    assertThat(m.tlvs()).isEmpty();
    m.release();
  }

  @Test
  void anUnknownSourceSaysLocalRatherThanMakingAnAddressUp() {
    HAProxyMessage m =
        decode(
            ProxyHeader.v2(
                ByteBufAllocator.DEFAULT,
                new io.netty.channel.local.LocalAddress("x"),
                at("10.0.0.2", 8080),
                null));
    assertThat(m.command()).isEqualTo(HAProxyCommand.LOCAL);
    m.release();
  }

  @Test
  void anOverlongSpiffeIdIsLeftOutNotTruncated() {
    String id = "spiffe://m/" + "a".repeat(ProxyHeader.MAX_SPIFFE_ID);
    HAProxyMessage m =
        decode(ProxyHeader.v2(ByteBufAllocator.DEFAULT, at("10.0.0.1", 1), at("10.0.0.2", 2), id));
    assertThat(m.tlvs()).isEmpty();
    m.release();
  }
}
