/**
 * Experiments over seeds and splits: a {@link io.kebridge.training.sweep.SweepSpec} (the axes over
 * one base config) expands into a {@link io.kebridge.training.sweep.SweepPlan} of independent runs
 * (KE per seed and split, the long control per seed, slim-from-scratch per seed and KELS rate),
 * each with its complete config, and a {@link io.kebridge.training.sweep.SweepSummary} aggregates
 * what the runs left behind: mean, standard deviation and 95% interval over seeds, and KE minus
 * each control, paired by seed.
 */
package io.kebridge.training.sweep;
