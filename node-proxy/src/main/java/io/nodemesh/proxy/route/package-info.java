/**
 * Gateway API route rules on the request path (issue 17): the first matching rule of a listener,
 * its header edits, redirect and rewrite, and the weighted pick among its backends.
 */
package io.nodemesh.proxy.route;
