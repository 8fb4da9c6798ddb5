package io.nodemesh.dns.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;

/**
 * Answers the mesh zone over UDP and TCP (RFC 1035 section 4.2) on one port: {@code A}/{@code AAAA}
 * for {@code NAME.NAMESPACE.<domain>} with the shadow Service's ClusterIPs, NODATA for other types
 * of a known name and for the zone's own names, NXDOMAIN otherwise, REFUSED outside the zone.
 * Answers are authoritative with a short TTL, because a Service can join or leave the mesh at any
 * time. Nothing is forwarded: the cluster DNS sends only this zone here.
 */
public final class MeshDnsServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(MeshDnsServer.class.getName());

  /** Seconds a client may cache an answer (and, through the SOA-less negative answer, a miss). */
  public static final long TTL_SECONDS = 5;

  private final EventLoopGroup group;
  private final Channel udp;
  private final Channel tcp;

  private MeshDnsServer(EventLoopGroup group, Channel udp, Channel tcp) {
    this.group = group;
    this.udp = udp;
    this.tcp = tcp;
  }

  /**
   * Binds UDP and TCP on {@code bind:port} (port 0: any free port, the same for both).
   *
   * @param domain the mesh domain, e.g. {@code mesh}
   */
  public static MeshDnsServer start(String bind, int port, String domain, MeshNames names)
      throws InterruptedException {
    return start(bind, port, domain, names, new DnsMetrics(names));
  }

  /** As above, counting every answer in {@code metrics}. */
  public static MeshDnsServer start(
      String bind, int port, String domain, MeshNames names, DnsMetrics metrics)
      throws InterruptedException {
    Answerer answerer = new Answerer(domain, names, metrics);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      Channel tcp =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast(
                              new TcpDnsQueryDecoder(),
                              new TcpDnsResponseEncoder(),
                              new TcpHandler(answerer));
                    }
                  })
              .bind(bind, port)
              .sync()
              .channel();
      int bound = ((InetSocketAddress) tcp.localAddress()).getPort();
      Channel udp =
          new Bootstrap()
              .group(group)
              .channel(NioDatagramChannel.class)
              .handler(
                  new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                      ch.pipeline()
                          .addLast(
                              new DatagramDnsQueryDecoder(),
                              new DatagramDnsResponseEncoder(),
                              new UdpHandler(answerer));
                    }
                  })
              .bind(bind, bound)
              .sync()
              .channel();
      return new MeshDnsServer(group, udp, tcp);
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully();
      throw e;
    }
  }

  public int port() {
    return ((InetSocketAddress) tcp.localAddress()).getPort();
  }

  @Override
  public void close() {
    udp.close();
    tcp.close();
    group.shutdownGracefully().syncUninterruptibly();
  }

  /** Fills a response for a query; the same rules for UDP and TCP. */
  static final class Answerer {
    private final String suffix;
    private final MeshNames names;
    private final DnsMetrics metrics;

    Answerer(String domain, MeshNames names, DnsMetrics metrics) {
      this.suffix = "." + domain.toLowerCase(Locale.ROOT) + ".";
      this.names = names;
      this.metrics = metrics;
    }

    /** Answers and counts the answer under {@code transport} (udp or tcp). */
    void answer(String transport, DnsQuery query, DnsResponse response) {
      long start = System.nanoTime();
      answer(query, response);
      DnsRecordType type =
          query.count(DnsSection.QUESTION) == 1
              ? query.<DnsQuestion>recordAt(DnsSection.QUESTION).type()
              : null;
      metrics.record(transport, type, response.code(), System.nanoTime() - start);
    }

    void answer(DnsQuery query, DnsResponse response) {
      response.setAuthoritativeAnswer(true);
      response.setRecursionDesired(query.isRecursionDesired());
      DnsQuestion question =
          query.count(DnsSection.QUESTION) == 1 ? query.recordAt(DnsSection.QUESTION) : null;
      if (question == null) {
        response.setCode(DnsResponseCode.FORMERR);
        return;
      }
      response.addRecord(
          DnsSection.QUESTION,
          new DefaultDnsQuestion(question.name(), question.type(), question.dnsClass()));
      String name = question.name().toLowerCase(Locale.ROOT);
      if (!name.endsWith(".")) {
        name = name + ".";
      }
      String zone = suffix.substring(1);
      if (!name.endsWith(suffix) && !name.equals(zone)) {
        response.setCode(DnsResponseCode.REFUSED);
        return;
      }
      String relative = name.equals(zone) ? "" : name.substring(0, name.length() - suffix.length());
      String[] labels = relative.isEmpty() ? new String[0] : relative.split("\\.");
      if (labels.length < 2) {
        // The zone itself and NAMESPACE.<domain> exist as names without records.
        response.setCode(DnsResponseCode.NOERROR);
        return;
      }
      List<InetAddress> ips = labels.length == 2 ? names.lookup(labels[0], labels[1]) : List.of();
      if (ips.isEmpty()) {
        response.setCode(DnsResponseCode.NXDOMAIN);
        return;
      }
      response.setCode(DnsResponseCode.NOERROR);
      for (InetAddress ip : ips) {
        boolean wanted =
            (question.type() == DnsRecordType.A && ip instanceof Inet4Address)
                || (question.type() == DnsRecordType.AAAA && ip instanceof Inet6Address);
        if (wanted) {
          response.addRecord(
              DnsSection.ANSWER,
              new DefaultDnsRawRecord(
                  question.name(),
                  question.type(),
                  TTL_SECONDS,
                  Unpooled.wrappedBuffer(ip.getAddress())));
        }
      }
    }
  }

  @ChannelHandler.Sharable
  private static final class UdpHandler extends SimpleChannelInboundHandler<DatagramDnsQuery> {
    private final Answerer answerer;

    UdpHandler(Answerer answerer) {
      this.answerer = answerer;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
      DatagramDnsResponse response =
          new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
      answerer.answer("udp", query, response);
      ctx.writeAndFlush(response);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A malformed datagram must not stop the server; the client simply gets no answer.
      LOG.log(Level.DEBUG, "bad DNS datagram: {0}", cause.toString());
    }
  }

  private static final class TcpHandler extends SimpleChannelInboundHandler<DnsQuery> {
    private final Answerer answerer;

    TcpHandler(Answerer answerer) {
      this.answerer = answerer;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DnsQuery query) {
      DnsResponse response = new DefaultDnsResponse(query.id());
      answerer.answer("tcp", query, response);
      ctx.writeAndFlush(response);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.log(Level.DEBUG, "bad DNS query over TCP: {0}", cause.toString());
      ctx.close();
    }
  }
}
