/**
 * Live request taps: on demand, filtered and rate-limited copies of finished HTTP requests, fed by
 * the request path only while someone is tapping (one volatile read otherwise).
 */
package io.nodemesh.proxy.tap;
