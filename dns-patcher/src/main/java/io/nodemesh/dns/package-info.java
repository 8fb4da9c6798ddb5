/** Making {@code *.mesh} names resolve: the CoreDNS Corefile patch, applied and undone exactly. */
package io.nodemesh.dns;
