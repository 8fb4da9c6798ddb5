/**
 * Optional JSON access logs, one line per request or connection, written by a background thread so
 * a slow disk never stalls an event loop.
 */
package io.nodemesh.proxy.accesslog;
