/**
 * Request mirroring per route rule (issue 17): which requests are copied, and the cap on copies in
 * flight that keeps a slow mirror from holding memory or connections; the sending is in
 * proxy.upstream.
 */
package io.nodemesh.proxy.mirror;
