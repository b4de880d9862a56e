package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.cost.CostCounter;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfoRunFolderTest {
  @TempDir Path tmp;

  private Path runWithoutGenerations(String split) {
    NetworkSpec spec = TestRuns.spec(8);
    RunDirectory run = RunDirectory.create(tmp.resolve("run"));
    run.writeSpec(spec);
    run.writeCard(TestRuns.card(spec, split));
    return run.path();
  }

  @Test
  void infoOnARunFolderTakesTheSplitFromItsCard() {
    Path run = runWithoutGenerations("kels:0.25");
    CliRun r = CliRun.of("info", run.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("split kels:0.25 from"), r.out());
    assertTrue(r.out().contains("slim = kels:0.25"), r.out());
    long slimOps = CostCounter.count(new KelsPlan(0.25).slimSpec(TestRuns.spec(8))).ops();
    assertTrue(r.out().contains(String.format(Locale.ROOT, "%,d Ops", slimOps)), r.out());
  }

  @Test
  void anExplicitSplitOverridesTheCard() {
    Path run = runWithoutGenerations("wels:0.5");
    CliRun card = CliRun.of("info", run.toString());
    assertTrue(card.out().contains("split wels:0.5 has no slim network"), card.out());
    CliRun explicit = CliRun.of("info", run.toString(), "--split", "kels:0.5");
    assertTrue(explicit.out().contains("slim = kels:0.5"), explicit.out());
  }

  @Test
  void infoOnASlimFolderShowsItsDenseAndSlimCostReport() {
    Path run = TestRuns.write(tmp.resolve("run"), "kels:0.5", null);
    Path slim = tmp.resolve("slim");
    assertEquals(0, CliRun.of("prune", run.toString(), "--out", slim.toString()).exitCode());
    CliRun r = CliRun.of("info", slim.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().startsWith("slim network of small-cnn (kels:0.5, generation 2, accuracy"),
        r.out());
    NetworkSpec dense = TestRuns.spec(4);
    assertTrue(r.out().contains(String.format(Locale.ROOT, "%,d Ops",
        CostCounter.count(dense).ops())), r.out());
    assertTrue(r.out().contains(String.format(Locale.ROOT, "%,d Ops",
        CostCounter.count(new KelsPlan(0.5).slimSpec(dense)).ops())), r.out());
    assertTrue(r.out().contains("latency "), r.out());
    assertTrue(r.out().contains("x faster"), "ke prune measures latency by default: " + r.out());

    Path unmeasured = tmp.resolve("slim-unmeasured");
    assertEquals(0, CliRun.of("prune", run.toString(), "--out", unmeasured.toString(),
        "--no-latency").exitCode());
    CliRun u = CliRun.of("info", unmeasured.toString());
    assertTrue(u.out().contains("latency         not measured"), u.out());
  }
}
