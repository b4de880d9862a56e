/**
 * The HTML report of a run, with JFreeChart charts.
 */
package io.kebridge.training.report;
