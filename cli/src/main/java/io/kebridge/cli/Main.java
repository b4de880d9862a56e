package io.kebridge.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code ke} command: one entry point for every ke-bridge job. Exit codes: 0 success, 1
 * failure, 2 usage error; failures print one line, with the stack trace only under {@code
 * --verbose}.
 */
@Command(
    name = "ke",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Knowledge Evolution on the JVM: train, sweep, prune, export, serve.",
    subcommands = {
      InfoCommand.class,
      DataCommand.class,
      TrainCommand.class,
      SweepCommand.class,
      PruneCommand.class,
      ExportCommand.class,
      ImportCommand.class,
      EvalCommand.class,
      ServeCommand.class,
      DemoCommand.class,
      CompareCommand.class,
      BenchCommand.class,
      CompletionCommand.class,
      ReferenceCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  @Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces and debug output.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** Runs the command line and returns the exit code (no {@code System.exit}). */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Main());
    // Descriptions are written for 100 columns; 80 would break their lines mid-sentence.
    cli.setUsageHelpWidth(100);
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          boolean verbose = hasVerbose(parseResult);
          String message = ex.getMessage() == null ? ex.toString() : ex.getMessage();
          // one line, whatever a hostile file put into the message (names with line breaks)
          commandLine.getErr().println("ke: error: " + message.replaceAll("[\\r\\n]+\\s*", " ")
              .strip());
          if (verbose) {
            ex.printStackTrace(commandLine.getErr());
          }
          commandLine.getErr().flush();
          return 1;
        });
    cli.setParameterExceptionHandler(
        (ex, args1) -> {
          CommandLine c = ex.getCommandLine();
          c.getErr().println("ke: " + ex.getMessage());
          c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
          c.getErr().flush();
          return 2;
        });
    return cli.execute(args);
  }

  private static boolean hasVerbose(CommandLine.ParseResult r) {
    for (CommandLine.ParseResult p = r; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  /** The launcher's entry point. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(execute(args, out, err));
  }

  /** Reports the version from the jar manifest (or "dev" when run from classes). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"ke-bridge " + version()};
    }
  }

  /** The ke-bridge version. */
  public static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }
}
