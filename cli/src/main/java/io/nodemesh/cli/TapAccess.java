package io.nodemesh.cli;

import io.nodemesh.cli.check.ControllerAccess;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.proxy.config.ControllerTrust;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/** How {@code nodemesh tap --controller} authenticates: the token sent and the CA pinned. */
final class TapAccess {
  private TapAccess() {}

  /**
   * Pins {@code ca} and adds the bearer token: the file's, else the kubeconfig's over https only
   * (RFC 6750 section 5.3: a bearer token is not sent in the clear).
   */
  static void secure(
      CommandLine.Model.CommandSpec spec,
      URI controller,
      Path ca,
      Path tokenFile,
      Path kubeconfig,
      HttpClient.Builder client,
      HttpRequest.Builder request) {
    boolean https = "https".equalsIgnoreCase(controller.getScheme());
    if (ca != null) {
      if (!https) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--controller-ca needs an https:// --controller");
      }
      try {
        client.sslContext(ControllerTrust.pinned(ca));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--controller-ca: " + e.getMessage());
      }
    }
    String token = null;
    if (tokenFile != null) {
      try {
        token = Files.readString(tokenFile).strip();
      } catch (IOException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--token-file: cannot read '" + tokenFile + "'");
      }
      if (token.isEmpty()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--token-file '" + tokenFile + "' is empty");
      }
    } else if (https) {
      try (var k = ClusterOptions.connect(kubeconfig)) {
        token = ControllerAccess.bearerToken(k.getConfiguration());
      } catch (RuntimeException e) {
        token = null;
      }
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
  }

  /** The {@code error} of a JSON refusal, else the line as it is. */
  static String reason(String line) {
    try {
      Map<?, ?> m = MeshConfigJson.mapper().readValue(line, Map.class);
      if (m.get("error") != null) {
        return String.valueOf(m.get("error"));
      }
    } catch (IOException | RuntimeException e) {
      // Not JSON: the proxy answers plain text.
    }
    return line;
  }

  static String hint(int status) {
    return switch (status) {
      case 401 ->
          " (send a bearer token: --token-file FILE, or an https --controller with a"
              + " token kubeconfig)";
      case 403 ->
          " (ask an administrator to bind you a ClusterRole granting create on"
              + " taps.nodemesh.io, such as nodemesh-tapper)";
      default -> "";
    };
  }
}
