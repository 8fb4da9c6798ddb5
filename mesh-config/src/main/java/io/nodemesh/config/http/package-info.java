/**
 * HTTP request rules that the proxy enforces and the controller's tools repeat: the one canonical
 * form of a request path (docs/access-control.md, "The request path").
 */
@NullMarked
package io.nodemesh.config.http;

import org.jspecify.annotations.NullMarked;
