package io.nodemesh.cli.check;

import static io.nodemesh.cli.check.CheckText.list;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.nodemesh.smi.SmiKinds;
import java.util.ArrayList;
import java.util.List;

/** Every SMI CRD the controller reads is installed and serves the version it reads. */
final class CrdsCheck implements Check {
  /** {@code plural.group=version} of each CRD the controller watches. */
  static final List<String> CRDS =
      List.of(
          "trafficsplits." + SmiKinds.SPLIT_GROUP + "=" + SmiKinds.SPLIT_VERSION,
          "httproutegroups." + SmiKinds.SPECS_GROUP + "=" + SmiKinds.SPECS_VERSION,
          "tcproutes." + SmiKinds.SPECS_GROUP + "=" + SmiKinds.SPECS_VERSION,
          "udproutes." + SmiKinds.SPECS_GROUP + "=" + SmiKinds.SPECS_VERSION,
          "traffictargets." + SmiKinds.ACCESS_GROUP + "=" + SmiKinds.ACCESS_VERSION);

  @Override
  public String name() {
    return "crds";
  }

  @Override
  public CheckItem run(CheckContext c) {
    List<String> wrong = new ArrayList<>();
    for (String entry : CRDS) {
      String name = entry.substring(0, entry.indexOf('='));
      String version = entry.substring(entry.indexOf('=') + 1);
      CustomResourceDefinition crd =
          c.client().apiextensions().v1().customResourceDefinitions().withName(name).get();
      if (crd == null) {
        wrong.add(name + " missing");
        continue;
      }
      boolean served =
          crd.getSpec().getVersions().stream()
              .anyMatch(v -> version.equals(v.getName()) && Boolean.TRUE.equals(v.getServed()));
      if (!served) {
        wrong.add(
            "%s serves %s, not %s"
                .formatted(
                    name,
                    crd.getSpec().getVersions().stream()
                        .filter(v -> Boolean.TRUE.equals(v.getServed()))
                        .map(CustomResourceDefinitionVersion::getName)
                        .toList(),
                    version));
      }
    }
    if (!wrong.isEmpty()) {
      return CheckItem.fail(
          "crds", list(wrong) + "; apply chart/crds/ (kubectl apply -f chart/crds/)");
    }
    return CheckItem.pass(
        "crds", "all %d SMI CRDs serve the expected versions".formatted(CRDS.size()));
  }
}
