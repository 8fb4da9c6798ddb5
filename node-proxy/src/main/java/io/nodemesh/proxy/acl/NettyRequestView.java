package io.nodemesh.proxy.acl;

import io.netty.handler.codec.http.HttpRequest;
import io.nodemesh.config.access.RequestView;
import java.util.List;

/** A Netty request head seen as a {@link RequestView}; no copying. */
final class NettyRequestView implements RequestView {
  private final HttpRequest request;
  private final String path;

  NettyRequestView(HttpRequest request, String path) {
    this.request = request;
    this.path = path;
  }

  @Override
  public String method() {
    return request.method().name();
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public List<String> headers(String lowerCaseName) {
    return request.headers().getAll(lowerCaseName);
  }
}
