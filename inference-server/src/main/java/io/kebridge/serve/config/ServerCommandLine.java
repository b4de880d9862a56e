package io.kebridge.serve.config;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The server's settings as picocli options, made from {@link ServerSetting} so that {@code ke
 * serve}, {@code ke bench serve} and the standalone {@code ke-serve} offer the same options with
 * the same help: {@code --max-batch-size N}, Triton's names as aliases ({@code --http-port}, {@code
 * --model-repository}), {@code --no-grpc} for flags. Options carry no picocli default, so a setting
 * the user did not give leaves the file, environment and built-in defaults in force.
 */
public final class ServerCommandLine {
  private ServerCommandLine() {}

  /**
   * Adds one option per setting to {@code spec}, skipping settings whose names the command already
   * defines (a command's own option of the same name wins) and {@code exclude}d ones.
   */
  public static void addOptions(CommandSpec spec, ServerSetting... exclude) {
    List<ServerSetting> skip = List.of(exclude);
    for (ServerSetting s : ServerSetting.values()) {
      if (skip.contains(s)) {
        continue;
      }
      List<String> names = names(s);
      if (names.stream().anyMatch(n -> spec.findOption(n) != null)) {
        continue;
      }
      OptionSpec.Builder o = OptionSpec.builder(names.toArray(String[]::new))
          .paramLabel(s.label())
          .description(s.description() + (s.defaultValue() == null || s.defaultValue().isEmpty()
              ? "" : " (default: " + s.defaultValue() + ")"));
      switch (s.kind()) {
        case FLAG -> o.type(Boolean.class).arity("0..1").negatable(true);
        case LIST -> o.type(List.class).auxiliaryTypes(String.class).splitRegex(",");
        case VALUE -> o.type(String.class);
      }
      spec.addOption(o.build());
    }
  }

  /** The option names of a setting: {@code --key} first, then Triton's. */
  public static List<String> names(ServerSetting s) {
    List<String> names = new ArrayList<>();
    if (s != ServerSetting.REPOSITORY) {
      // The repository is the positional REPO; Triton's names for it stay available.
      names.add("--" + s.key());
    }
    s.aliases().forEach(a -> names.add("--" + a));
    return names;
  }

  /** Applies every setting option the user gave on {@code parsed}'s command line. */
  public static ServerConfig.Builder apply(ParseResult parsed, ServerConfig.Builder builder) {
    for (ServerSetting s : ServerSetting.values()) {
      for (String name : names(s)) {
        OptionSpec o = parsed.matchedOption(name);
        if (o == null || parsed.commandSpec().findOption(name) != o) {
          continue;
        }
        Object value = o.getValue();
        String text = value instanceof List<?> l ? String.join(",", l.stream()
            .map(String::valueOf).toList()) : String.valueOf(value);
        s.apply(builder, text);
        break;
      }
    }
    return builder;
  }

  /** For {@code @Command(modelTransformer = ...)}: adds the server options to a command. */
  public static final class Transformer implements CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec commandSpec) {
      addOptions(commandSpec);
      return commandSpec;
    }
  }
}
