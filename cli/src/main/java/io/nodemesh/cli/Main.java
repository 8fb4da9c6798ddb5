package io.nodemesh.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/nodemesh}. Exit codes: 0 ok, 1 runtime failure, 2 usage error. */
@Command(
    name = "nodemesh",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "A per-node, sidecar-free service mesh for Kubernetes.")
public final class Main implements Runnable {
  /**
   * The subcommands, in the order {@code nodemesh --help} lists them. Not in {@code @Command}:
   * picocli builds the model of every listed subcommand by reflection, loading the types of all
   * their options (the controller's, fabric8's), which cost the node proxy a third of its start-up;
   * {@link #commandLine(String...)} adds only the one a command line names (issue 15).
   */
  static final List<Class<?>> COMMANDS =
      List.of(
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
          CommandLine.HelpCommand.class);

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
    CommandLine cli = commandLine(args);
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  /**
   * The command line for {@code args}: when the first argument names a subcommand, the root with
   * that subcommand only; otherwise (no command, a root flag, an unknown or misspelt command, an
   * {@code @file}, {@code help}) the root with all of them, so that the usage lists them all. What
   * picocli does with the chosen subcommand's arguments is the same either way: parsing never
   * leaves the subcommand once it is entered.
   */
  static CommandLine commandLine(String... args) {
    CommandLine cli = new CommandLine(new Main());
    Class<?> chosen = args.length == 0 ? null : named(args[0]);
    if (chosen != null) {
      cli.addSubcommand(chosen);
    } else {
      COMMANDS.forEach(cli::addSubcommand);
    }
    cli.setExecutionExceptionHandler(Main::reportFailure);
    cli.setParameterExceptionHandler(Main::reportUsageError);
    return cli;
  }

  /**
   * The subcommand called {@code name} when it stands alone; null for none and for {@code help},
   * which lists its siblings. Reads only the classes' {@code @Command} annotations, up to the
   * match.
   */
  static Class<?> named(String name) {
    for (Class<?> c : COMMANDS) {
      if (c != CommandLine.HelpCommand.class
          && c.getAnnotation(Command.class).name().equals(name)) {
        return c;
      }
    }
    return null;
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
