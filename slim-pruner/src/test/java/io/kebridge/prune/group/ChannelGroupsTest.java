package io.kebridge.prune.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.prune.testing.Networks;
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
    assertEquals(new ChannelSlot("conv2", 9), groups.slot("flatten"));
    assertEquals(new ChannelSlot("conv2", 1), groups.slot("relu2"));
    assertEquals(List.of("hidden"), groups.group("conv2").consumers());
    assertEquals(new ChannelSlot("hidden", 1), groups.slot("relu3"));
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
}
