package io.nodemesh.dns.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A DNS client written from RFC 1035 section 4 without Netty, so the server's wire format is
 * checked by an independent encoder and decoder.
 */
final class DnsClient {
  static final int A = 1;
  static final int AAAA = 28;
  static final int TXT = 16;

  record Answer(int type, long ttl, InetAddress address) {}

  record Reply(int id, boolean authoritative, int rcode, List<Answer> answers) {}

  private DnsClient() {}

  static byte[] query(int id, String name, int type) throws IOException {
    return query(id, name, type, false);
  }

  /** With {@code edns}, an OPT pseudo-record (RFC 6891) as CoreDNS's forward and dig send one. */
  static byte[] query(int id, String name, int type, boolean edns) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeShort(id);
    out.writeShort(0x0100); // RD
    out.writeShort(1);
    out.writeShort(0);
    out.writeShort(0);
    out.writeShort(edns ? 1 : 0);
    for (String label : name.split("\\.")) {
      byte[] l = label.getBytes(StandardCharsets.US_ASCII);
      out.writeByte(l.length);
      out.write(l);
    }
    out.writeByte(0);
    out.writeShort(type);
    out.writeShort(1); // IN
    if (edns) {
      out.writeByte(0); // root
      out.writeShort(41); // OPT
      out.writeShort(1232); // UDP payload size
      out.writeInt(0x00008000); // extended RCODE 0, version 0, DO bit
      out.writeShort(0);
    }
    return bytes.toByteArray();
  }

  static Reply udp(int port, String name, int type) throws IOException {
    return udp(port, query(4242, name, type));
  }

  static Reply udp(int port, byte[] q) throws IOException {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(5000);
      socket.send(new DatagramPacket(q, q.length, new InetSocketAddress("127.0.0.1", port)));
      byte[] buf = new byte[1500];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      socket.receive(p);
      return parse(ByteBuffer.wrap(buf, 0, p.getLength()));
    }
  }

  static Reply tcp(int port, String name, int type) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      byte[] q = query(4343, name, type);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.writeShort(q.length); // RFC 1035 section 4.2.2: two-byte length prefix
      out.write(q);
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      byte[] r = new byte[in.readUnsignedShort()];
      in.readFully(r);
      return parse(ByteBuffer.wrap(r));
    }
  }

  private static Reply parse(ByteBuffer b) throws IOException {
    int id = b.getShort() & 0xffff;
    int flags = b.getShort() & 0xffff;
    int qd = b.getShort() & 0xffff;
    int an = b.getShort() & 0xffff;
    b.getShort();
    b.getShort();
    for (int i = 0; i < qd; i++) {
      skipName(b);
      b.getInt();
    }
    List<Answer> answers = new ArrayList<>();
    for (int i = 0; i < an; i++) {
      skipName(b);
      int type = b.getShort() & 0xffff;
      b.getShort();
      long ttl = b.getInt() & 0xffffffffL;
      byte[] data = new byte[b.getShort() & 0xffff];
      b.get(data);
      answers.add(new Answer(type, ttl, InetAddress.getByAddress(data)));
    }
    return new Reply(id, (flags & 0x0400) != 0, flags & 0x000f, answers);
  }

  private static void skipName(ByteBuffer b) {
    while (true) {
      int len = b.get() & 0xff;
      if (len == 0) {
        return;
      }
      if ((len & 0xc0) == 0xc0) {
        b.get();
        return;
      }
      b.position(b.position() + len);
    }
  }
}
