package io.nodemesh.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nodemesh.smi.SmiKinds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ACL scenarios in local mode: the cluster is a directory of YAML files, one per object. */
class AccessControlLocalIT extends AclScenarios {
  @TempDir Path dir;

  @Test
  void everyScenarioInLocalMode() throws Exception {
    world = new AclWorld();
    closing.add(world);
    KubernetesSerialization yaml = SmiKinds.newSerialization();
    Cluster files =
        new Cluster() {
          @Override
          public void put(HasMetadata o) {
            try {
              Files.writeString(file(o), yaml.asYaml(o));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }

          @Override
          public void delete(HasMetadata o) {
            try {
              Files.delete(file(o));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }

          private Path file(HasMetadata o) {
            return dir.resolve(
                o.getKind()
                    + "-"
                    + o.getMetadata().getNamespace()
                    + "-"
                    + o.getMetadata().getName()
                    + ".yaml");
          }
        };
    world.base().forEach(files::put);
    AclWorld.targets().forEach(files::put);
    // The older access.smi-spec.io/v1alpha2 is read too: web-to-dns as a user might have it.
    Files.writeString(
        dir.resolve("TrafficTarget-shop-web-to-dns.yaml"),
        """
        apiVersion: access.smi-spec.io/v1alpha2
        kind: TrafficTarget
        metadata:
          name: web-to-dns
          namespace: shop
        spec:
          destination:
            kind: ServiceAccount
            name: dns
            namespace: shop
          rules:
            - kind: UDPRoute
              name: dns
          sources:
            - kind: ServiceAccount
              name: web
              namespace: default
        """);
    LocalMesh mesh = LocalMesh.start(dir, options(), 0, 0);
    closing.add(mesh);
    controller = mesh.controller();
    proxy = mesh.proxy();
    runScenarios(
        files,
        () ->
            controller.problems().stream()
                .map(p -> p.kind() + " " + p.objectRef() + ": " + p.field() + ": " + p.message())
                .toList());
  }
}
