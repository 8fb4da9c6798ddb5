package io.nodemesh.proxy.decode;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpServerUpgradeHandler.UpgradeCodec;
import java.util.Collection;

/**
 * An h2c upgrade (RFC 7540 §3.2) only for a request head that the request guard accepted. The
 * upgrade handler sits after the guard but does not look at its verdict: without this, an upgrade
 * request with two Host fields (or too many fields) became stream 1 of an HTTP/2 connection and was
 * routed. Declined, the request goes on as HTTP/1.1 and is answered with the guard's 400 and a
 * close.
 */
public final class CheckedUpgradeCodec implements UpgradeCodec {
  private final UpgradeCodec delegate;

  public CheckedUpgradeCodec(UpgradeCodec delegate) {
    this.delegate = delegate;
  }

  @Override
  public Collection<CharSequence> requiredUpgradeHeaders() {
    return delegate.requiredUpgradeHeaders();
  }

  @Override
  public boolean prepareUpgradeResponse(
      ChannelHandlerContext ctx, FullHttpRequest upgradeRequest, HttpHeaders upgradeHeaders) {
    return !upgradeRequest.decoderResult().isFailure()
        && delegate.prepareUpgradeResponse(ctx, upgradeRequest, upgradeHeaders);
  }

  @Override
  public void upgradeTo(ChannelHandlerContext ctx, FullHttpRequest upgradeRequest) {
    delegate.upgradeTo(ctx, upgradeRequest);
  }
}
