package io.kebridge.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fenced blocks of README.md with the marker comment that says what the walk-through test
 * does with each. A block's marker is an HTML comment on the nearest non-blank line above it:
 *
 * <ul>
 *   <li>{@code <!-- walkthrough -->}: a shell block the test runs, in order, as one bash script;
 *   <li>{@code <!-- walkthrough: needs curl python:grpc -->}: the same, skipped with a note where
 *       a command ({@code curl}) or a Python module ({@code python:grpc}) is missing;
 *   <li>{@code <!-- walkthrough: server 8000 8001 -->}: one command that keeps serving on these
 *       ports (REST first): started in the background and kept up until the walk-through ends
 *       ({@code server 8090 8091 needs python:torch}: skipped like a block that needs them);
 *   <li>{@code <!-- walkthrough: file NAME -->}: a file the reader saves as NAME;
 *   <li>{@code <!-- not run: REASON -->}: shown only (long-running, the tests themselves, ...).
 * </ul>
 *
 * Blocks fenced as {@code ```text} are output, not commands, and take no marker.
 */
record ReadmeBlocks(Path file, List<Block> blocks) {

  /** What the walk-through does with a block. */
  enum Kind { RUN, SERVER, FILE, NOT_RUN, OUTPUT, UNMARKED }

  /**
   * One fenced block: the README line of its opening fence, its info string, its marker and its
   * text. {@code needs} holds commands and {@code python:MODULE}s, {@code ports} a server's
   * ports, {@code argument} a file's name or why a block is not run.
   */
  record Block(int line, String info, Kind kind, List<String> needs, List<Integer> ports,
      String argument, String text) {

    /** Where a reader finds it. */
    String where() {
      return "README.md line " + line;
    }

    /** The block's text with the README's port numbers mapped, e.g. to free ones. */
    String text(java.util.Map<Integer, Integer> portMap) {
      String t = text;
      for (var e : portMap.entrySet()) {
        t = t.replaceAll("(?<![0-9])" + e.getKey() + "(?![0-9])", Integer.toString(e.getValue()));
      }
      return t;
    }
  }

  private static final Pattern MARKER =
      Pattern.compile("^<!--\\s*(walkthrough(?::\\s*(.*?))?|not run:\\s*(.*?))\\s*-->$");

  /** README.md of the repository that holds this module. */
  static ReadmeBlocks read() throws IOException {
    return read(Path.of("..", "README.md"));
  }

  static ReadmeBlocks read(Path readme) throws IOException {
    List<String> lines = Files.readAllLines(readme);
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (!line.startsWith("```")) {
        continue;
      }
      String info = line.substring(3).trim();
      int open = i;
      StringBuilder text = new StringBuilder();
      for (i++; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
        text.append(lines.get(i)).append('\n');
      }
      if (i == lines.size()) {
        throw new IllegalStateException(readme + " line " + (open + 1) + ": unclosed ``` block");
      }
      blocks.add(block(open + 1, info, markerAbove(lines, open), text.toString()));
    }
    return new ReadmeBlocks(readme, List.copyOf(blocks));
  }

  private static String markerAbove(List<String> lines, int fence) {
    for (int j = fence - 1; j >= 0; j--) {
      String above = lines.get(j).trim();
      if (!above.isEmpty()) {
        return above.startsWith("<!--") ? above : null;
      }
    }
    return null;
  }

  private static Block block(int line, String info, String marker, String text) {
    if (info.equals("text")) {
      return new Block(line, info, Kind.OUTPUT, List.of(), List.of(), null, text);
    }
    Matcher m = marker == null ? null : MARKER.matcher(marker);
    if (m == null || !m.matches()) {
      return new Block(line, info, Kind.UNMARKED, List.of(), List.of(), marker, text);
    }
    if (m.group(3) != null) {
      return new Block(line, info, Kind.NOT_RUN, List.of(), List.of(), m.group(3), text);
    }
    String args = m.group(2) == null ? "" : m.group(2).trim();
    List<String> words = args.isEmpty() ? List.of() : Arrays.asList(args.split("\\s+"));
    if (words.isEmpty()) {
      return new Block(line, info, Kind.RUN, List.of(), List.of(), null, text);
    }
    List<String> rest = words.subList(1, words.size());
    return switch (words.get(0)) {
      case "needs" -> new Block(line, info, Kind.RUN, List.copyOf(rest), List.of(), null, text);
      case "server" -> {
        int needs = rest.indexOf("needs");
        List<String> ports = needs < 0 ? rest : rest.subList(0, needs);
        yield new Block(line, info, Kind.SERVER,
            needs < 0 ? List.of() : List.copyOf(rest.subList(needs + 1, rest.size())),
            ports.stream().map(Integer::valueOf).toList(), null, text);
      }
      case "file" -> new Block(line, info, Kind.FILE, List.of(), List.of(),
          String.join(" ", rest), text);
      default -> new Block(line, info, Kind.UNMARKED, List.of(), List.of(), marker, text);
    };
  }

  /** Every {@code ./ke ...} line of every block, as its words (for the parse check). */
  List<String[]> keCommands() {
    List<String[]> commands = new ArrayList<>();
    for (Block b : blocks) {
      if (b.kind() == Kind.OUTPUT || b.kind() == Kind.FILE) {
        continue;
      }
      for (String line : b.text().split("\n")) {
        Matcher ke = Pattern.compile("^(?:[A-Z_]+=\\S+\\s+)*\\./ke\\s+(.*)$").matcher(line.trim());
        if (ke.matches()) {
          String cmd = ke.group(1).replaceAll("\\s+#.*$", "").replaceAll("\\s*&$", "").trim();
          commands.add(cmd.replace("'", "").split("\\s+"));
        }
      }
    }
    return commands;
  }
}
