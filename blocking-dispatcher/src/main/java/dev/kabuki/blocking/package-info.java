/**
 * What users see of the elastic blocking pool (which runs {@code spawnBlocking} work and
 * blocking-tagged actors): its {@link dev.kabuki.blocking.BlockingPoolMetrics} and its
 * {@link dev.kabuki.blocking.BlockingPoolShutdown} report.
 */
package dev.kabuki.blocking;
