package dev.gantry.engine.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A streaming completion on a raw socket, read up to its first event, so a test controls
 * exactly when the client goes away (close) or reads on.
 */
final class RawStream implements AutoCloseable {
  private final Socket socket;
  private final BufferedReader in;

  RawStream(int port, String body) throws IOException {
    socket = new Socket("127.0.0.1", port);
    OutputStream out = socket.getOutputStream();
    out.write(post("/v1/completions", body));
    out.flush();
    in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    assertThat(in.readLine()).startsWith("HTTP/1.1 200");
    for (String line; !(line = in.readLine()).startsWith("data: "); ) {
      // headers and chunk sizes until the first event
    }
  }

  /** An HTTP/1.1 POST of a JSON body, as bytes. */
  static byte[] post(String path, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
        + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[head.length + bytes.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(bytes, 0, all, head.length, bytes.length);
    return all;
  }

  /** Reads one response with a Content-Length body (status line, headers, body) as text. */
  static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed after: " + head);
      }
      head.append((char) b);
    }
    Matcher m = Pattern.compile("(?im)^content-length: *(\\d+)").matcher(head);
    assertThat(m.find()).as("content-length in %s", head).isTrue();
    byte[] body = in.readNBytes(Integer.parseInt(m.group(1)));
    return head + new String(body, StandardCharsets.UTF_8);
  }

  /** Reads to the end of the stream; true when it ended with data: [DONE]. */
  boolean readToDone() throws IOException {
    for (String line; (line = in.readLine()) != null; ) {
      if (line.equals("data: [DONE]")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
