package io.kebridge.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the ke command in-process and captures exit code, standard output and error. */
record CliRun(int exitCode, String out, String err) {
  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new CliRun(code, out.toString(), err.toString());
  }
}
