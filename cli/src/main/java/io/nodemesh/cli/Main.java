package io.nodemesh.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/nodemesh}. Exit codes: 0 ok, 1 runtime failure, 2 usage error. */
@Command(
    name = "nodemesh",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "A per-node, sidecar-free service mesh for Kubernetes.",
    subcommands = {
      LocalCommand.class,
      DemoCommand.class,
      ControllerCommand.class,
      ProxyCommand.class,
      ExplainCommand.class,
      TapCommand.class,
      TopCommand.class,
      CheckCommand.class,
      PrepareCommand.class,
      CleanupCommand.class,
      CrdsCommand.class,
      DnsCommand.class,
      VersionCommand.class,
      ProbeCommands.Serve.class,
      ProbeCommands.Call.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  /**
   * fabric8 warns on every start that the SMI kinds use alpha versions; they are the only versions
   * SMI ever released, so the warning tells an operator nothing. Held here so the level sticks.
   */
  private static final java.util.logging.Logger UNSTABLE_VERSION_WARNINGS =
      java.util.logging.Logger.getLogger(
          "io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils");

  static {
    UNSTABLE_VERSION_WARNINGS.setLevel(java.util.logging.Level.SEVERE);
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs one command line; tests call this instead of {@link #main}. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = commandLine();
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(Main::reportFailure);
    cli.setParameterExceptionHandler(Main::reportUsageError);
    return cli;
  }

  /** A bad flag or value: one line saying why, then the usage, exit code 2. */
  private static int reportUsageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("nodemesh: " + e.getMessage());
    cmd.usage(err);
    return CommandLine.ExitCode.USAGE;
  }

  /**
   * A failure while running: one line, no stack trace for what the user can fix ({@link
   * UserError}); anything else is a bug and keeps its trace.
   */
  private static int reportFailure(
      Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    if (e instanceof UserError) {
      err.println("nodemesh " + cmd.getCommandName() + ": " + e.getMessage());
    } else {
      err.println("nodemesh " + cmd.getCommandName() + ": unexpected failure: " + e);
      e.printStackTrace(err);
    }
    return 1;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }
}
