/**
 * The mesh's recent traffic, from the proxies' reports: a one-minute window of requests, latencies
 * and denials, and each proxy's health; what the {@code /ui} page and cluster-wide top show.
 */
package io.nodemesh.controller.traffic;
