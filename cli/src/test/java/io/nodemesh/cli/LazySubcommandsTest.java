package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * A command line that names a subcommand gets a root with that subcommand only (issue 15: start-up
 * of {@code nodemesh proxy}); every other command line gets all of them, and what the user sees is
 * the same either way.
 */
class LazySubcommandsTest {

  static List<String> names() {
    return Main.COMMANDS.stream()
        .filter(c -> c != CommandLine.HelpCommand.class)
        .map(c -> c.getAnnotation(Command.class).name())
        .toList();
  }

  @ParameterizedTest
  @MethodSource("names")
  void aNamedCommandIsTheOnlyOneBuiltAndItsUsageIsUnchanged(String name) {
    CommandLine lazy = Main.commandLine(name, "--help");
    CommandLine full = Main.commandLine();

    assertThat(lazy.getSubcommands()).containsOnlyKeys(name);
    assertThat(full.getSubcommands()).hasSize(Main.COMMANDS.size());
    assertThat(lazy.getSubcommands().get(name).getUsageMessage())
        .isEqualTo(full.getSubcommands().get(name).getUsageMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"--help", "-h", "help", "prxy", "@args", "--bogus"})
  void anythingElseGetsEveryCommand(String first) {
    assertThat(Main.commandLine(first, "proxy").getSubcommands())
        .hasSize(Main.COMMANDS.size())
        .containsKeys("proxy", "controller", "help");
  }

  @Test
  void helpListsEveryVisibleCommandInOrder() {
    CliTest.Result r = CliTest.run("--help");

    assertThat(r.code()).isZero();
    List<String> listed =
        r.out()
            .lines()
            .dropWhile(l -> !l.equals("Commands:"))
            .skip(1)
            .map(String::strip)
            .filter(l -> !l.isEmpty())
            .map(l -> l.split("\\s+", 2)[0])
            .toList();
    List<String> visible =
        Main.COMMANDS.stream()
            .map(c -> c.getAnnotation(Command.class))
            .filter(c -> !c.hidden())
            .map(Command::name)
            .toList();
    assertThat(listed).containsSubsequence(visible);
  }

  @Test
  void aMisspeltCommandListsEveryCommandAndExits2() {
    String err = CliTest.usageError("prxy");

    assertThat(err).contains("Unmatched argument at index 0: 'prxy'", "proxy", "controller");
    assertThat(err).doesNotContain("\tat ");
  }

  @Test
  void aBadFlagOfTheChosenCommandPrintsItsUsageAndExits2() {
    String err = CliTest.usageError("proxy", "--bogus", "--controller", "http://127.0.0.1:1");

    assertThat(err.lines().findFirst().orElseThrow())
        .isEqualTo("nodemesh: Unknown option: '--bogus'");
    assertThat(err).contains("Usage: nodemesh proxy").doesNotContain("\tat ");
  }

  @Test
  void helpForACommandStillWorks() {
    CliTest.Result r = CliTest.run("help", "proxy");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Usage: nodemesh proxy", "--controller=URL");
  }
}
