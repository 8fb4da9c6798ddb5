package io.nodemesh.proxy.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {
  @Test
  void aWholeRequestIsEndedAndItsCopiesShareTheSentBytes() {
    ReplayBuffer replay = new ReplayBuffer(8);
    ByteBuf body = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
    HttpContent last = new DefaultLastHttpContent(body);
    replay.add(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/"));
    assertThat(replay.ended()).isFalse();
    replay.add(last);
    assertThat(replay.complete()).isTrue();
    assertThat(replay.ended()).isTrue();

    List<HttpObject> copies = replay.copies();
    assertThat(copies).hasSize(2);
    assertThat(((HttpContent) copies.get(1)).content().readableBytes()).isEqualTo(3);
    copies.forEach(ReferenceCountUtil::release);
    replay.release();
    last.release();
    assertThat(body.refCnt()).isZero();
  }

  @Test
  void aBodyOverTheBoundIsNeitherCompleteNorEndedAndKeepsNothing() {
    ReplayBuffer replay = new ReplayBuffer(4);
    ByteBuf first = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
    ByteBuf second = Unpooled.copiedBuffer(new byte[] {4, 5});
    replay.add(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/"));
    replay.add(new DefaultHttpContent(first));
    replay.add(new DefaultLastHttpContent(second));
    assertThat(replay.complete()).isFalse();
    assertThat(replay.ended()).isFalse();
    assertThat(replay.copies()).isEmpty();
    // The buffer let go of its duplicates at once: only the sender's reference is left.
    assertThat(first.refCnt()).isEqualTo(1);
    assertThat(second.refCnt()).isEqualTo(1);
  }
}
