package io.nodemesh.controller.gamma;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the leader writes into {@code status.parents} (Gateway API RouteParentStatus). */
class RouteStatusWriterTest {
  static final ParentReference WEB =
      new ParentReferenceBuilder().withName("web").withKind("Service").withGroup("").build();

  static RouteStatus status(boolean accepted, String reason) {
    return new RouteStatus(
        new RouteRef("HTTPRoute", "shop", "web", ""),
        7,
        List.of(
            new RouteStatus.Parent(
                WEB,
                List.of(
                    new RouteStatus.Condition("Accepted", accepted, reason, "m"),
                    new RouteStatus.Condition("ResolvedRefs", true, "ResolvedRefs", "ok")))));
  }

  @Test
  void keepsOtherControllersEntriesAndWritesOursWithGenerationAndTime() {
    RouteParentStatus gateway =
        new RouteParentStatusBuilder()
            .withControllerName("example.com/gateway")
            .withParentRef(new ParentReferenceBuilder().withName("edge").build())
            .withConditions(new ConditionBuilder().withType("Accepted").withStatus("True").build())
            .build();
    List<RouteParentStatus> out =
        RouteStatusWriter.desired(
            List.of(gateway), status(true, "Accepted"), "2026-12-07T10:00:00Z");

    assertThat(out).hasSize(2);
    assertThat(out.get(0)).isSameAs(gateway);
    RouteParentStatus ours = out.get(1);
    assertThat(ours.getControllerName()).isEqualTo("nodemesh.io/mesh");
    assertThat(ours.getParentRef()).isEqualTo(WEB);
    Condition accepted = ours.getConditions().get(0);
    assertThat(accepted.getType()).isEqualTo("Accepted");
    assertThat(accepted.getStatus()).isEqualTo("True");
    assertThat(accepted.getReason()).isEqualTo("Accepted");
    assertThat(accepted.getObservedGeneration()).isEqualTo(7L);
    assertThat(accepted.getLastTransitionTime()).isEqualTo("2026-12-07T10:00:00Z");
  }

  @Test
  void aConditionKeepsItsTransitionTimeUntilItsStatusChangesAndAnUnchangedStatusIsNotRewritten() {
    List<RouteParentStatus> first =
        RouteStatusWriter.desired(List.of(), status(true, "Accepted"), "2026-12-07T10:00:00Z");
    List<RouteParentStatus> same =
        RouteStatusWriter.desired(first, status(true, "Accepted"), "2026-12-07T11:00:00Z");
    // Equal, so the writer skips the API call.
    assertThat(same).isEqualTo(first);

    List<RouteParentStatus> refused =
        RouteStatusWriter.desired(first, status(false, "UnsupportedValue"), "2026-12-07T12:00:00Z");
    Condition accepted = refused.get(0).getConditions().get(0);
    assertThat(accepted.getStatus()).isEqualTo("False");
    assertThat(accepted.getLastTransitionTime()).isEqualTo("2026-12-07T12:00:00Z");
    Condition resolved = refused.get(0).getConditions().get(1);
    assertThat(resolved.getLastTransitionTime()).isEqualTo("2026-12-07T10:00:00Z");
  }

  @Test
  void aParentThatIsNoLongerReferencedLosesItsEntry() {
    List<RouteParentStatus> first =
        RouteStatusWriter.desired(List.of(), status(true, "Accepted"), "2026-12-07T10:00:00Z");
    RouteStatus none = new RouteStatus(new RouteRef("HTTPRoute", "shop", "web", ""), 8, List.of());
    assertThat(RouteStatusWriter.desired(first, none, "2026-12-07T11:00:00Z")).isEmpty();
  }
}
