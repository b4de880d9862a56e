/**
 * Training speed benchmark (images/s, KE step, resident memory).
 */
package io.kebridge.training.bench;
