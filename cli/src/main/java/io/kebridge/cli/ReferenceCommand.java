package io.kebridge.cli;

import io.kebridge.models.io.AtomicFiles;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ke reference}: the CLI reference in Markdown ({@code docs/cli.md}), generated from the
 * command tree: every command's usage, options, defaults and descriptions as {@code --help}
 * prints them. A test fails when the committed file drifts from the commands.
 */
@Command(
    name = "reference",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Write the CLI reference (docs/cli.md) generated from the commands.")
public final class ReferenceCommand implements Runnable {

  @Option(names = "--out", paramLabel = "FILE",
      description = "Write to FILE (atomically) instead of standard output.")
  Path out;

  @Spec CommandLine.Model.CommandSpec command;

  @Override
  public void run() {
    String text = markdown(command.commandLine().getParent());
    if (out == null) {
      command.commandLine().getOut().print(text);
      command.commandLine().getOut().flush();
    } else {
      AtomicFiles.writeString(out, text);
    }
  }

  /** The reference of {@code root} and every visible command below it. */
  static String markdown(CommandLine root) {
    StringBuilder b = new StringBuilder();
    b.append("# ke command reference\n\n");
    b.append("Generated from the commands themselves (`./ke reference --out docs/cli.md`); a test\n"
        + "fails when this file and the CLI differ. Every command also prints its part with\n"
        + "`--help`.\n\n");
    for (CommandLine c : commands(root)) {
      b.append("- [`").append(c.getCommandSpec().qualifiedName()).append("`](#")
          .append(c.getCommandSpec().qualifiedName().replace(' ', '-')).append(")\n");
    }
    for (CommandLine c : commands(root)) {
      b.append("\n## ").append(c.getCommandSpec().qualifiedName()).append("\n\n```text\n")
          .append(usage(c).stripTrailing()).append("\n```\n");
    }
    return b.toString();
  }

  private static java.util.List<CommandLine> commands(CommandLine root) {
    java.util.List<CommandLine> all = new java.util.ArrayList<>();
    collect(root, all);
    return all;
  }

  private static void collect(CommandLine c, java.util.List<CommandLine> all) {
    if (c.getCommandSpec().usageMessage().hidden()) {
      return;
    }
    all.add(c);
    for (Map.Entry<String, CommandLine> e : c.getSubcommands().entrySet()) {
      // aliases share the CommandLine: list each command once, under its own name
      if (e.getKey().equals(e.getValue().getCommandName())) {
        collect(e.getValue(), all);
      }
    }
  }

  private static String usage(CommandLine c) {
    java.io.StringWriter s = new java.io.StringWriter();
    c.usage(new java.io.PrintWriter(s), CommandLine.Help.Ansi.OFF);
    return s.toString();
  }
}
