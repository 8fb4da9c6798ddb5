/**
 * Fault injection per route rule (issue 17): a fixed delay and an abort, each for a share of the
 * requests drawn from a low-discrepancy sequence so the observed share is the configured one.
 */
package io.nodemesh.proxy.fault;
