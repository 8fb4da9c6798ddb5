/**
 * Property tests of cluster input: random Services, EndpointSlices, Pods, annotations and SMI
 * objects through the controller's compiler and the proxy's config compilation (issue 8).
 */
package io.nodemesh.cli.inputs;
