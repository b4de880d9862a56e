package io.kebridge.models.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.testing.Networks;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelGroupsTest {

  @Test
  void residualAddsJoinSkipPathBlockOutputAndDownsampleIntoOneGroup() {
    NetworkSpec spec = Networks.resnet18(4, ArchitectureConfig.Stem.CIFAR, 8);
    ChannelGroups groups = ChannelGroups.of(spec);

    // stage 1 has no downsample: the stem's output flows through both adds of layer1
    ChannelGroup stage1 = groups.groupOf("layer1.1.relu2");
    assertEquals("conv1", stage1.id());
    assertEquals(List.of("conv1", "layer1.0.conv2", "layer1.1.conv2"), stage1.producers());
    assertTrue(stage1.normalisers().containsAll(List.of("bn1", "layer1.0.bn2", "layer1.1.bn2")));
    assertTrue(stage1.consumers().containsAll(
        List.of("layer1.0.conv1", "layer1.1.conv1", "layer2.0.conv1", "layer2.0.downsample.0")));

    // stage 2: the downsample conv, both conv2s and the skip are one group
    ChannelGroup stage2 = groups.groupOf("layer2.0.add");
    assertEquals(List.of("layer2.0.conv2", "layer2.0.downsample.0", "layer2.1.conv2"),
        stage2.producers());
    assertEquals(stage2, groups.groupOf("layer2.1.add"));
    assertEquals(8, stage2.channels());

    // a block's inner conv is a group of its own
    assertEquals(List.of("layer2.0.conv1"), groups.groupOf("layer2.0.relu1").producers());
  }

  @Test
  void everyConvolutionBelongsToExactlyOneProducingGroup() {
    NetworkSpec spec = Networks.resnet18(4, ArchitectureConfig.Stem.IMAGENET, 64);
    ChannelGroups groups = ChannelGroups.of(spec);
    long producers = groups.groups().stream().mapToLong(g -> g.producers().size()).sum();
    // 20 convolutions, the classifier and the input
    assertEquals(22, producers);
    // one group per residual stage, one per block-inner conv (8), the input and the classifier
    assertEquals(4 + 8 + 2, groups.groups().size());
  }

  @Test
  void networkInputAndOutputAreFixedGroups() {
    ChannelGroups groups = ChannelGroups.of(Networks.vgg11(4));
    assertEquals(ChannelGroup.Role.NETWORK_INPUT, groups.groupOf("input").role());
    assertEquals(ChannelGroup.Role.NETWORK_OUTPUT, groups.groupOf("classifier").role());
    assertTrue(groups.groupOf("input").fixed());
    assertFalse(groups.groupOf("features.0").fixed());
    assertEquals(List.of("features.0"), groups.groupOf("input").consumers());
  }

  @Test
  void flattenMapsEachChannelToARunOfFeatures() {
    ChannelGroups groups = ChannelGroups.of(Networks.flattenMlp());
    assertEquals(List.of(new ChannelSlot("conv2", 9)), groups.layout("flatten"));
    assertEquals(List.of(new ChannelSlot("conv2", 1)), groups.layout("relu2"));
    assertEquals(List.of("hidden"), groups.group("conv2").consumers());
    assertEquals(List.of(new ChannelSlot("hidden", 1)), groups.layout("relu3"));
    assertFalse(groups.group("hidden").fixed());
  }

  @Test
  void describeListsEveryGroupWithItsMembers() {
    String text = ChannelGroups.of(Networks.flattenMlp()).describe();
    assertTrue(text.contains("group conv2: 5 channels, prunable"), text);
    assertTrue(text.contains("flatten (9 features per channel)"), text);
    assertTrue(text.contains("group fc: 4 channels, network output"), text);
    assertTrue(text.contains("normalised by bn1"), text);
  }

  @Test
  void aConcatenationKeepsEachChunkAsAGroupOfItsOwn() {
    NetworkSpec spec = Networks.densenet121(4, ArchitectureConfig.Stem.CIFAR, 8);
    ChannelGroups groups = ChannelGroups.of(spec);
    // denselayer3 reads the block input and the new channels of layers 1 and 2
    assertEquals(List.of(new ChannelSlot("features.conv0", 1),
            new ChannelSlot("features.denseblock1.denselayer1.conv2", 1),
            new ChannelSlot("features.denseblock1.denselayer2.conv2", 1)),
        groups.layout("features.denseblock1.denselayer3.norm1"));
    ChannelGroup stem = groups.group("features.conv0");
    assertTrue(stem.normalisers().containsAll(List.of("features.norm0",
        "features.denseblock1.denselayer1.norm1", "features.denseblock1.denselayer6.norm1",
        "features.transition1.norm")), stem.normalisers().toString());
    assertTrue(stem.consumers().contains("features.transition1.conv"));
    assertEquals(ChannelGroup.Role.NETWORK_INPUT, groups.groupOf("input").role());
    // transition 3's output and the new channels of block 4's 16 layers
    assertEquals(17, groups.layout("features.norm5").size());
  }

  @Test
  void depthwiseConvolutionsCarryTheirInputsGroupAndMultiplyItsRuns() {
    ChannelGroups groups = ChannelGroups.of(Networks.mixed());
    assertEquals(List.of(new ChannelSlot("grouped", 2)), groups.layout("dw"));
    assertEquals(List.of("dw", "c"), groups.group("grouped").depthwise());
    assertEquals(List.of(new ChannelSlot("grouped", 2), new ChannelSlot("proj", 1)),
        groups.layout("sum"));
    // the add merged the right-hand chunks into the left-hand groups, slot by slot
    assertEquals(List.of("grouped", "c0"), groups.group("grouped").producers());
    assertEquals(List.of("proj", "d"), groups.group("proj").producers());
    assertEquals(List.of(new ChannelSlot("grouped", 8), new ChannelSlot("proj", 4)),
        groups.layout("flat"));
  }

  @Test
  void aGroupedConvolutionSplitsTheGroupsItReadsIntoChunks() {
    ChannelGroups groups = ChannelGroups.of(Networks.mixed());
    assertEquals(1, groups.group("a").chunks());
    assertEquals(2, groups.group("b").chunks());
    assertEquals(3, groups.group("grouped").chunks());
    assertEquals(2, groups.group("grouped").chunkSize());
    // read side by side by the grouped conv: a and b keep the same channels of every 4
    assertEquals("a", groups.group("b").pattern());
    assertEquals(4, groups.group("b").chunkSize());
    assertEquals(groups.group("a").chunkSize(), groups.group("b").chunkSize());
    assertTrue(groups.describe().contains("group grouped: 6 channels in 3 chunks, prunable"),
        groups.describe());
  }

  @Test
  void refusesAnAddOfDifferentlyLaidOutOutputs() {
    NetworkSpec spec = new NetworkSpec("bad", List.of(
        new io.kebridge.models.spec.Layer.Input("input",
            new io.kebridge.models.spec.ActivationShape(2, 4, 4)),
        new io.kebridge.models.spec.Layer.Conv2d("a", "input", 2, 2, 1, 1, 0, false),
        new io.kebridge.models.spec.Layer.Conv2d("b", "input", 2, 2, 1, 1, 0, false),
        new io.kebridge.models.spec.Layer.Conv2d("c", "input", 2, 4, 1, 1, 0, false),
        new io.kebridge.models.spec.Layer.Concat("ab", List.of("a", "b")),
        new io.kebridge.models.spec.Layer.Add("sum", List.of("ab", "c"))), "sum");
    io.kebridge.models.ModelException e = org.junit.jupiter.api.Assertions.assertThrows(
        io.kebridge.models.ModelException.class, () -> ChannelGroups.of(spec));
    assertTrue(e.getMessage().startsWith("sum: adds ab (channel groups a:2, b:2) and c (c:4)"),
        e.getMessage());
  }
}
