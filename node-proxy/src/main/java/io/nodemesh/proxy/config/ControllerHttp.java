package io.nodemesh.proxy.config;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The proxy's HTTP/1.1 client of the controller (config long polls, traffic reports): one Netty
 * connection, kept open between exchanges, used from one virtual thread at a time, which waits for
 * each answer. The message framing (RFC 9112) is Netty's {@link HttpClientCodec}, the codec the
 * proxy already loads for its upstreams; the JDK's {@code java.net.http} client it replaces loaded
 * about 220 classes and started a selector thread per client for two requests every few seconds.
 * Connections run on one shared event loop thread, started with the first client. {@link #close}
 * from another thread aborts an exchange in progress.
 *
 * <p>For {@code https} the connection is TLS from {@code tls} (or the JDK's default context), with
 * the controller's host name checked against its certificate (RFC 9110 section 4.3.4, the JDK's
 * "HTTPS" endpoint identification) and sent as SNI. For {@code http} no TLS class is touched.
 */
public final class ControllerHttp implements AutoCloseable {
  /** The bound of an answer's body when the caller gives none (reports get a few bytes back). */
  public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

  private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
  private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
  // A status line or header section larger than this is not from a controller (its heads are a
  // few hundred bytes).
  private static final int MAX_HEAD = 8 * 1024;

  private final boolean https;
  private final String host;
  private final int port;
  private final String hostHeader;
  private final SSLContext tls;
  private final int maxBodyBytes;
  private final Object lock = new Object();
  private Connection connection;
  private boolean closed;

  /**
   * A client of the controller at {@code controller} (its base URL; only scheme, host and port are
   * used). {@code tls} is the trust for an {@code https} controller (see {@link
   * ControllerTrust#pinned}); null is the JDK's default context.
   */
  public ControllerHttp(URI controller, SSLContext tls) {
    this(controller, tls, DEFAULT_MAX_BODY_BYTES);
  }

  /** As {@link #ControllerHttp(URI, SSLContext)}, refusing answers with a larger body. */
  public ControllerHttp(URI controller, SSLContext tls, long maxBodyBytes) {
    String scheme = Objects.requireNonNull(controller, "controller").getScheme();
    if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException(
          "controller URL '" + controller + "' is not http:// or https://");
    }
    if (controller.getHost() == null) {
      throw new IllegalArgumentException("controller URL '" + controller + "' names no host");
    }
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("max body bytes " + maxBodyBytes + " is not positive");
    }
    this.https = "https".equalsIgnoreCase(scheme);
    String h = controller.getHost();
    // URI keeps the brackets of an IPv6 literal: right for Host (RFC 9112 section 3.2), not for
    // a socket address.
    this.host = h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
    this.port = controller.getPort() >= 0 ? controller.getPort() : https ? 443 : 80;
    this.hostHeader = controller.getPort() >= 0 ? h + ":" + controller.getPort() : h;
    this.tls = tls;
    // The aggregated body is one buffer; Netty's bound is an int.
    this.maxBodyBytes = (int) Math.min(maxBodyBytes, Integer.MAX_VALUE - 1024);
  }

  /**
   * Sends one request and returns the response once all of it has arrived; the caller reads the
   * body and closes the response, which keeps the connection for the next exchange unless the
   * controller asked to close it.
   *
   * @param target the path and query
   * @param headers extra request fields (Host, Content-Length and Connection are this class's)
   * @param body the request content, or null for none
   * @param timeout how long the connection may stay silent before the answer is complete
   * @throws BodyTooLarge when the answer's body is larger than the bound given
   */
  public Response exchange(
      String method, String target, Map<String, String> headers, byte[] body, Duration timeout)
      throws IOException {
    for (Map.Entry<String, String> e : headers.entrySet()) {
      String v = e.getValue();
      // A token from a file must not end the head early or add a field (RFC 9110 section 5.5).
      if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("header " + e.getKey() + " holds a line break");
      }
    }
    boolean reused;
    synchronized (lock) {
      if (closed) {
        throw new IOException("client closed");
      }
      reused = connection != null;
    }
    try {
      return send(request(method, target, headers, body), timeout);
    } catch (IOException e) {
      // A kept connection the controller closed while idle fails before any answer; a GET is safe
      // to send again on a fresh one (RFC 9110 section 9.2.2).
      disconnect();
      if (!reused || !"GET".equals(method) || !(e instanceof StaleConnection)) {
        throw e;
      }
      return send(request(method, target, headers, body), timeout);
    }
  }

  private FullHttpRequest request(
      String method, String target, Map<String, String> headers, byte[] body) {
    FullHttpRequest r =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.valueOf(method),
            target,
            body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    r.headers().set("Host", hostHeader);
    headers.forEach(r.headers()::set);
    if (body != null) {
      r.headers().set("Content-Length", body.length);
    }
    return r;
  }

  private Response send(FullHttpRequest request, Duration timeout) throws IOException {
    Connection c = connected();
    CompletableFuture<FullHttpResponse> answer = c.answers.expect();
    c.channel
        .writeAndFlush(request)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                answer.completeExceptionally(new StaleConnection(f.cause()));
              }
            });
    FullHttpResponse r = await(answer, timeout);
    boolean keep = HttpUtil.isKeepAlive(r);
    return new Response(
        r.status().code(), r.headers(), new ByteBufInputStream(r.content(), true), keep);
  }

  private static FullHttpResponse await(
      CompletableFuture<FullHttpResponse> answer, Duration timeout) throws IOException {
    try {
      return answer.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      SocketTimeoutException late =
          new SocketTimeoutException(
              "no answer from the controller in " + timeout.toMillis() + " ms");
      if (answer.completeExceptionally(late)) {
        throw late;
      }
      return answer.join(); // it came just now
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException stopped = new InterruptedIOException("interrupted");
      if (answer.completeExceptionally(stopped)) {
        throw stopped;
      }
      return answer.join();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    }
  }

  private Connection connected() throws IOException {
    synchronized (lock) {
      // A close() that raced a stale-connection retry must not open a new connection.
      if (closed) {
        throw new IOException("client closed");
      }
      if (connection != null) {
        return connection;
      }
    }
    Answers answers = new Answers(maxBodyBytes);
    Loop loop = Loop.INSTANCE;
    ChannelFuture connect =
        new Bootstrap()
            .group(loop.group)
            .channel(loop.channel)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) throws IOException {
                    ChannelPipeline p = ch.pipeline();
                    if (https) {
                      p.addLast(Tls.handler(tls, ch, host, port));
                    }
                    p.addLast(new HttpClientCodec(MAX_HEAD, MAX_HEAD, 64 * 1024));
                    p.addLast(answers.heads);
                    p.addLast(new HttpObjectAggregator(maxBodyBytes));
                    p.addLast(answers);
                  }
                })
            .connect(new InetSocketAddress(host, port));
    Connection c = new Connection(connect.channel(), answers);
    synchronized (lock) {
      if (closed) {
        connect.channel().close();
        throw new IOException("client closed");
      }
      // Set now, so that close() from another thread aborts the connect too.
      connection = c;
    }
    // A connection the controller closes while idle is forgotten, so the next exchange (a POST
    // too) starts on a fresh one.
    c.channel.closeFuture().addListener(f -> forget(c));
    try {
      awaitDone(connect, CONNECT_TIMEOUT_MILLIS + 1_000L, "connect to");
      if (https) {
        awaitDone(
            connect.channel().pipeline().get(SslHandler.class).handshakeFuture(),
            HANDSHAKE_TIMEOUT_MILLIS,
            "TLS handshake with");
      }
    } catch (IOException e) {
      disconnect();
      throw e;
    }
    return c;
  }

  private void awaitDone(io.netty.util.concurrent.Future<?> f, long millis, String what)
      throws IOException {
    try {
      if (!f.await(millis)) {
        throw new SocketTimeoutException(what + " the controller timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
    if (!f.isSuccess()) {
      Throwable cause = f.cause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(
          "cannot " + what + " the controller at " + host + ":" + port + ": " + cause, cause);
    }
    synchronized (lock) {
      if (closed) {
        throw new IOException("client closed");
      }
    }
  }

  private void disconnect() {
    Connection c;
    synchronized (lock) {
      c = connection;
      connection = null;
    }
    if (c != null) {
      c.channel.close();
    }
  }

  private void forget(Connection c) {
    synchronized (lock) {
      if (connection == c) {
        connection = null;
      }
    }
  }

  /** Closes the connection; an exchange in progress on another thread fails. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
    }
    disconnect();
  }

  private record Connection(Channel channel, Answers answers) {}

  /** The one event loop thread of every controller client, started with the first connection. */
  // The proxy's transport/ package picks the same way, but config/ is below it in the layers
  // (docs/architecture.md), and these clients need no more than one daemon thread of their own.
  private static final class Loop {
    static final Loop INSTANCE = new Loop();
    final EventLoopGroup group;
    final Class<? extends Channel> channel;

    private Loop() {
      DefaultThreadFactory threads = new DefaultThreadFactory("nodemesh-controller-client", true);
      boolean epoll = Epoll.isAvailable();
      group =
          new MultiThreadIoEventLoopGroup(
              1, threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
      channel = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }
  }

  /** TLS set-up, in its own class so that an {@code http} controller never loads a TLS class. */
  private static final class Tls {
    static SslHandler handler(SSLContext given, Channel ch, String host, int port)
        throws IOException {
      SSLContext context;
      try {
        context = given != null ? given : SSLContext.getDefault();
      } catch (NoSuchAlgorithmException e) {
        throw new IOException("no TLS context: " + e.getMessage(), e);
      }
      JdkSslContext netty =
          new JdkSslContext(
              context,
              true,
              null,
              IdentityCipherSuiteFilter.INSTANCE,
              null,
              ClientAuth.NONE,
              null,
              false);
      // With a host name the engine sends it as SNI (RFC 6066 section 3).
      SSLEngine engine = netty.newEngine(ch.alloc(), host, port);
      SSLParameters p = engine.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      engine.setSSLParameters(p);
      SslHandler h = new SslHandler(engine);
      h.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
      return h;
    }
  }

  /**
   * The answers of one connection: completes the waiting exchange's future with the aggregated
   * response, or fails it. Runs on the event loop.
   */
  private static final class Answers extends SimpleChannelInboundHandler<FullHttpResponse> {
    private final int maxBodyBytes;
    // The head of the answer being received, seen before the aggregator (which drops it when the
    // body is too large); null until one arrives, so a close before it is a stale connection.
    private volatile HttpResponse head;
    private CompletableFuture<FullHttpResponse> waiting;

    final ChannelInboundHandlerAdapter heads =
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpResponse r) {
              head = r;
            }
            ctx.fireChannelRead(msg);
          }
        };

    Answers(int maxBodyBytes) {
      super(false);
      this.maxBodyBytes = maxBodyBytes;
    }

    synchronized CompletableFuture<FullHttpResponse> expect() {
      head = null;
      waiting = new CompletableFuture<>();
      return waiting;
    }

    private synchronized CompletableFuture<FullHttpResponse> take() {
      CompletableFuture<FullHttpResponse> f = waiting;
      waiting = null;
      return f;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
      if (!r.decoderResult().isSuccess()) {
        Throwable cause = r.decoderResult().cause();
        r.release();
        fail(ctx, malformed(cause));
        return;
      }
      // 1xx answers are interim (RFC 9110 section 15.2); this client sends no Expect.
      if (r.status().code() / 100 == 1) {
        r.release();
        return;
      }
      CompletableFuture<FullHttpResponse> f = take();
      if (f == null || !f.complete(r)) {
        // Unasked for, or the caller gave up: the connection's state is unknown.
        r.release();
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      IOException closed = new EOFException("the controller closed the connection");
      fail(ctx, head == null ? new StaleConnection(closed) : closed);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof TooLongHttpContentException) {
        HttpResponse h = head;
        fail(
            ctx,
            new BodyTooLarge(
                "answer from the controller is larger than " + maxBodyBytes + " bytes",
                h == null ? null : h.headers()));
      } else {
        fail(ctx, malformed(cause));
      }
    }

    private static IOException malformed(Throwable cause) {
      if (cause instanceof TooLongFrameException) {
        ProtocolException e =
            new ProtocolException("response head from the controller is too large");
        e.initCause(cause);
        return e;
      }
      if (cause instanceof IOException io) {
        return io;
      }
      ProtocolException e =
          new ProtocolException("malformed response from the controller: " + cause.getMessage());
      e.initCause(cause);
      return e;
    }

    private void fail(ChannelHandlerContext ctx, IOException e) {
      CompletableFuture<FullHttpResponse> f = take();
      if (f != null) {
        f.completeExceptionally(e);
      }
      ctx.close();
    }
  }

  /** An exchange that failed before any answer, on a connection that may be stale. */
  private static final class StaleConnection extends IOException {
    StaleConnection(Throwable cause) {
      super(cause.getMessage(), cause);
    }
  }

  /** An answer whose body is larger than the client's bound; its head is kept for the caller. */
  public static final class BodyTooLarge extends IOException {
    private final transient HttpHeaders headers;

    BodyTooLarge(String message, HttpHeaders headers) {
      super(message);
      this.headers = headers;
    }

    /** The answer's field (repeated fields joined by ", "), or null. */
    public String header(String name) {
      return Response.field(headers, name);
    }
  }

  /** One response: status, header fields, and its body as a stream. */
  public final class Response implements AutoCloseable {
    private final int status;
    private final HttpHeaders fields;
    private final ByteBufInputStream body;
    private final boolean keep;

    private Response(int status, HttpHeaders fields, ByteBufInputStream body, boolean keep) {
      this.status = status;
      this.fields = fields;
      this.body = body;
      this.keep = keep;
    }

    public int status() {
      return status;
    }

    /** The field's value (repeated fields joined by ", "), or null. */
    public String header(String name) {
      return field(fields, name);
    }

    static String field(HttpHeaders fields, String name) {
      if (fields == null) {
        return null;
      }
      List<String> all = fields.getAll(name);
      return all.isEmpty() ? null : String.join(", ", all);
    }

    /** The content, decoded from chunked coding; closing it releases its buffer. */
    public InputStream body() {
      return body;
    }

    /**
     * Ends the exchange and releases the body; the connection stays for the next one unless the
     * controller asked to close it (the whole body has arrived, read or not).
     */
    @Override
    public void close() {
      try {
        body.close();
      } catch (IOException e) {
        // releasing a buffer: nothing to report
      }
      if (!keep) {
        disconnect();
      }
    }
  }
}
